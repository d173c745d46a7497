#include "app/gui/thumbnails.h"

#include <algorithm>
#include <filesystem>

#include "core/decode.h"
#include "core/file_io.h"

namespace provena::gui {
namespace fs = std::filesystem;

Image scale_to_fit(const Image& src, int side) {
  const int w = src.width, h = src.height;
  const double f = std::min(1.0, static_cast<double>(side) / std::max(w, h));
  Image out;
  out.width = std::max(1, static_cast<int>(w * f));
  out.height = std::max(1, static_cast<int>(h * f));
  out.channels = 4;
  out.pixels.assign(static_cast<size_t>(out.width) * out.height * 4, 0);
  for (int y = 0; y < out.height; ++y) {
    const int y0 = y * h / out.height, y1 = std::max(y0 + 1, (y + 1) * h / out.height);
    for (int x = 0; x < out.width; ++x) {
      const int x0 = x * w / out.width, x1 = std::max(x0 + 1, (x + 1) * w / out.width);
      uint32_t sum[4] = {0, 0, 0, 0};
      for (int sy = y0; sy < y1; ++sy)
        for (int sx = x0; sx < x1; ++sx) {
          const uint8_t* p = &src.pixels[(static_cast<size_t>(sy) * w + sx) * src.channels];
          for (int c = 0; c < 3; ++c) sum[c] += p[c];
          sum[3] += src.channels == 4 ? p[3] : 255;
        }
      const uint32_t n = static_cast<uint32_t>((y1 - y0) * (x1 - x0));
      uint8_t* q = &out.pixels[(static_cast<size_t>(y) * out.width + x) * 4];
      for (int c = 0; c < 4; ++c) q[c] = static_cast<uint8_t>((sum[c] + n / 2) / n);
    }
  }
  return out;
}

ThumbnailCache::ThumbnailCache(std::string cache_dir, TextureUploader* uploader)
    : dir_(std::move(cache_dir)), uploader_(uploader), thread_([this] { run(); }) {}

ThumbnailCache::~ThumbnailCache() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
  if (uploader_)
    for (auto& [key, slot] : entries_)
      if (slot.thumb.texture) uploader_->release(slot.thumb.texture);
}

const Thumbnail& ThumbnailCache::get(const std::string& key, const std::string& path) {
  auto it = entries_.find(key);
  if (it != entries_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second.lru);
    return it->second.thumb;
  }
  lru_.push_front(key);
  Slot& slot = entries_[key];
  slot.lru = lru_.begin();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    pending_.push_back({key, path});
    if (pending_.size() > kMaxPending) {
      // Forget the oldest request: it is asked again if its row comes back into view.
      const std::string dropped = pending_.front().key;
      pending_.pop_front();
      auto d = entries_.find(dropped);
      if (d != entries_.end() && d->second.thumb.state == Thumbnail::State::kQueued) {
        lru_.erase(d->second.lru);
        entries_.erase(d);
      }
    }
  }
  wake_.notify_one();
  return entries_.at(key).thumb;
}

void ThumbnailCache::poll() {
  std::deque<std::pair<std::string, Thumbnail>> done;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    done.swap(finished_);
  }
  for (auto& [key, thumb] : done) {
    auto it = entries_.find(key);
    if (it == entries_.end()) continue;  // evicted meanwhile
    if (uploader_ && thumb.state == Thumbnail::State::kReady) thumb.texture = uploader_->upload(thumb.rgba);
    it->second.thumb = std::move(thumb);
  }
  while (entries_.size() > kThumbsInMemory) {
    auto it = entries_.find(lru_.back());
    if (uploader_ && it->second.thumb.texture) uploader_->release(it->second.thumb.texture);
    entries_.erase(it);
    lru_.pop_back();
  }
}

size_t ThumbnailCache::pending() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return pending_.size() + static_cast<size_t>(busy_) + finished_.size();
}

void ThumbnailCache::drain() {
  for (;;) {
    poll();
    std::unique_lock<std::mutex> lock(mutex_);
    if (pending_.empty() && busy_ == 0 && finished_.empty()) return;
    done_.wait(lock, [&] { return !finished_.empty() || (pending_.empty() && busy_ == 0); });
  }
}

Thumbnail ThumbnailCache::make(const Request& r) const {
  Thumbnail t;
  t.state = Thumbnail::State::kFailed;
  const std::string cached = dir_.empty() || r.key.size() < 2 ? "" : dir_ + "/" + r.key.substr(0, 2) + "/" + r.key + ".png";
  if (!cached.empty()) {
    if (auto bytes = read_file(cached)) {
      if (auto img = decode_png(*bytes)) {
        t.rgba = std::move(*img);
        t.state = Thumbnail::State::kReady;
        return t;
      }
    }
  }
  if (r.path.empty()) {
    t.error = "the file is missing";
    return t;
  }
  auto bytes = read_file(r.path);
  if (!bytes) {
    t.error = bytes.error().message;
    return t;
  }
  auto img = decode_image(*bytes, kThumbSide);  // a large JPEG decodes at 1/2..1/8 scale
  if (!img) {
    t.error = r.path + ": " + img.error().message;
    return t;
  }
  t.rgba = scale_to_fit(*img, kThumbSide);
  t.state = Thumbnail::State::kReady;
  if (!cached.empty()) {
    std::error_code ec;
    fs::create_directories(fs::path(cached).parent_path(), ec);
    if (auto png = encode_png(t.rgba, {})) write_file_atomic(cached, *png);  // a cache: failure only costs time
  }
  return t;
}

void ThumbnailCache::run() {
  for (;;) {
    Request r;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return stop_ || !pending_.empty(); });
      if (stop_) return;
      r = std::move(pending_.back());  // newest first: what is on screen now
      pending_.pop_back();
      ++busy_;
    }
    Thumbnail t = make(r);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      finished_.emplace_back(r.key, std::move(t));
      --busy_;
    }
    done_.notify_all();
  }
}

}  // namespace provena::gui
