// ingest_bench [--files N] [--dir DIR] [--keep] [--exiftool-sample K] [--threads T]
//              [--batch B] [--seed S] [--stage-sample M]
// Times a first import and an unchanged re-import of a folder of PNGs into a fresh catalog,
// compares with `exiftool -json` on a sample, and prints per-file costs of the reader's
// stages. DIR defaults to a temporary synthetic corpus (bench/synthetic_corpus.h); a DIR
// without a corpus marker that already holds files is benchmarked as it is.
#include <dirent.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "app/library/import.h"
#include "app/library/library.h"
#include "app/library/scan.h"
#include "bench/synthetic_corpus.h"
#include "core/file_io.h"
#include "core/hash.h"
#include "db/keyword_index.h"
#include "importers/importer.h"

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// User and system CPU seconds of the whole process (all threads) so far.
std::pair<double, double> cpu_seconds() {
  rusage ru {};
  ::getrusage(RUSAGE_SELF, &ru);
  auto s = [](const timeval& tv) { return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6; };
  return {s(ru.ru_utime), s(ru.ru_stime)};
}

// "CPU 1.20 s user + 0.30 s sys = 1.6 of 2 cores": shows whether a phase was bound by one
// thread or waited on the disk. Returns the cores busy.
double print_cpu(std::pair<double, double> before, double wall) {
  auto after = cpu_seconds();
  const double user = after.first - before.first, sys = after.second - before.second;
  std::printf("    CPU: %.2f s user + %.2f s sys over %.2f s wall = %.2f of %u cores busy\n", user, sys, wall,
              (user + sys) / wall, std::thread::hardware_concurrency());
  return (user + sys) / wall;
}

struct Options {
  int64_t files = 100000;
  std::string dir;
  bool keep = false;
  int64_t exiftool_sample = 2000;
  int threads = 0;
  size_t batch = 4096;
  uint64_t seed = 1;
  int64_t stage_sample = 20000;  // files timed per stage on one thread
};

int usage() {
  std::fprintf(stderr,
               "usage: ingest_bench [--files N] [--dir DIR] [--keep] [--exiftool-sample K] [--threads T]\n"
               "                    [--batch B] [--seed S] [--stage-sample M]\n");
  return 2;
}

bool parse_count(const char* s, int64_t& out) {
  char* end = nullptr;
  long long v = std::strtoll(s, &end, 10);
  if (end == s || *end != '\0' || v < 0) return false;
  out = v;
  return true;
}

std::optional<Options> parse_args(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    int64_t v = 0;
    auto value = [&]() -> bool { return i + 1 < argc && parse_count(argv[++i], v); };
    if (a == "--keep") o.keep = true;
    else if (a == "--dir" && i + 1 < argc) o.dir = argv[++i];
    else if (a == "--files" && value() && v > 0) o.files = v;
    else if (a == "--exiftool-sample" && value()) o.exiftool_sample = v;
    else if (a == "--threads" && value()) o.threads = static_cast<int>(v);
    else if (a == "--batch" && value() && v > 0) o.batch = static_cast<size_t>(v);
    else if (a == "--seed" && value()) o.seed = static_cast<uint64_t>(v);
    else if (a == "--stage-sample" && value()) o.stage_sample = v;
    else return std::nullopt;
  }
  return o;
}

std::string make_temp_dir(const char* prefix) {
  std::string templ = std::string("/tmp/") + prefix + "-XXXXXX";
  if (!::mkdtemp(templ.data())) return {};
  return templ;
}

bool folder_is_empty(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) return true;  // missing: nothing there
  bool empty = true;
  while (dirent* e = ::readdir(d))
    if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) empty = false;
  ::closedir(d);
  return empty;
}

int64_t file_size_or_zero(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_size) : 0;
}

std::optional<std::string> find_in_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/bin:/bin");
  for (std::string d; std::getline(dirs, d, ':');) {
    std::string candidate = (d.empty() ? "." : d) + "/" + program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return std::nullopt;
}

