// The GUI's access to a library: reads on a worker thread that owns a read-only catalog
// connection (WAL lets it read while an import writes), results applied to AppState on
// the UI thread. Every request is fire-and-forget; the panels show `loading` meanwhile.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "app/gui/gui_state.h"
#include "app/gui/worker.h"

namespace provena::gui {

class Session {
 public:
  explicit Session(std::string library_dir);
  ~Session();

  // Start a new search: the gallery empties and fills with the first page.
  void search(AppState& state, const std::string& query);
  // The next page of the current search, unless one is loading or none is left.
  void load_more(AppState& state);
  void show_detail(AppState& state, int64_t asset_id);
  void refresh_stats(AppState& state);
  // Trend series of state.stats.trend_keywords and the co-occurrence of the first one.
  void refresh_trends(AppState& state);
  // Regenerates `asset_id` with provena-generate in a child process (on the jobs worker,
  // so searches go on meanwhile), then shows the verdict; cancel() stops it.
  void reproduce(AppState& state, int64_t asset_id);
  // Makes images from state.generate (provena-generate generate in a child process); they
  // are indexed by it and shown in the gallery when done. job_progress() is 0..1.
  void generate(AppState& state);
  double job_progress() const;
  void cancel_jobs();
  // The models a generation can use: the model folders (a directory scan) and the models
  // registry's Stable Diffusion checkpoints, on the reader worker.
  void refresh_models(AppState& state);
  // `provena models scan` of the model folders on the writer worker, then refresh_models.
  void scan_models(AppState& state);

  // Imports folders or files (import_paths) on the writer worker, with its own read-write
  // connection: the reader keeps reading meanwhile (WAL). Progress in import_progress();
  // cancel_import() stops after the batch being stored. The gallery, folders, filters and
  // statistics refresh when it ends.
  void import(AppState& state, std::vector<std::string> paths);
  // Imports every folder the library lists again (unchanged files skipped).
  void rescan(AppState& state);
  void cancel_import();
  ImportProgress import_progress() const;
  void refresh_folders(AppState& state);
  void forget_folder(AppState& state, const std::string& path);

  // The template library: list (reader), save the editor's fields / remove (writer), and
  // suggestions mined from the prompts of the current search (reader).
  void refresh_templates(AppState& state);
  void save_template(AppState& state);
  void remove_template(AppState& state, const std::string& name);
  void suggest_templates(AppState& state);

  // The filter sidebar's choices: tools, models, samplers and sizes of the whole library.
  void refresh_filters(AppState& state);
  // provena-generate; by default the one beside the running program.
  void set_generator_path(std::string path) { generator_path_ = std::move(path); }
  // Applies finished work to `state`; call once per frame.
  void poll() {
    reader_.poll();
    jobs_.poll();
    writer_.poll();
  }
  bool idle() const { return reader_.idle() && jobs_.idle() && writer_.idle(); }
  void drain() {
    writer_.drain();
    jobs_.drain();
    reader_.drain();
  }
  const std::string& library_dir() const { return library_dir_; }

 private:
  struct Reader;
  struct Writer;
  void post_write(AppState& state, std::function<Worker::Apply(Catalog&)> task);
  std::string library_dir_;
  std::shared_ptr<Reader> reader_state_;  // lives on the worker; shared so tasks hold it
  std::shared_ptr<Writer> writer_state_;
  std::shared_ptr<std::atomic<int64_t>> import_done_, import_total_;
  std::shared_ptr<std::atomic<bool>> import_cancel_;
  std::string generator_path_;
  std::shared_ptr<std::atomic<int>> child_;     // pid of the running job's process, 0 when none
  std::shared_ptr<std::atomic<int>> progress_;  // the running job's progress in 1/1000
  Worker reader_;
  Worker jobs_;    // long jobs (reproduce, generate), one at a time
  Worker writer_;  // catalog writes: imports, templates (declared last: joined first)
};

// Opens `path` with the desktop's default application (xdg-open), without waiting for
// it; an error when xdg-open is missing.
Status open_externally(const std::string& path);

// What a trend request is for (keywords, bucket, search): the panel asks again when it changes.
std::string trend_request_key(const StatsState& stats, const std::string& query);

// How many results a gallery page asks for.
inline constexpr int kGalleryPage = 200;

}  // namespace provena::gui
