#include "app/gui/session.h"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <functional>
#include <random>
#include <filesystem>
#include <set>
#include <nlohmann/json.hpp>

#include "app/gui/template_form.h"
#include "app/library/library.h"
#include "app/library/models.h"
#include "core/text.h"
#include "db/template_store.h"

namespace provena::gui {
namespace {

constexpr size_t kLabelBytes = 80;  // a gallery caption shows the start of the prompt

// At most `max_bytes` of `text`, cut at a code point boundary, "…" when cut.
std::string utf8_prefix(const std::string& text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  size_t i = 0, end = 0;
  while (i < text.size() && i <= max_bytes) {
    end = i;
    next_code_point(text, i);
  }
  return text.substr(0, end) + "\u2026";
}

GalleryItem to_item(const Entry& e) {
  GalleryItem item;
  item.id = e.id;
  item.path = e.primary_path().value_or("");
  if (e.record.prompt && !e.record.prompt->empty())
    item.label = utf8_prefix(*e.record.prompt, kLabelBytes);
  else if (!e.files.empty())
    item.label = std::filesystem::path(e.files.front().path).filename().string();
  item.seed = e.record.seed;
  item.width = e.image.width;
  item.height = e.image.height;
  item.thumb_key = (e.pixel_hash ? *e.pixel_hash : e.content_hash).hex();
  return item;
}

struct Page {
  std::vector<GalleryItem> items;
  std::string next, error;
};

Page fetch_page(Catalog& c, const std::string& query, const std::string& after) {
  SearchOptions o;
  o.limit = kGalleryPage;
  o.after = after;
  Page p;
  auto page = c.search(query, o);
  if (!page) {
    p.error = page.error().message;
    return p;
  }
  for (const auto& e : page->entries) p.items.push_back(to_item(e));
  p.next = page->next;
  return p;
}

}  // namespace

// The worker's side: the catalog connection, opened on first use in the worker thread.
struct Session::Reader {
  std::string dir;
  std::unique_ptr<Catalog> catalog;
  std::string open_error;
  // Tried again while it fails: a new library exists once the first import writes it.
  Catalog* get() {
    if (!catalog) {
      auto c = open_library(dir, Catalog::Mode::kReadOnly);
      if (c) catalog = std::move(*c), open_error.clear();
      else open_error = c.error().message;
    }
    return catalog.get();
  }
};

// The writer worker's side: a read-write connection, opened on first use.
struct Session::Writer {
  std::string dir;
  std::unique_ptr<Catalog> catalog;
  std::string open_error;
  Catalog* get() {
    if (!catalog) {
      auto c = open_library(dir, Catalog::Mode::kReadWrite);
      if (c) catalog = std::move(*c), open_error.clear();
      else open_error = c.error().message;
    }
    return catalog.get();
  }
};

// Runs argv[0] with argv: stdout is returned in `out`, stderr is handed over line by line
// as it comes (progress). The pid is published in `child` while it runs. Returns the exit
// status, -1 when it could not start or was killed.
int run_child(const std::vector<std::string>& argv, std::atomic<int>& child, std::string& out,
              const std::function<void(const std::string&)>& on_stderr_line = {}) {
  char out_path[] = "/tmp/provena-gui-XXXXXX";
  const int out_fd = ::mkstemp(out_path);
  if (out_fd < 0) return -1;
  ::unlink(out_path);  // stays readable through out_fd
  int err[2];
  if (::pipe(err) != 0) return ::close(out_fd), -1;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_fd, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err[1], STDERR_FILENO);
  posix_spawn_file_actions_addclose(&actions, err[0]);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(err[1]);
  if (rc != 0) {
    ::close(err[0]);
    ::close(out_fd);
    return -1;
  }
  child = pid;
  std::string line;
  char buf[4096];
  for (ssize_t n; (n = ::read(err[0], buf, sizeof buf)) > 0;) {
    for (ssize_t i = 0; i < n; ++i) {
      if (buf[i] != '\n') {
        line.push_back(buf[i]);
        continue;
      }
      if (on_stderr_line) on_stderr_line(line);
      line.clear();
    }
  }
  if (!line.empty() && on_stderr_line) on_stderr_line(line);
  ::close(err[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  child = 0;
  ::lseek(out_fd, 0, SEEK_SET);
  for (ssize_t n; (n = ::read(out_fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
  ::close(out_fd);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

Session::Session(std::string library_dir)
    : library_dir_(std::move(library_dir)),
      reader_state_(std::make_shared<Reader>()),
      writer_state_(std::make_shared<Writer>()),
      import_done_(std::make_shared<std::atomic<int64_t>>(0)),
      import_total_(std::make_shared<std::atomic<int64_t>>(0)),
      import_cancel_(std::make_shared<std::atomic<bool>>(false)),
      child_(std::make_shared<std::atomic<int>>(0)),
      progress_(std::make_shared<std::atomic<int>>(0)) {
  reader_state_->dir = library_dir_;
  writer_state_->dir = library_dir_;
  std::error_code ec;
  generator_path_ = (std::filesystem::read_symlink("/proc/self/exe", ec).parent_path() / "provena-generate").string();
}

Session::~Session() {
  cancel_jobs();
  cancel_import();
}

void Session::generate(AppState& state) {
  auto& g = state.generate;
  if (g.running || (g.prompt.empty() && g.template_name.empty())) return;
  if (g.random_seed) {
    std::random_device rd;
    g.seed = static_cast<int64_t>((uint64_t(rd()) << 31 ^ rd()) & 0xFFFFFFFFull);
  }
  g.running = true;
  g.error.clear();
  g.made.clear();
  progress_->store(0);
  std::vector<std::string> argv = {generator_path_, "generate", "--seed", std::to_string(g.seed),
                                   "--steps", std::to_string(g.steps), "--cfg", std::to_string(g.cfg),
                                   "--count", std::to_string(g.count), "--json", "--progress", "--library", library_dir_};
  argv.insert(argv.end(), {"--rng", g.noise});
  if (!g.model_dir.empty()) argv.insert(argv.end(), {"--model", g.model_dir});
  if (g.model_family == "sd1")
    argv.insert(argv.end(), {"--sampler", g.sampler, "--schedule", g.schedule, "--size",
                             std::to_string(g.width) + "x" + std::to_string(g.height), "--clip-skip",
                             std::to_string(g.clip_skip)});
  if (!g.template_name.empty()) {
    argv.insert(argv.end(), {"--template", g.template_name});
    for (const auto& [slot, value] : g.slot_values)
      if (!value.empty()) argv.insert(argv.end(), {"--set", slot + "=" + value});
  } else {
    argv.insert(argv.begin() + 2, g.prompt);
    if (!g.negative.empty()) argv.insert(argv.begin() + 3, {"--negative", g.negative});
  }
  AppState* s = &state;
  jobs_.post([this, s, argv, child = child_, progress = progress_]() -> Worker::Apply {
    std::string out, errors;
    const int rc = run_child(argv, *child, out, [&](const std::string& line) {
      int step = 0, steps = 0;
      if (std::sscanf(line.c_str(), "progress %d %d", &step, &steps) == 2 && steps > 0)
        progress->store(step * 1000 / steps);
      else
        errors += (errors.empty() ? "" : "\n") + line;  // shown only when the run fails
    });
    std::vector<int64_t> made;
    nlohmann::json j = nlohmann::json::parse(out, nullptr, false);
    if (rc == 0 && j.is_array())
      for (const auto& m : j) made.push_back(m.value("id", int64_t(0)));
    if (rc != 0 && errors.empty()) errors = rc < 0 ? "could not run " + argv[0] + " or it was stopped" : "generation failed";
    return [s, this, made, errors = rc == 0 ? std::string() : errors]() {
      s->generate.running = false;
      s->generate.made = made;
      s->generate.error = errors;
      if (!made.empty()) {
        search(*s, s->search.shown);  // the new images land in the gallery at once
        show_detail(*s, made.front());
        s->filters.stale = true;
      }
    };
  });
}

void Session::refresh_models(AppState& state) {
  auto& g = state.generate;
  if (g.models_loading) return;
  g.models_loading = true;
  g.models_stale = false;
  AppState* s = &state;
  auto r = reader_state_;
  reader_.post([r, s, library = library_dir_]() -> Worker::Apply {
    std::vector<ModelChoice> choices;
    std::set<std::string> paths;
    for (const auto& m : list_model_folders(library)) {
      choices.push_back({m.name, m.path, "tiny-flow", m.sha256.substr(0, 10), m.embedded});
      paths.insert(m.path);
    }
    // The registry's checkpoints of a family the generator has (other families are listed
    // by `provena models list` but cannot be picked).
    if (Catalog* c = r->get())
      if (auto registered = list_models(*c))
        for (const auto& m : *registered)
          if (m.family == "sd1" && paths.insert(m.path).second) choices.push_back({m.name, m.path, m.family, m.short_hash});
    return [s, choices = std::move(choices)]() mutable {
      s->generate.models_loading = false;
      s->generate.models = std::move(choices);
    };
  });
}

void Session::scan_models(AppState& state) {
  auto& g = state.generate;
  if (g.models_scanning) return;
  g.models_scanning = true;
  g.models_note = "scanning the model folders (new checkpoints are hashed once)...";
  AppState* s = &state;
  post_write(state, [s, library = library_dir_](Catalog& catalog) -> Worker::Apply {
    auto report = provena::scan_models(catalog, model_search_dirs(library));
    std::string note;
    if (!report) {
      note = report.error().message;
    } else {
      note = std::to_string(report->found) + " model" + (report->found == 1 ? "" : "s") + " found, " +
             std::to_string(report->hashed) + " hashed";
      for (const auto& e : report->errors) note += "; " + e;
    }
    return [s, note] {
      s->generate.models_scanning = false;
      s->generate.models_note = note;
      s->generate.models_stale = true;
    };
  });
}

double Session::job_progress() const { return progress_->load() / 1000.0; }

void Session::cancel_jobs() {
  if (const int pid = child_->load(); pid > 0) ::kill(pid, SIGTERM);
}

void Session::reproduce(AppState& state, int64_t asset_id) {
  if (state.reproduce.running) return;
  state.reproduce = ReproduceState{};
  state.reproduce.original = asset_id;
  state.reproduce.running = true;
  AppState* s = &state;
  progress_->store(0);
  jobs_.post([s, asset_id, child = child_, progress = progress_, generator = generator_path_,
              library = library_dir_]() -> Worker::Apply {
    std::string out;
    const int rc = run_child({generator, "reproduce", std::to_string(asset_id), "--json", "--progress", "--library", library},
                             *child, out, [&](const std::string& line) {
                               int step = 0, steps = 0;
                               if (std::sscanf(line.c_str(), "progress %d %d", &step, &steps) == 2 && steps > 0)
                                 progress->store(step * 1000 / steps);
                             });
    ReproduceState r;
    r.original = asset_id;
    nlohmann::json j = nlohmann::json::parse(out, nullptr, false);
    if (rc == 0 && j.is_object()) {
      r.verdict = j.value("verdict", "");
      if (j.contains("psnr") && j["psnr"].is_number()) r.psnr = j["psnr"].get<double>();
      r.max_abs_diff = j.value("max_abs_diff", 0);
      r.reproduction = j.value("reproduction", int64_t(0));
      r.path = j.value("path", "");
      if (j.contains("heatmap") && j["heatmap"].is_string()) r.heatmap = j["heatmap"].get<std::string>();
    } else if (rc < 0) {
      r.error = "could not run " + generator + " (built without the generator?) or it was stopped";
    } else {
      r.error = j.is_object() && j.contains("error") ? j["error"].get<std::string>()
                                                     : "reproduction failed (exit status " + std::to_string(rc) + ")";
    }
    return [s, r = std::move(r)]() mutable {
      s->reproduce = std::move(r);
      s->stats.stale = true;  // a reproduction is a new image in the library
    };
  });
}

void Session::search(AppState& state, const std::string& query) {
  auto& g = state.gallery;
  g.items.clear();
  g.visible.clear();
  g.next.clear();
  g.loading = true;
  const int64_t generation = ++g.generation;
  state.search.shown = query;
  state.stats.stale = true;
  AppState* s = &state;
  auto r = reader_state_;
  reader_.post([r, s, query, generation]() -> Worker::Apply {
    Catalog* c = r->get();
    if (!c) {
      // A library nobody has written to yet is empty, not broken.
      std::error_code ec;
      if (!std::filesystem::exists(catalog_path(r->dir), ec))
        return [s] { s->gallery.loading = false, s->total_assets = 0; };
      return [s, e = r->open_error] { s->status = e, s->gallery.loading = false; };
    }
    Page page = fetch_page(*c, query, "");
    auto total = c->count_assets();
    return [s, generation, page = std::move(page), total = total ? *total : -1]() mutable {
      if (s->gallery.generation != generation) return;  // a newer search replaced it
      s->gallery.loading = false;
      s->gallery.items = std::move(page.items);
      s->gallery.next = page.next;
      s->total_assets = total;
      s->search.error = page.error;
      s->search.error_column = 0;
      const std::string marker = "at column ";
      if (auto at = page.error.find(marker); at != std::string::npos)
        s->search.error_column = std::atoi(page.error.c_str() + at + marker.size());
    };
  });
}

void Session::load_more(AppState& state) {
  auto& g = state.gallery;
  if (g.loading || g.next.empty()) return;
  g.loading = true;
  AppState* s = &state;
  auto r = reader_state_;
  reader_.post([r, s, query = state.search.shown, after = g.next, generation = g.generation]() -> Worker::Apply {
    Catalog* c = r->get();
    if (!c) return [s] { s->gallery.loading = false; };
    Page page = fetch_page(*c, query, after);
    return [s, generation, page = std::move(page)]() mutable {
      if (s->gallery.generation != generation) return;
      s->gallery.loading = false;
      s->gallery.next = page.next;
      for (auto& item : page.items) s->gallery.items.push_back(std::move(item));
      if (!page.error.empty()) s->status = page.error;
    };
  });
}

void Session::show_detail(AppState& state, int64_t asset_id) {
  state.gallery.selected = asset_id;
  state.detail.id = asset_id;
  state.detail.loading = true;
  AppState* s = &state;
  auto r = reader_state_;
  reader_.post([r, s, asset_id]() -> Worker::Apply {
    Catalog* c = r->get();
    if (!c) return [s, e = r->open_error] { s->detail.loading = false, s->detail.error = e; };
    auto entry = c->get(asset_id);
    auto lineage = c->lineage_of(asset_id);
    std::optional<Entry> found;
    std::string error;
    if (!entry) error = entry.error().message;
    else if (!*entry) error = "no asset " + std::to_string(asset_id) + " in this library";
    else found = std::move(**entry);
    std::vector<LineageLink> links = lineage ? std::move(*lineage) : std::vector<LineageLink>{};
    std::vector<std::string> pretty;
    if (found)
      for (const auto& raw : found->record.raw) {
        const size_t at = raw.text.find_first_not_of(" \t\r\n");
        nlohmann::json j;
        if (at != std::string::npos && (raw.text[at] == '{' || raw.text[at] == '[') && raw.text.size() < (8u << 20))
          j = nlohmann::json::parse(raw.text, nullptr, false);
        pretty.push_back(j.is_structured() ? j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) : "");
      }
    return [s, asset_id, found = std::move(found), links = std::move(links), pretty = std::move(pretty),
            error]() mutable {
      if (s->detail.id != asset_id) return;  // another item was selected meanwhile
      s->detail.loading = false;
      s->detail.entry = std::move(found);
      s->detail.raw_pretty = std::move(pretty);
      s->detail.lineage = std::move(links);
      s->detail.error = error;
    };
  });
}

std::string trend_request_key(const StatsState& st, const std::string& query) {
  return st.trend_keywords + "\n" + std::to_string(st.trend_bucket) + "\n" + query;
}

void Session::refresh_trends(AppState& state) {
  auto& st = state.stats;
  st.trend_for = trend_request_key(st, state.search.shown);
  std::vector<std::string> keywords;
  std::string word;
  for (char c : st.trend_keywords + ",") {
    if (c != ',') {
      word.push_back(c);
      continue;
    }
    while (!word.empty() && word.back() == ' ') word.pop_back();
    size_t b = word.find_first_not_of(' ');
    if (b != std::string::npos) keywords.push_back(word.substr(b));
    word.clear();
  }
  const TrendBucket by = st.trend_bucket == 0 ? TrendBucket::kDay : st.trend_bucket == 1 ? TrendBucket::kWeek : TrendBucket::kMonth;
  AppState* s = &state;
  auto r = reader_state_;
  reader_.post([r, s, keywords, by, query = state.search.shown, key = st.trend_for]() -> Worker::Apply {
    Catalog* c = r->get();
    if (!c) return {};
    std::vector<std::pair<std::string, std::vector<TrendPoint>>> series;
    for (const auto& k : keywords) {
      auto t = keyword_trend(*c, k, by, query);
      series.emplace_back(k, t ? std::move(*t) : std::vector<TrendPoint>{});
    }
    CooccurrenceReport co;
    if (!keywords.empty())
      if (auto rep = cooccurring(*c, keywords.front(), query, 12)) co = std::move(*rep);
    return [s, key, series = std::move(series), co = std::move(co)]() mutable {
      if (s->stats.trend_for != key) return;  // asked again with other keywords meanwhile
      s->stats.trends = std::move(series);
      s->stats.cooccurrence = std::move(co);
    };
  });
}

void Session::refresh_stats(AppState& state) {
  if (state.stats.loading) return;
  state.stats.loading = true;
  state.stats.stale = false;
  AppState* s = &state;
  auto r = reader_state_;
  reader_.post([r, s, query = state.search.shown]() -> Worker::Apply {
    Catalog* c = r->get();
    if (!c) return [s, e = r->open_error] { s->stats.loading = false, s->stats.error = e; };
    StatsState out;
    out.query = query;
    KeywordQuery q;
    q.query = query;
    q.limit = 20;
    auto pos = top_keywords(*c, q);
    q.negative = true;
    auto neg = top_keywords(*c, q);
    auto models = usage(*c, UsageBy::kModel, query, 10);
    auto tools = usage(*c, UsageBy::kTool, query, 10);
    auto samplers = usage(*c, UsageBy::kSampler, query, 10);
    if (pos) out.positive = std::move(*pos);
    else out.error = pos.error().message;
    if (neg) out.negative = std::move(*neg);
    if (models) out.models = std::move(*models);
    if (tools) out.tools = std::move(*tools);
    if (samplers) out.samplers = std::move(*samplers);
    return [s, out = std::move(out)]() mutable {
      auto& st = s->stats;
      st.loading = false;
      st.stale = st.query != out.query && s->search.shown != out.query;
      st.query = out.query;
      st.error = out.error;
      st.positive = std::move(out.positive);
      st.negative = std::move(out.negative);
      st.models = std::move(out.models);
      st.tools = std::move(out.tools);
      st.samplers = std::move(out.samplers);
    };
  });
}

void Session::post_write(AppState& state, std::function<Worker::Apply(Catalog&)> task) {
  AppState* s = &state;
  writer_.post([w = writer_state_, s, task = std::move(task)]() -> Worker::Apply {
    Catalog* c = w->get();
    if (!c) return [s, e = w->open_error] { s->status = e; };
    return task(*c);
  });
}

void Session::import(AppState& state, std::vector<std::string> paths) {
  auto& im = state.import;
  if (im.running || paths.empty()) return;
  const bool rescan_all = paths.size() == 1 && paths[0].empty();
  im.running = true;
  im.error.clear();
  im.running_what = rescan_all ? "rescanning " + std::to_string(im.folders.size()) + " folder" +
                                     (im.folders.size() == 1 ? "" : "s")
                               : "importing " + paths.front() + (paths.size() > 1 ? " and more" : "");
  import_done_->store(0);
  import_total_->store(0);
  import_cancel_->store(false);
  AppState* s = &state;
  post_write(state, [this, s, paths, rescan_all, done = import_done_, total = import_total_,
                     cancel = import_cancel_](Catalog& c) -> Worker::Apply {
    ImportOptions options;
    options.cancel = cancel.get();
    options.on_progress = [done, total](const ImportProgress& p) {
      total->store(p.total);
      done->store(p.done);
    };
    auto report = rescan_all ? rescan_import_folders(c, options) : import_paths(c, paths, options);
    std::optional<ImportReport> r;
    std::string error;
    if (report) r = std::move(*report);
    else error = report.error().message;
    return [this, s, r = std::move(r), error]() mutable {
      auto& im = s->import;
      im.running = false;
      im.report = std::move(r);
      im.error = error;
      im.failure_filter = 0;
      im.folders_stale = true;
      s->filters.stale = true;
      s->stats.stale = true;
      search(*s, s->search.shown);  // new images appear, moved ones show their new path
    };
  });
}

void Session::rescan(AppState& state) { import(state, {std::string()}); }

void Session::cancel_import() { import_cancel_->store(true); }

ImportProgress Session::import_progress() const { return ImportProgress{import_done_->load(), import_total_->load()}; }

void Session::refresh_folders(AppState& state) {
  if (state.import.folders_loading) return;
  state.import.folders_loading = true;
  state.import.folders_stale = false;
  AppState* s = &state;
  reader_.post([r = reader_state_, s]() -> Worker::Apply {
    Catalog* c = r->get();
    if (!c) return [s, e = r->open_error] { s->import.folders_loading = false, s->status = e; };
    auto folders = list_import_folders(*c);
    return [s, folders = folders ? std::move(*folders) : std::vector<ImportFolder>{},
            e = folders ? std::string() : folders.error().message]() mutable {
      s->import.folders_loading = false;
      s->import.folders = std::move(folders);
      if (!e.empty()) s->status = e;
    };
  });
}

void Session::forget_folder(AppState& state, const std::string& path) {
  AppState* s = &state;
  post_write(state, [s, path](Catalog& c) -> Worker::Apply {
    auto st = forget_import_folder(c, path);
    return [s, e = st ? std::string() : st.error().message] {
      s->import.folders_stale = true;
      if (!e.empty()) s->import.error = e;
    };
  });
}

void Session::refresh_templates(AppState& state) {
  auto& t = state.templates;
  if (t.loading) return;
  t.loading = true;
  t.stale = false;
  AppState* s = &state;
  reader_.post([r = reader_state_, s]() -> Worker::Apply {
    Catalog* c = r->get();
    if (!c) return [s, e = r->open_error] { s->templates.loading = false, s->status = e; };
    auto list = list_templates(*c);
    auto wildcards = list_wildcards(*c);
    std::string error = !list ? list.error().message : !wildcards ? wildcards.error().message : "";
    return [s, list = list ? std::move(*list) : std::vector<PromptTemplate>{},
            wildcards = wildcards ? std::move(*wildcards) : WildcardLists{}, error]() mutable {
      auto& t = s->templates;
      t.loading = false;
      t.list = std::move(list);
      t.wildcards = std::move(wildcards);
      t.preview_for.clear();  // wildcards may have changed
      if (!error.empty()) s->status = error;
    };
  });
}

void Session::save_template(AppState& state) {
  auto& t = state.templates;
  if (t.saving) return;
  PromptTemplate tpl;
  tpl.name = t.name;
  tpl.prompt = t.prompt;
  tpl.negative = t.negative;
  auto slots = slots_from_text(t.slots_text);
  auto params = params_from_text(t.params_text);
  if (!slots || !params) {
    t.error = !slots ? slots.error().message : params.error().message;
    return;
  }
  tpl.slots = std::move(*slots);
  tpl.params = std::move(*params);
  const bool is_new = t.selected.empty() || t.selected != t.name;
  t.saving = true;
  t.error.clear();
  t.message.clear();
  AppState* s = &state;
  post_write(state, [s, tpl, is_new](Catalog& c) -> Worker::Apply {
    std::string error, message;
    if (is_new) {
      auto st = add_template(c, tpl);
      if (st) message = "added " + tpl.name;
      else error = st.error().message;
    } else {
      auto version = update_template(c, tpl);
      if (version) message = "saved " + tpl.name + " as version " + std::to_string(*version);
      else error = version.error().message;
    }
    return [s, name = tpl.name, error, message] {
      auto& t = s->templates;
      t.saving = false;
      t.error = error;
      t.message = message;
      if (error.empty()) {
        t.selected = name;
        t.dirty = false;
        t.stale = true;
      }
    };
  });
}

void Session::remove_template(AppState& state, const std::string& name) {
  AppState* s = &state;
  post_write(state, [s, name](Catalog& c) -> Worker::Apply {
    auto st = provena::remove_template(c, name);
    return [s, name, e = st ? std::string() : st.error().message] {
      auto& t = s->templates;
      t.stale = true;
      t.error = e;
      t.message = e.empty() ? "removed " + name : "";
      if (e.empty() && t.selected == name) t.selected.clear();
    };
  });
}

void Session::suggest_templates(AppState& state) {
  auto& t = state.templates;
  if (t.suggestions_loading) return;
  t.suggestions_loading = true;
  t.suggestions_for = state.search.shown;
  AppState* s = &state;
  reader_.post([r = reader_state_, s, query = state.search.shown]() -> Worker::Apply {
    Catalog* c = r->get();
    if (!c) return [s] { s->templates.suggestions_loading = false; };
    auto history = prompt_history(*c, query);
    std::vector<TemplateSuggestion> found;
    if (history) found = provena::suggest_templates(*history, SuggestOptions{});
    return [s, found = std::move(found), e = history ? std::string() : history.error().message]() mutable {
      s->templates.suggestions_loading = false;
      s->templates.suggestions = std::move(found);
      if (!e.empty()) s->templates.error = e;
    };
  });
}

void Session::refresh_filters(AppState& state) {
  auto& f = state.filters;
  if (f.loading) return;
  f.loading = true;
  f.stale = false;
  AppState* s = &state;
  reader_.post([r = reader_state_, s]() -> Worker::Apply {
    Catalog* c = r->get();
    if (!c) return [s] { s->filters.loading = false; };
    auto get = [&](UsageBy by) {
      auto rows = usage(*c, by, "", 200);
      return rows ? std::move(*rows) : std::vector<UsageRow>{};
    };
    FilterState out;
    out.tools = get(UsageBy::kTool);
    out.models = get(UsageBy::kModel);
    out.samplers = get(UsageBy::kSampler);
    out.sizes = get(UsageBy::kSize);
    return [s, out = std::move(out)]() mutable {
      auto& f = s->filters;
      f.loading = false;
      f.tools = std::move(out.tools);
      f.models = std::move(out.models);
      f.samplers = std::move(out.samplers);
      f.sizes = std::move(out.sizes);
    };
  });
}

Status open_externally(const std::string& path) {
  // sh starts xdg-open in the background and exits at once, so nothing waits for the viewer.
  std::vector<std::string> argv = {"/bin/sh", "-c",
                                   "command -v xdg-open >/dev/null || exit 127; xdg-open \"$1\" >/dev/null 2>&1 &",
                                   "sh", path};
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  pid_t pid = 0;
  if (::posix_spawn(&pid, args[0], nullptr, nullptr, args.data(), environ) != 0)
    return make_error("cannot start /bin/sh to open " + path);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
    return make_error("cannot open " + path + ": xdg-open is not installed (Debian package xdg-utils)");
  return Ok{};
}

}  // namespace provena::gui
