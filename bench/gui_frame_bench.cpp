// gui_frame_bench: how long the GUI takes to build a frame on a large library, headless
// (ImGui without a renderer: the UI thread's own work, which is what must stay under a
// 60 Hz frame). Builds (or resumes) a synthetic library of N records, then measures
//   1. scrolling the gallery from top to well past the first pages (pages load meanwhile),
//   2. the same while an import writes records into the library on another thread,
//      with a new search typed every second,
//   3. the Import tab while the app itself imports a folder of real image files (its
//      writer worker, progress bar, then the report), N files written fresh each run.
// Prints median and p99 frame build times (target p99 < 16 ms) and any error the GUI showed.
//   gui_frame_bench [--records N] [--dir DIR] [--frames F] [--import N] [--files N]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include <filesystem>

#include "app/gui/panels.h"
#include "core/own_format.h"
#include "app/library/library.h"
#include "bench/synthetic_library.h"

namespace {

using Clock = std::chrono::steady_clock;
using namespace provena;
using namespace provena::gui;

struct FrameTimes {
  double p50 = 0, p99 = 0, max = 0;
};

FrameTimes summarize(std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  FrameTimes f;
  f.p50 = ms[ms.size() / 2];
  f.p99 = ms[std::min(ms.size() - 1, static_cast<size_t>(static_cast<double>(ms.size()) * 0.99))];
  f.max = ms.back();
  return f;
}

// Frames that scroll the gallery by `wheel` notches each; a new search every `search_every`
// frames (0: never). Returns each frame's build time in ms.
std::vector<double> run_frames(AppState& state, Services& services, int frames, float wheel, int search_every) {
  static const char* kQueries[] = {"", "masterpiece", "1girl", "landscape", "steps:>=30", "portrait", "cat"};
  std::vector<double> ms;
  ms.reserve(static_cast<size_t>(frames));
  for (int i = 0; i < frames; ++i) {
    if (search_every > 0 && i % search_every == search_every - 1) {
      state.search.text = kQueries[(i / search_every) % 7];
      state.search.edited_at = 0;  // as if typed long enough ago: the debounce has passed
    }
    const auto t = Clock::now();
    headless_frame(state, services, {450, 400, wheel});  // the mouse over the gallery
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t).count());
    std::this_thread::sleep_for(std::chrono::milliseconds(4));  // the rest of a 60 Hz frame: workers run meanwhile
  }
  return ms;
}

}  // namespace

