#include "app/gui/worker.h"

#include <exception>

namespace provena::gui {

Worker::Worker() : thread_([this] { run(); }) {}

Worker::~Worker() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
    tasks_.clear();
  }
  wake_.notify_all();
  thread_.join();
}

void Worker::post(Task task) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    tasks_.push_back(std::move(task));
  }
  wake_.notify_one();
}

int Worker::poll() {
  std::deque<Apply> ready;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ready.swap(completions_);
  }
  for (auto& apply : ready)
    if (apply) apply();
  int n = static_cast<int>(ready.size());
  done_.notify_all();
  return n;
}

bool Worker::idle() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return tasks_.empty() && !busy_ && completions_.empty();
}

void Worker::drain() {
  for (;;) {
    poll();
    std::unique_lock<std::mutex> lock(mutex_);
    if (tasks_.empty() && !busy_ && completions_.empty()) return;
    done_.wait(lock, [&] { return !completions_.empty() || (tasks_.empty() && !busy_); });
  }
}

void Worker::run() {
  for (;;) {
    Task task;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return stop_ || !tasks_.empty(); });
      if (stop_) return;
      task = std::move(tasks_.front());
      tasks_.pop_front();
      busy_ = true;
    }
    Apply apply;
    try {
      apply = task();
    } catch (const std::exception&) {
      // Tasks report their own errors through their completion; one that throws anyway
      // loses only its own result, never the worker.
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (apply) completions_.push_back(std::move(apply));
      busy_ = false;
    }
    done_.notify_all();
  }
}

}  // namespace provena::gui
