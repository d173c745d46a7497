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
#include <nlohmann/json.hpp>

#include "app/library/library.h"
#include "core/text.h"

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
  Catalog* get() {
    if (!catalog && open_error.empty()) {
      auto c = open_library(dir, Catalog::Mode::kReadOnly);
      if (c) catalog = std::move(*c);
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
      child_(std::make_shared<std::atomic<int>>(0)),
      progress_(std::make_shared<std::atomic<int>>(0)) {
  reader_state_->dir = library_dir_;
  std::error_code ec;
  generator_path_ = (std::filesystem::read_symlink("/proc/self/exe", ec).parent_path() / "provena-generate").string();
}

Session::~Session() { cancel_jobs(); }

void Session::generate(AppState& state) {
  auto& g = state.generate;
  if (g.running || g.prompt.empty()) return;
  if (g.random_seed) {
    std::random_device rd;
    g.seed = static_cast<int64_t>((uint64_t(rd()) << 31 ^ rd()) & 0xFFFFFFFFull);
  }
  g.running = true;
  g.error.clear();
  g.made.clear();
  progress_->store(0);
  std::vector<std::string> argv = {generator_path_, "generate", g.prompt, "--seed", std::to_string(g.seed),
                                   "--steps", std::to_string(g.steps), "--cfg", std::to_string(g.cfg),
                                   "--count", std::to_string(g.count), "--json", "--progress", "--library", library_dir_};
  if (!g.negative.empty()) argv.insert(argv.begin() + 3, {"--negative", g.negative});
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
      }
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
  jobs_.post([s, asset_id, child = child_, generator = generator_path_, library = library_dir_]() -> Worker::Apply {
    std::string out;
    const int rc = run_child({generator, "reproduce", std::to_string(asset_id), "--json", "--library", library}, *child, out);
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
    if (!c) return [s, e = r->open_error] { s->status = e, s->gallery.loading = false; };
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
    return [s, asset_id, found = std::move(found), links = std::move(links), error]() mutable {
      if (s->detail.id != asset_id) return;  // another item was selected meanwhile
      s->detail.loading = false;
      s->detail.entry = std::move(found);
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

}  // namespace provena::gui
