#include "app/library/import.h"

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <ctime>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_set>

#include "app/library/read_image.h"
#include "app/library/scan.h"
#include "core/file_io.h"
#include "core/hash.h"
#include "core/pixels.h"
#include "db/import_folders.h"
#include "importers/importer.h"

namespace provena {
namespace {

// File data per chunk: a chunk of 4096 files of 400 KiB would be 1.6 GiB and leave the
// pipeline with nothing to overlap on a 10k-file folder.
constexpr size_t kMaxChunkBytes = size_t(64) << 20;
// Files in the first and the last chunk of an import of several chunks (import_paths).
constexpr size_t kEdgeChunk = 256;
// Records a large import stores in its last transaction, at most (import_paths).
constexpr size_t kTailRecords = 8192;

int thread_count(int requested) {
  if (requested > 0) return requested;
  unsigned n = std::thread::hardware_concurrency();
  return n ? static_cast<int>(n) : 2;
}

// Runs fn(i) for i in [0, n) on `threads` threads. fn must not throw.
template <typename Fn>
void parallel_for(size_t n, int threads, Fn&& fn) {
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i; (i = next.fetch_add(1)) < n;) fn(i);
  };
  std::vector<std::thread> pool;
  int extra = std::min<int>(threads, static_cast<int>(n)) - 1;
  for (int t = 0; t < extra; ++t) pool.emplace_back(worker);
  worker();
  for (auto& th : pool) th.join();
}

// Readers run this much nicer than the process (Linux: per thread; at most 19). The
// storing thread is the import's bottleneck when files are small: at equal priority the
// two readers and the writer shared two cores three ways, and the writer needed ~20 us per
// file instead of 14-15 alone. Interleaved runs on 100k synthetic files: niceness 0
// 36.5-39.2k files/s, 10 40.4-47.0k, 19 43.5-46.8k. 10 rather than 19: other programs at
// niceness 0 still leave the readers a tenth of a core each, so an import beside a busy
// generator slows, and does not stall.
constexpr int kReaderNiceness = 10;

void yield_to_the_storing_thread() {
#ifdef __linux__
  const auto tid = static_cast<id_t>(::syscall(SYS_gettid));
  errno = 0;
  const int current = ::getpriority(PRIO_PROCESS, tid);  // -1 is a valid niceness: errno tells
  if (errno == 0) (void)::setpriority(PRIO_PROCESS, tid, std::min(19, current + kReaderNiceness));
#endif
}

struct WorkItem {
  ScannedFile file;
  std::optional<int64_t> known_file_id;
};

struct ParsedChunk {
  std::vector<IngestItem> items;
  std::vector<ImportFailure> failures;
  std::vector<ImportFailure> warnings;  // files stored without some damaged metadata
};

// Reads one file into `item`, or sets `failure_out`; `warning_out` gets what was skipped
// of a file that was read (ImportedImage::warnings), if anything.
void read_one(const WorkItem& w, IngestItem& item, std::optional<ImportFailure>& failure_out,
              std::optional<ImportFailure>& warning_out) {
  try {
    thread_local std::string buffer;
    FileStat stat{w.file.size, w.file.mtime_ns};
    auto st = w.file.stated ? read_file_into(w.file.path, buffer, static_cast<size_t>(w.file.size))
                            : read_file_into(w.file.path, buffer, stat);  // listed only: its fstat
    if (!st) {
      failure_out = ImportFailure{w.file.path, "unreadable", st.error().message};
      return;
    }
    auto meta = read_image_with_sidecar(w.file.path, buffer);
    if (!meta) {
      const std::string& m = meta.error().message;
      bool unsupported = m.rfind("unsupported", 0) == 0 || m.rfind("empty", 0) == 0;
      failure_out = ImportFailure{w.file.path, unsupported ? "unsupported" : "corrupt", w.file.path + ": " + m};
      return;
    }
    if (!meta->warnings.empty()) {
      std::string message = w.file.path + ": " + meta->warnings[0];
      for (size_t k = 1; k < meta->warnings.size(); ++k) message += "; " + meta->warnings[k];
      warning_out = ImportFailure{w.file.path, "damaged metadata", std::move(message)};
    }
    item.path = w.file.path;
    item.size = static_cast<int64_t>(buffer.size());
    item.mtime_ns = stat.mtime_ns;
    item.known_file_id = w.known_file_id;
    item.content_hash = xxh3_128(buffer.data(), buffer.size());
    item.image = meta->image;
    item.record = std::move(meta->record);
    Catalog::prepare(item);  // derived text is built here, off the single writer thread
  } catch (const std::exception& e) {  // never let an exception escape a reader
    failure_out = ImportFailure{w.file.path, "corrupt", std::string("internal error: ") + e.what()};
  }
}