int main(int argc, char** argv) {
  int64_t records = 100000, import_records = 20000, files = 5000;
  int frames = 600;
  std::string dir = "/tmp/provena-gui-bench";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--records") records = std::atoll(argv[i + 1]);
    else if (a == "--dir") dir = argv[i + 1];
    else if (a == "--frames") frames = std::max(10, std::atoi(argv[i + 1]));
    else if (a == "--import") import_records = std::atoll(argv[i + 1]);
    else if (a == "--files") files = std::atoll(argv[i + 1]);
    else {
      std::fprintf(stderr, "usage: gui_frame_bench [--records N] [--dir DIR] [--frames F] [--import N] [--files N]\n");
      return 2;
    }
  }
  {
    auto catalog = open_library(dir);
    if (!catalog) return std::fprintf(stderr, "gui_frame_bench: %s\n", catalog.error().message.c_str()), 1;
    auto built = bench::grow_synthetic_library(**catalog, records, 1);
    if (!built) return std::fprintf(stderr, "gui_frame_bench: %s\n", built.error().message.c_str()), 1;
    if (built->added > 0) std::printf("built %lld records in %.1f s\n", static_cast<long long>(built->added), built->seconds);
  }

  create_headless_context(1600, 1000);
  Session session(dir);
  ThumbnailCache thumbnails("");  // the synthetic records have no files: thumbnails fail fast
  Services services{session, &thumbnails};
  AppState state;
  state.library_dir = dir;
  run_frames(state, services, 30, 0, 0);  // first page, warm-up
  session.drain();

  auto scroll = summarize(run_frames(state, services, frames, -2, 0));
  std::printf("library %lld records, %zu loaded in the gallery after scrolling\n", static_cast<long long>(state.total_assets),
              state.gallery.items.size());
  std::printf("scrolling:           frame build p50 %.2f ms  p99 %.2f ms  max %.2f ms  (target p99 < 16 ms)\n", scroll.p50,
              scroll.p99, scroll.max);

  // An import writing into the same library meanwhile (its own read-write connection).
  std::atomic<bool> importing{true};
  std::atomic<int64_t> imported{0};
  std::string import_error;
  std::thread writer([&] {
    auto catalog = open_library(dir);
    if (!catalog) {
      import_error = catalog.error().message;
      importing = false;
      return;
    }
    auto count = (*catalog)->count_assets();
    const int64_t base = (count ? *count : records) + 1000000000;  // fresh indices each run
    constexpr int64_t kBatch = 1000;  // what a folder import stores per transaction at most
    for (int64_t b = 0; b < import_records && importing; b += kBatch) {
      auto batch = bench::synthetic_library_batch(7, base + b, base + std::min(import_records, b + kBatch));
      auto stored = (*catalog)->ingest(batch);
      if (!stored) {
        import_error = stored.error().message;
        break;
      }
      imported += static_cast<int64_t>(batch.size());
    }
    importing = false;
  });
  state.search.text = "";
  session.search(state, "");
  std::vector<double> during;
  while (importing) {
    auto ms = run_frames(state, services, 60, -2, 60);
    during.insert(during.end(), ms.begin(), ms.end());
  }
  writer.join();
  auto busy = summarize(during);
  std::printf("during an import:    frame build p50 %.2f ms  p99 %.2f ms  max %.2f ms  (%zu frames, %lld records imported)\n",
              busy.p50, busy.p99, busy.max, during.size(), static_cast<long long>(imported.load()));
  if (!import_error.empty()) std::printf("import error: %s\n", import_error.c_str());
  std::printf("errors shown by the GUI: %s\n", state.status.empty() && state.search.error.empty()
                                                   ? "none"
                                                   : (state.status + " " + state.search.error).c_str());
  session.drain();

  // The app's own import of a folder of image files, with the Import tab shown.
  const std::string folder = dir + "/files-" + std::to_string(std::chrono::system_clock::now().time_since_epoch().count());
  std::filesystem::create_directories(folder);
  const auto written = Clock::now();
  for (int64_t i = 0; i < files; ++i) {
    Record r;
    r.prompt = "a file-import test image " + std::to_string(i) + ", masterpiece";
    r.seed = i;
    Image img;
    img.width = img.height = 16;
    img.channels = 3;
    img.pixels.assign(16 * 16 * 3, static_cast<uint8_t>(i));
    if (auto st = write_own_png(folder + "/f" + std::to_string(i) + ".png", img, r); !st)
      return std::fprintf(stderr, "gui_frame_bench: %s\n", st.error().message.c_str()), 1;
  }
  std::printf("wrote %lld files in %.1f s\n", static_cast<long long>(files),
              std::chrono::duration<double>(Clock::now() - written).count());
  state.tab_request = Tab::kImport;
  run_frames(state, services, 2, 0, 0);
  session.import(state, {folder});
  std::vector<double> importing_ms;
  while (state.import.running) {
    auto ms = run_frames(state, services, 30, 0, 0);
    importing_ms.insert(importing_ms.end(), ms.begin(), ms.end());
  }
  run_frames(state, services, 30, 0, 0);  // the report
  auto own = summarize(importing_ms);
  const ImportReport* rep = state.import.report ? &*state.import.report : nullptr;
  std::printf("Import tab, importing: frame build p50 %.2f ms  p99 %.2f ms  max %.2f ms  (%zu frames, %lld new, %.1f s)\n",
              own.p50, own.p99, own.max, importing_ms.size(), rep ? static_cast<long long>(rep->stored.new_assets) : -1LL,
              rep ? rep->seconds : 0.0);
  if (!state.import.error.empty()) std::printf("import error: %s\n", state.import.error.c_str());
  session.drain();
  std::filesystem::remove_all(folder);
  destroy_headless_context();
  return 0;
}
