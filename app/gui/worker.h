// A background thread for the GUI: tasks run off the UI thread and hand back a completion
// that the UI thread applies at the start of a frame, so the frame loop never waits on
// disk, the database or the model, and view state is only ever touched by the UI thread.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace provena::gui {

class Worker {
 public:
  using Apply = std::function<void()>;  // runs on the UI thread (poll)
  using Task = std::function<Apply()>;  // runs on the worker; may return an empty Apply

  Worker();
  ~Worker();  // drops queued tasks, lets the running one finish, joins
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  void post(Task task);
  // Applies the completions that are ready; returns how many. UI thread only.
  int poll();
  // True when nothing is queued, running or waiting to be applied.
  bool idle() const;
  // Blocks until idle, applying completions as they come (tests and shutdown only; never
  // called from the frame loop).
  void drain();

 private:
  void run();
  mutable std::mutex mutex_;
  std::condition_variable wake_, done_;
  std::deque<Task> tasks_;
  std::deque<Apply> completions_;
  bool busy_ = false, stop_ = false;
  std::thread thread_;
};

}  // namespace provena::gui