// Reads the files of an import on `threads` threads, in order and continuously: a thread
// takes the next file as soon as it is free, so no thread waits at the end of a chunk for
// the other's last (perhaps large) file, as the per-chunk thread pairs did. Readers run
// at most kWindow chunks ahead of the chunk the writer takes, which bounds the memory.
//
// The storing thread is the import's critical path, so it does nothing a reader can: the
// items of a chunk are made in place in the chunk's slot (take() hands the whole vector
// over when no file failed, moving nothing), and the items it has stored come back through
// recycle() for a reader to free (freeing a chunk of 4,096 records took the storing thread
// 0.13 s of a 2 s import of 100k files).
class ReaderPool {
 public:
  ReaderPool(const std::vector<WorkItem>& work, const std::vector<size_t>& bounds, int threads)
      : work_(work), bounds_(bounds), chunks_(bounds.size() - 1), remaining_(chunks_), started_(chunks_, false) {
    for (size_t c = 0; c < chunks_; ++c) remaining_[c] = bounds_[c + 1] - bounds_[c];
    if (chunks_ == 0) return;
    for (int t = 0; t < threads; ++t) threads_.emplace_back([this] { run(); });
  }
  ~ReaderPool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    window_moved_.notify_all();
    for (auto& t : threads_) t.join();  // files being read are finished, the rest left
  }
  ReaderPool(const ReaderPool&) = delete;
  ReaderPool& operator=(const ReaderPool&) = delete;

  // Chunk k once all its files are read; chunks are taken in order 0, 1, 2, ...
  ParsedChunk take(size_t k) {
    std::unique_lock<std::mutex> lock(mutex_);
    chunk_done_.wait(lock, [&] { return remaining_[k] == 0; });
    Slot& slot = slots_[k % kWindow];
    ParsedChunk out;
    size_t kept = 0;
    out.warnings = std::move(slot.warnings);
    slot.warnings.clear();
    std::sort(out.warnings.begin(), out.warnings.end(),
              [](const ImportFailure& a, const ImportFailure& b) { return a.path < b.path; });  // as read, not as finished
    for (size_t i = 0; i < slot.items.size(); ++i) {
      if (slot.failures[i]) {
        out.failures.push_back(std::move(*slot.failures[i]));
        continue;
      }
      if (kept != i) slot.items[kept] = std::move(slot.items[i]);  // only after a failure
      ++kept;
    }
    slot.items.resize(kept);
    out.items = std::move(slot.items);
    slot.items.clear();
    taken_ = k + 1;
    window_moved_.notify_all();
    return out;
  }

  // Items the storing thread is done with, freed by a reader.
  void recycle(std::vector<IngestItem>&& items) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (threads_.empty() || stop_) return;  // (items are freed here)
      trash_.push_back(std::move(items));
    }
    window_moved_.notify_one();
  }

 private:
  static constexpr size_t kWindow = 2;
  struct Slot {
    std::vector<IngestItem> items;
    std::vector<std::optional<ImportFailure>> failures;
    std::vector<ImportFailure> warnings;  // rare: appended under the mutex
  };

  // Reads files while there are any in the window, frees what recycle() hands back, and
  // waits for either until the pool is destroyed (after the last chunk, the readers free
  // the stored items while the storing thread makes its final checkpoint).
  void run() {
    yield_to_the_storing_thread();
    std::vector<std::vector<IngestItem>> trash;
    for (;;) {
      size_t i = 0, c = 0;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        window_moved_.wait(lock, [&] { return stop_ || !trash_.empty() || can_read(); });
        trash.swap(trash_);
        if (trash.empty()) {
          if (!can_read()) return;  // stopped
          i = next_file_++;
          c = next_chunk_;
          if (next_file_ == bounds_[c + 1]) ++next_chunk_;
          if (!started_[c]) {  // its first file: the slot is free since chunk c - kWindow was taken
            started_[c] = true;
            const size_t n = bounds_[c + 1] - bounds_[c];
            Slot& slot = slots_[c % kWindow];
            slot.items.resize(n);
            slot.failures.assign(n, std::nullopt);
          }
        }
      }
      if (!trash.empty()) {
        trash.clear();  // outside the lock
        continue;
      }
      // The slot of chunk c is prepared and not touched by the writer until the chunk is done.
      Slot& slot = slots_[c % kWindow];
      std::optional<ImportFailure> warning;
      read_one(work_[i], slot.items[i - bounds_[c]], slot.failures[i - bounds_[c]], warning);
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (warning) slot.warnings.push_back(std::move(*warning));
        if (--remaining_[c] == 0) chunk_done_.notify_all();
      }
    }
  }

  // (mutex_ held) A file is left to read and its chunk is in the window.
  bool can_read() const { return !stop_ && next_chunk_ < chunks_ && next_chunk_ < taken_ + kWindow; }

  const std::vector<WorkItem>& work_;
  const std::vector<size_t>& bounds_;
  const size_t chunks_;
  std::mutex mutex_;
  std::condition_variable chunk_done_, window_moved_;
  size_t next_file_ = 0, next_chunk_ = 0;  // the next file to read and its chunk
  size_t taken_ = 0;                       // chunks handed to the writer
  bool stop_ = false;
  std::vector<size_t> remaining_;          // files of each chunk still being read or unread
  std::vector<bool> started_;              // whether a reader has taken a file of each chunk
  std::vector<std::vector<IngestItem>> trash_;  // stored items for a reader to free
  Slot slots_[kWindow];
  std::vector<std::thread> threads_;       // last: started once the members above exist
};