// Runs argv with stdout and stderr sent to files; returns the exit status (or -1).
int run_to_files(const std::vector<std::string>& args, const std::string& out_path, const std::string& err_path) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return -1;
  int status = 0;
  if (::waitpid(pid, &status, 0) < 0) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int64_t count_occurrences(const std::string& path, const std::string& needle) {
  std::ifstream in(path, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  int64_t n = 0;
  for (size_t p = 0; (p = text.find(needle, p)) != std::string::npos; p += needle.size()) ++n;
  return n;
}

void print_failures(const std::vector<provena::ImportFailure>& failures) {
  for (size_t i = 0; i < failures.size() && i < 5; ++i)
    std::printf("    failure [%s] %s\n", failures[i].category.c_str(), failures[i].message.c_str());
  if (failures.size() > 5) std::printf("    ... and %zu more\n", failures.size() - 5);
}

struct Figures {
  int64_t files = 0;
  double import_s = 0, reimport_s = 0;
  int64_t new_assets = 0, failures = 0, unchanged = 0;
  double catalog_mb = 0;
  double import_cores = 0;
  std::optional<double> exiftool_fps;
  int64_t exiftool_files = 0;
  std::string exiftool_note;
};

}  // namespace

int main(int argc, char** argv) {
  auto parsed = parse_args(argc, argv);
  if (!parsed) return usage();
  Options opt = *parsed;
  const int threads = opt.threads > 0 ? opt.threads : static_cast<int>(std::thread::hardware_concurrency());
  std::printf("ingest_bench: %d hardware threads, import threads %s, batch %zu\n",
              static_cast<int>(std::thread::hardware_concurrency()),
              opt.threads > 0 ? std::to_string(opt.threads).c_str() : "auto", opt.batch);

  // --- Corpus ------------------------------------------------------------------------
  // Our temporary folder: holds the corpus (unless --dir), the libraries and file lists.
  const std::string scratch = make_temp_dir("provena-bench");
  if (scratch.empty()) {
    std::fprintf(stderr, "ingest_bench: cannot create a temporary folder under /tmp\n");
    return 1;
  }
  const bool own_corpus = opt.dir.empty();
  std::string corpus = own_corpus ? scratch + "/corpus" : provena::normalize_path(opt.dir);
  auto cleanup = [&] {
    if (opt.keep) {
      std::printf("kept: %s/library%s\n", scratch.c_str(),
                  own_corpus ? (" and the corpus; reuse it with --dir " + scratch + "/corpus").c_str() : "");
      return;
    }
    std::error_code ec;
    std::filesystem::remove_all(scratch, ec);
  };

  auto marker = provena::bench::read_corpus_marker(corpus);
  if (marker.files > 0) {
    std::printf("corpus: reusing %s (%lld synthetic files, seed %llu)\n", corpus.c_str(),
                static_cast<long long>(marker.files), static_cast<unsigned long long>(marker.seed));
    if (marker.files != opt.files)
      std::printf("  note: --files %lld differs from the corpus; benchmarking the corpus as it is\n",
                  static_cast<long long>(opt.files));
  } else if (folder_is_empty(corpus)) {
    std::printf("corpus: writing %lld synthetic files to %s ...\n", static_cast<long long>(opt.files), corpus.c_str());
    std::fflush(stdout);
    provena::bench::CorpusOptions co;
    co.files = opt.files;
    co.dir = corpus;
    co.seed = opt.seed;
    auto made = provena::bench::make_synthetic_corpus(co);
    if (!made) {
      std::fprintf(stderr, "ingest_bench: %s\n", made.error().message.c_str());
      cleanup();
      return 1;
    }
    std::printf("  wrote %lld files, %.1f MB (%.0f bytes/file) in %.2f s (%.0f files/s)\n",
                static_cast<long long>(made->files), static_cast<double>(made->bytes) / 1e6,
                static_cast<double>(made->bytes) / static_cast<double>(made->files), made->seconds,
                static_cast<double>(made->files) / made->seconds);
    // Flush the new files to disk now, so that their writeback does not compete with the
    // catalog's writes (and fsyncs) during the timed import.
    auto synced = Clock::now();
    ::sync();
    std::printf("  sync: %.2f s\n", seconds_since(synced));
  } else {
    std::printf("corpus: %s has no corpus marker; benchmarking the images already there\n", corpus.c_str());
  }

  // --- (a) Scan and warm the page cache ---------------------------------------------------
  auto t = Clock::now();
  std::vector<provena::ScannedFile> files;
  std::vector<provena::ScanError> scan_errors;
  provena::scan_folder(corpus, files, scan_errors);
  const double scan_s = seconds_since(t);
  std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  if (files.empty()) {
    std::fprintf(stderr, "ingest_bench: no image files under %s\n", corpus.c_str());
    cleanup();
    return 1;
  }
  t = Clock::now();
  int64_t bytes = 0;
  {
    std::string buffer;
    for (const auto& f : files)
      if (provena::read_file_into(f.path, buffer)) bytes += static_cast<int64_t>(buffer.size());
  }
  const double warm_s = seconds_since(t);
  std::printf("\n(a) scan: %zu files in %.3f s; warm-up read: %.1f MB in %.2f s (%.0f files/s, one thread)\n",
              files.size(), scan_s, static_cast<double>(bytes) / 1e6, warm_s,
              static_cast<double>(files.size()) / warm_s);

  // --- Reader stages on one thread (what each parser thread pays per file) ---------------
  {
    const size_t n = std::min(files.size(), static_cast<size_t>(opt.stage_sample));
    if (n > 0) {
      std::vector<std::string> bufs(n);
      t = Clock::now();
      for (size_t i = 0; i < n; ++i) (void)provena::read_file_into(files[i].path, bufs[i]);
      const double read_s = seconds_since(t);
      t = Clock::now();
      size_t ok = 0;
      for (size_t i = 0; i < n; ++i) ok += provena::read_image_metadata(bufs[i]) ? 1 : 0;
      const double parse_s = seconds_since(t);
      t = Clock::now();
      volatile uint8_t sink = 0;  // keeps the hashing from being optimized away
      for (size_t i = 0; i < n; ++i) sink ^= provena::xxh3_128(bufs[i].data(), bufs[i].size()).bytes[0];
      const double hash_s = seconds_since(t);
      const double us = 1e6 / static_cast<double>(n);
      std::printf("    reader stages, one thread, %zu files: read %.2f us, metadata %.2f us (%zu ok), "
                  "xxh3 %.2f us per file\n",
                  n, read_s * us, parse_s * us, ok, hash_s * us);

      // The writer alone: the same files, parsed beforehand, stored into a scratch catalog
      // in import-sized batches, in bulk mode. import_paths overlaps this with the readers, so the
      // slower of the two sides bounds its throughput.
      std::vector<std::vector<provena::IngestItem>> batches;
      size_t parsed_items = 0;
      double prepare_s = 0, keywords_s = 0;
      for (size_t i = 0; i < n; ++i) {
        auto meta = provena::read_image_metadata(bufs[i]);
        if (!meta) continue;
        provena::IngestItem item;
        item.path = files[i].path;
        item.size = static_cast<int64_t>(bufs[i].size());
        item.mtime_ns = files[i].mtime_ns;
        item.content_hash = provena::xxh3_128(bufs[i].data(), bufs[i].size());
        item.image = meta->image;
        item.record = std::move(meta->record);
        const auto k0 = Clock::now();
        volatile size_t keyword_count = provena::record_keywords(item.record).positive.size();  // timed alone
        keywords_s += seconds_since(k0);
        (void)keyword_count;
        const auto p0 = Clock::now();
        provena::Catalog::prepare(item);  // as the import's reader threads do
        prepare_s += seconds_since(p0);
        if (batches.empty() || batches.back().size() == opt.batch) batches.emplace_back();
        batches.back().push_back(std::move(item));
        ++parsed_items;
      }
      if (parsed_items > 0) {
        std::printf("    prepare (Catalog::prepare, on the readers): %.2f us per file, of which keywords %.2f us\n",
                    prepare_s * 1e6 / static_cast<double>(parsed_items), keywords_s * 1e6 / static_cast<double>(parsed_items));
      }
      auto scratch_catalog = provena::open_library(scratch + "/writer-only");
      if (scratch_catalog) {
        t = Clock::now();
        bool stored = static_cast<bool>((*scratch_catalog)->set_bulk_mode(true));  // as import_paths does
        for (size_t b = 0; b < batches.size() && stored; ++b)
          stored = static_cast<bool>((*scratch_catalog)->ingest(batches[b]));
        stored = (*scratch_catalog)->set_bulk_mode(false) && stored;
        const double write_s = seconds_since(t);
        std::printf("    writer alone (Catalog::ingest, batches of %zu): %.2f us per file = %.0f files/s%s\n", opt.batch,
                    write_s * 1e6 / static_cast<double>(parsed_items), static_cast<double>(parsed_items) / write_s,
                    stored ? "" : " (a batch FAILED)");
      }
    }
  }

  // --- (b) First import into a fresh catalog -----------------------------------------------
  Figures fig;
  fig.files = static_cast<int64_t>(files.size());
  const std::string library = scratch + "/library";
  auto catalog = provena::open_library(library);
  if (!catalog) {
    std::fprintf(stderr, "ingest_bench: %s\n", catalog.error().message.c_str());
    cleanup();
    return 1;
  }
  provena::ImportOptions io;
  io.threads = opt.threads;
  io.batch_size = opt.batch;
  auto cpu = cpu_seconds();
  t = Clock::now();
  auto first = provena::import_paths(**catalog, {corpus}, io);
  fig.import_s = seconds_since(t);
  if (!first) {
    std::fprintf(stderr, "ingest_bench: import failed: %s\n", first.error().message.c_str());
    cleanup();
    return 1;
  }
  fig.new_assets = first->stored.new_assets;
  fig.failures = static_cast<int64_t>(first->failures.size());
  std::printf("\n(b) import: %lld files in %.3f s = %.0f files/s\n", static_cast<long long>(first->scanned),
              fig.import_s, static_cast<double>(first->scanned) / fig.import_s);
  std::printf("    scanned %lld, new assets %lld, duplicates %lld, updated %lld, unchanged %lld, failures %zu\n",
              static_cast<long long>(first->scanned), static_cast<long long>(first->stored.new_assets),
              static_cast<long long>(first->stored.duplicates), static_cast<long long>(first->stored.updated),
              static_cast<long long>(first->unchanged), first->failures.size());
  std::printf("    storing thread: waited for readers %.3f s, stored %.3f s, final checkpoint %.3f s\n",
              first->wait_seconds, first->store_seconds, first->checkpoint_seconds);
  fig.import_cores = print_cpu(cpu, fig.import_s);
  print_failures(first->failures);

  // --- (c) Re-import of the unchanged folder -----------------------------------------------
  cpu = cpu_seconds();
  t = Clock::now();
  auto second = provena::import_paths(**catalog, {corpus}, io);
  fig.reimport_s = seconds_since(t);
  if (!second) {
    std::fprintf(stderr, "ingest_bench: re-import failed: %s\n", second.error().message.c_str());
    cleanup();
    return 1;
  }
  fig.unchanged = second->unchanged;
  std::printf("\n(c) re-import: %lld files in %.3f s (unchanged %lld, new %lld, updated %lld, failures %zu)\n",
              static_cast<long long>(second->scanned), fig.reimport_s, static_cast<long long>(second->unchanged),
              static_cast<long long>(second->stored.new_assets), static_cast<long long>(second->stored.updated),
              second->failures.size());
  print_cpu(cpu, fig.reimport_s);
  print_failures(second->failures);
  {  // where a re-import's time goes: walking the folders, then loading every file row
    t = Clock::now();
    std::vector<provena::ScannedFile> again;
    std::vector<provena::ScanError> errors;
    provena::scan_folder(corpus, again, errors);
    const double rescan_s = seconds_since(t);
    t = Clock::now();
    auto states = (*catalog)->file_states();
    const double states_s = seconds_since(t);
    std::printf("    parts: scan_folder %.3f s, Catalog::file_states %.3f s (%zu rows)\n", rescan_s, states_s,
                states ? states->size() : size_t(0));
  }

  const std::string db_path = provena::catalog_path(library);
  const int64_t db_bytes = file_size_or_zero(db_path), wal_bytes = file_size_or_zero(db_path + "-wal");
  catalog->reset();  // closing checkpoints the WAL into the database file
  const int64_t closed_bytes = file_size_or_zero(db_path) + file_size_or_zero(db_path + "-wal");
  fig.catalog_mb = static_cast<double>(closed_bytes) / 1e6;
  std::printf("\n    catalog: %.1f MB after close (%.0f bytes/file); while open: db %.1f MB + WAL %.1f MB\n",
              fig.catalog_mb, static_cast<double>(closed_bytes) / static_cast<double>(fig.files),
              static_cast<double>(db_bytes) / 1e6, static_cast<double>(wal_bytes) / 1e6);

  // --- (d) exiftool on a sample --------------------------------------------------------------
  if (opt.exiftool_sample == 0) {
    fig.exiftool_note = "skipped (--exiftool-sample 0)";
  } else if (auto exiftool = find_in_path("exiftool"); !exiftool) {
    fig.exiftool_note = "skipped: exiftool not found in PATH";
    std::printf("\n(d) exiftool: not found in PATH; skipped\n");
  } else {
    // Evenly spaced files, so the sample covers every folder of the corpus.
    const size_t k = std::min(files.size(), static_cast<size_t>(opt.exiftool_sample));
    const std::string list = scratch + "/exiftool-files.txt";
    {
      std::ofstream out(list, std::ios::trunc);
      for (size_t i = 0; i < k; ++i) out << files[i * files.size() / k].path << '\n';
    }
    const std::string json = scratch + "/exiftool.json", err = scratch + "/exiftool.err";
    t = Clock::now();
    int rc = run_to_files({*exiftool, "-json", "-@", list}, json, err);
    const double s = seconds_since(t);
    fig.exiftool_files = count_occurrences(json, "\"SourceFile\"");
    if (fig.exiftool_files == 0) {
      fig.exiftool_note = "exiftool produced no output (exit " + std::to_string(rc) + ", see " + err + ")";
      std::printf("\n(d) exiftool: %s\n", fig.exiftool_note.c_str());
    } else {
      fig.exiftool_fps = static_cast<double>(fig.exiftool_files) / s;
      std::printf("\n(d) exiftool -json -@ list: %lld of %zu files in %.2f s = %.0f files/s (exit %d)\n",
                  static_cast<long long>(fig.exiftool_files), k, s, *fig.exiftool_fps, rc);
    }
  }

  // --- Summary ---------------------------------------------------------------------------
  const double fps = static_cast<double>(fig.files) / fig.import_s;
  std::printf("\n==================== ingest_bench summary ====================\n");
  std::printf("  files                 %lld (%.1f MB)\n", static_cast<long long>(fig.files),
              static_cast<double>(bytes) / 1e6);
  std::printf("  reader threads        %d (plus the storing thread)\n", threads);
  std::printf("  first import          %.3f s   %.0f files/s   (new %lld, failures %lld; %.2f cores busy)\n",
              fig.import_s, fps, static_cast<long long>(fig.new_assets), static_cast<long long>(fig.failures),
              fig.import_cores);
  std::printf("  re-import unchanged   %.3f s   (%lld unchanged)\n", fig.reimport_s,
              static_cast<long long>(fig.unchanged));
  std::printf("  catalog size          %.1f MB\n", fig.catalog_mb);
  if (fig.exiftool_fps) {
    std::printf("  exiftool -json        %.0f files/s (sample of %lld)\n", *fig.exiftool_fps,
                static_cast<long long>(fig.exiftool_files));
    std::printf("  provena / exiftool    %.1fx\n", fps / *fig.exiftool_fps);
  } else {
    std::printf("  exiftool              %s\n", fig.exiftool_note.c_str());
  }
  std::printf("  targets               import >= 50000 files/s: %s; re-import of 100k <= 2 s: %s\n",
              fig.files < 10000 ? "n/a (fewer than 10k files)" : fps >= 50000 ? "met" : "NOT met",
              fig.files < 100000 ? "n/a (fewer than 100k files)" : fig.reimport_s <= 2.0 ? "met" : "NOT met");
  std::printf("==============================================================\n");
  cleanup();
  return fig.failures == 0 ? 0 : 1;
}
