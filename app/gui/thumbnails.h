// Gallery thumbnails: decoded and scaled on a worker thread, cached on disk beside the
// library (thumbs/AB/KEY.png, KEY = the pixel hash, else the content hash, so a
// metadata-only edit keeps its thumbnail) and in memory (least recently used dropped).
// Only what the gallery shows is requested; the newest requests are served first, so
// scrolling fast never waits behind rows already gone from view.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <list>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include "core/png.h"

namespace provena::gui {

// Makes GPU textures from RGBA pixels (the window's renderer); none in headless tests.
class TextureUploader {
 public:
  virtual ~TextureUploader() = default;
  virtual void* upload(const Image& rgba) = 0;
  virtual void release(void* texture) = 0;
};

struct Thumbnail {
  enum class State { kQueued, kReady, kFailed } state = State::kQueued;
  Image rgba;             // at most kThumbSide on its longer side
  void* texture = nullptr;
  std::string error;      // why there is none (e.g. a format without a decoder)
};

inline constexpr int kThumbSide = 160;
inline constexpr size_t kThumbsInMemory = 1500;  // ~150 MB at most; the disk cache keeps all
inline constexpr size_t kMaxPending = 256;       // older requests are dropped (and asked again when seen)

// Box-filter downscale of RGBA `src` to fit `side` (never upscales).
Image scale_to_fit(const Image& src, int side);

class ThumbnailCache {
 public:
  // `cache_dir` "" keeps thumbnails in memory only.
  explicit ThumbnailCache(std::string cache_dir, TextureUploader* uploader = nullptr);
  ~ThumbnailCache();

  // The thumbnail for `key` (made from the file at `path`), requested when not known yet.
  // Never blocks. UI thread.
  const Thumbnail& get(const std::string& key, const std::string& path);
  // Uploads finished thumbnails and evicts old ones; once per frame on the UI thread.
  void poll();
  size_t pending() const;
  size_t in_memory() const { return entries_.size(); }
  void drain();  // tests: wait until no request is pending

 private:
  struct Request {
    std::string key, path;
  };
  void run();
  Thumbnail make(const Request& r) const;

  std::string dir_;
  TextureUploader* uploader_;
  // UI-thread side: key -> thumbnail, in LRU order.
  std::list<std::string> lru_;
  struct Slot {
    Thumbnail thumb;
    std::list<std::string>::iterator lru;
  };
  std::unordered_map<std::string, Slot> entries_;
  // Shared with the worker.
  mutable std::mutex mutex_;
  std::condition_variable wake_, done_;
  std::deque<Request> pending_;
  std::deque<std::pair<std::string, Thumbnail>> finished_;
  int busy_ = 0;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace provena::gui