// Files listed without a stat have no size, so their chunks end by count alone: fine for
// small files, but a chunk of 4096 large ones would leave little to overlap (and hold
// much metadata). A sample of them decides: when their mean size would make a chunk of
// `batch` files larger than kMaxChunkBytes, every one is stat'ed after all (on `threads`
// threads; beside reading such files, a stat costs little).
void stat_listed_files_unless_small(std::vector<ScannedFile>& found, size_t batch, int threads) {
  constexpr size_t kSample = 32;
  std::vector<size_t> listed;
  for (size_t i = 0; i < found.size(); ++i)
    if (!found[i].stated) listed.push_back(i);
  if (listed.empty()) return;
  auto stat_one = [&](size_t i) {
    std::string error;
    ScannedFile f;
    if (stat_file(found[i].path, f, error)) found[i] = std::move(f);  // else left to the reader to report
  };
  int64_t bytes = 0, sampled = 0;
  for (size_t k = 0; k < std::min(kSample, listed.size()); ++k) {
    const size_t i = listed[k * listed.size() / std::min(kSample, listed.size())];
    stat_one(i);
    if (found[i].stated) bytes += found[i].size, ++sampled;
  }
  if (sampled == 0 || static_cast<size_t>(bytes / sampled) * batch <= kMaxChunkBytes) return;
  parallel_for(listed.size(), threads, [&](size_t k) {
    if (!found[listed[k]].stated) stat_one(listed[k]);
  });
}

bool is_under(const std::string& path, const std::string& root) {
  return path.size() > root.size() && path.compare(0, root.size(), root) == 0 && path[root.size()] == '/';
}

}  // namespace

