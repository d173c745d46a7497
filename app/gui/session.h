// The GUI's access to a library: reads on a worker thread that owns a read-only catalog
// connection (WAL lets it read while an import writes), results applied to AppState on
// the UI thread. Every request is fire-and-forget; the panels show `loading` meanwhile.
#pragma once

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
  // Applies finished work to `state`; call once per frame.
  void poll() { reader_.poll(); }
  bool idle() const { return reader_.idle(); }
  void drain() { reader_.drain(); }
  const std::string& library_dir() const { return library_dir_; }

 private:
  struct Reader;
  std::string library_dir_;
  std::shared_ptr<Reader> reader_state_;  // lives on the worker; shared so tasks hold it
  Worker reader_;
};

// How many results a gallery page asks for.
inline constexpr int kGalleryPage = 200;

}  // namespace provena::gui