Result<ImportReport> import_paths(Catalog& catalog, const std::vector<std::string>& paths,
                                  const ImportOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  ImportReport report;
  auto states = catalog.file_states();
  if (!states) return states.error();
  std::vector<ScannedFile> found;
  std::vector<std::string> roots;
  for (const auto& raw : paths) {
    std::string p = normalize_path(raw);
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0) {
      report.failures.push_back({raw, "unreadable", raw + ": no such file or folder"});
      continue;
    }
    if (S_ISDIR(st.st_mode)) {
      roots.push_back(p);
      std::vector<ScanError> errors;
      // A folder with nothing catalogued under it is listed without a stat per file: the
      // readers learn each file's size and mtime from the descriptor they read it through.
      const bool catalogued = std::any_of(states->begin(), states->end(), [&](const auto& s) { return is_under(s.first, p); });
      scan_folder(p, found, errors, catalogued ? ScanStat::kEveryFile : ScanStat::kListOnly);
      for (auto& e : errors) report.failures.push_back({e.path, "unreadable", e.path + ": " + e.message});
    } else {
      ScannedFile f;
      std::string err;
      if (stat_file(p, f, err)) found.push_back(std::move(f));
      else report.failures.push_back({raw, "unreadable", raw + ": " + err});
    }
  }
  // The same file named twice (or inside two given folders) is read once.
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  found.erase(std::unique(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.path == b.path; }),
              found.end());
  report.scanned = static_cast<int64_t>(found.size());
  stat_listed_files_unless_small(found, std::max<size_t>(1, options.batch_size), thread_count(options.threads));

  std::vector<WorkItem> work;
  work.reserve(found.size());
  std::unordered_set<std::string_view> seen;  // (for finding catalogued files gone)
  if (!states->empty()) seen.reserve(found.size());
  for (auto& f : found) {
    if (states->empty()) {
      work.push_back({f, std::nullopt});
      continue;
    }
    seen.insert(f.path);
    auto it = states->find(f.path);
    if (it == states->end()) {
      work.push_back({f, std::nullopt});
      continue;
    }
    // (A catalogued path is always stated: its folder has something catalogued under it.
    // Were one not, it would be read again, never skipped unread.)
    if (f.stated && it->second.size == f.size && it->second.mtime_ns == f.mtime_ns && !it->second.missing) {
      ++report.unchanged;
    } else {
      work.push_back({f, it->second.file_id});
    }
  }
  // Catalogued files under the scanned folders that are gone: mark them missing first,
  // so that the same content found under a new path re-links the old row (a move).
  std::vector<int64_t> gone;
  if (!roots.empty()) {
    for (const auto& [path, s] : *states) {
      if (s.missing || seen.count(path)) continue;
      if (std::none_of(roots.begin(), roots.end(), [&](const std::string& r) { return is_under(path, r); })) continue;
      struct stat st {};
      if (::stat(path.c_str(), &st) != 0) gone.push_back(s.file_id);
    }
  }
  if (!gone.empty()) {
    auto st = catalog.mark_missing(gone);
    if (!st) return st.error();
  }

  // Pipeline: the readers (ReaderPool) read up to two chunks ahead while this thread
  // stores chunk k. A chunk ends at batch_size files or kMaxChunkBytes of file data, so
  // folders of large files still form enough chunks to overlap reading with storing.
  const bool bulk = work.size() > options.batch_size;
  if (bulk) (void)catalog.set_bulk_mode(true);
  const int threads = thread_count(options.threads);
  const size_t batch = std::max<size_t>(1, options.batch_size);
  // Chunks grow from kEdgeChunk files, doubling, to batch_size: the storing thread starts
  // once a few files are read, and two readers read a chunk twice the size of the one being
  // stored in about the time it takes. The last chunk is short too, so little is stored after
  // the readers have finished. (Files listed without a stat count no bytes.)
  std::vector<size_t> bounds{0};
  size_t limit = std::min(batch, kEdgeChunk);
  for (size_t i = 0, bytes = 0; i < work.size(); ++i) {
    bytes += static_cast<size_t>(work[i].file.size);
    if (i + 1 - bounds.back() >= limit || bytes >= kMaxChunkBytes) {
      bounds.push_back(i + 1);
      bytes = 0;
      limit = std::min(batch, 2 * limit);
    }
  }
  if (bounds.back() != work.size()) bounds.push_back(work.size());
  if (bounds.size() > 2 && bounds.back() - bounds[bounds.size() - 2] > 2 * kEdgeChunk)
    bounds.insert(bounds.end() - 1, bounds.back() - kEdgeChunk);
  ImportProgress progress{0, static_cast<int64_t>(work.size())};
  const size_t chunks = bounds.size() - 1;
  std::optional<ReaderPool> readers;
  readers.emplace(work, bounds, threads);
  using Clock = std::chrono::steady_clock;
  auto since = [](Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); };
  auto cancelled = [&] { return options.cancel && options.cancel->load(); };
  bool tail_committed = false;
  for (size_t k = 0; k < chunks; ++k) {
    if (cancelled()) {
      report.cancelled = true;
      readers.reset();  // files not stored are read again by the next import
      break;
    }
    auto t0 = Clock::now();
    ParsedChunk chunk = readers->take(k);
    report.wait_seconds += since(t0);
    auto t1 = Clock::now();
    auto counts = catalog.ingest(chunk.items);
    report.store_seconds += since(t1);
    if (!counts) {
      readers.reset();
      if (bulk) (void)catalog.set_bulk_mode(false);
      return counts.error();
    }
    report.stored += *counts;
    readers->recycle(std::move(chunk.items));
    // The last kTailRecords or so go in a transaction of their own: the one before commits
    // while they are stored, and the background checkpoint copies it meanwhile.
    if (bulk && !tail_committed && work.size() - bounds[k + 1] <= kTailRecords) {
      tail_committed = true;
      if (auto st = catalog.commit_bulk(); !st) {
        readers.reset();
        (void)catalog.set_bulk_mode(false);
        return st.error();
      }
    }
    for (auto& f : chunk.failures) report.failures.push_back(std::move(f));
    for (auto& w : chunk.warnings) report.warnings.push_back(std::move(w));
    progress.done = static_cast<int64_t>(bounds[k + 1]);
    if (options.on_progress) options.on_progress(progress);
  }
  if (bulk) {  // (the readers free the last chunks meanwhile)
    auto t = Clock::now();
    auto st = catalog.set_bulk_mode(false);  // the final checkpoint, timed as part of the import
    report.checkpoint_seconds = since(t);
    if (!st) return st.error();
  }
  readers.reset();
  report.missing = static_cast<int64_t>(gone.size()) - report.stored.moved;
  if (options.remember_folders) {
    // What each folder's scan found, for the folder list; a cancelled scan only lists it.
    const int64_t now = static_cast<int64_t>(std::time(nullptr));
    for (const auto& root : roots) {
      std::optional<FolderScan> scan;
      if (!report.cancelled) {
        scan = FolderScan{now, 0, 0};
        for (const auto& f : found) scan->files += is_under(f.path, root);
        for (const auto& f : report.failures) scan->failures += is_under(f.path, root);
      }
      if (auto st = remember_import_folder(catalog, root, scan); !st) return st.error();
    }
  }
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return report;
}

Result<ImportReport> rescan_import_folders(Catalog& catalog, const ImportOptions& options) {
  auto folders = list_import_folders(catalog);
  if (!folders) return folders.error();
  std::vector<std::string> paths;
  for (const auto& f : *folders) paths.push_back(f.path);
  return import_paths(catalog, paths, options);
}

Result<PixelHashReport> compute_pixel_hashes(Catalog& catalog, int64_t max_assets, int threads) {
  PixelHashReport report;
  constexpr int kChunk = 256;
  int64_t after_id = 0;
  while (report.hashed + static_cast<int64_t>(report.failures.size()) < max_assets) {
    int64_t want = std::min<int64_t>(kChunk, max_assets - report.hashed - static_cast<int64_t>(report.failures.size()));
    auto pending = catalog.assets_without_pixel_hash(after_id, static_cast<int>(want));
    if (!pending) return pending.error();
    auto& todo = *pending;
    if (todo.empty()) break;
    after_id = todo.back().first;  // failed assets stay unhashed; the cursor moves past them
    std::vector<std::optional<Hash128>> hashes(todo.size());
    std::vector<std::optional<ImportFailure>> failures(todo.size());
    parallel_for(todo.size(), thread_count(threads), [&](size_t i) {
      try {
        thread_local std::string buffer;
        auto st = read_file_into(todo[i].second, buffer);
        if (!st) {
          failures[i] = ImportFailure{todo[i].second, "unreadable", st.error().message};
          return;
        }
        auto h = pixel_hash_of_file_bytes(buffer);
        if (h) hashes[i] = *h;
        else failures[i] = ImportFailure{todo[i].second, "corrupt", todo[i].second + ": " + h.error().message};
      } catch (const std::exception& e) {
        failures[i] = ImportFailure{todo[i].second, "corrupt", std::string("internal error: ") + e.what()};
      }
    });
    std::vector<std::pair<int64_t, Hash128>> done;
    for (size_t i = 0; i < todo.size(); ++i) {
      if (hashes[i]) done.emplace_back(todo[i].first, *hashes[i]);
      if (failures[i]) report.failures.push_back(std::move(*failures[i]));
    }
    auto st = catalog.set_pixel_hashes(done);
    if (!st) return st.error();
    report.hashed += static_cast<int64_t>(done.size());
  }
  return report;
}

}  // namespace provena
