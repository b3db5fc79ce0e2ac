// EventLoop: one thread's reactor (muduo's EventLoop). RunOnce() is one
// iteration: epoll_wait, the callbacks of every ready channel, then the
// functors queued for this loop. The simulation calls RunOnce(0) per step;
// a real server calls Loop().
//
// Other threads hand work over with QueueInLoop(); an eventfd wakes the loop.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "../kernel/kernel.h"
#include "syscalls.h"
#include "buffer.h"
#include "callbacks.h"
#include "mutants.h"

namespace edgeloop {

class Channel;
class Epoll;

class EventLoop {
 public:
  // Throws std::runtime_error if the epoll or the wakeup eventfd cannot be made.
  explicit EventLoop(Kernel& kernel);
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // One iteration. Returns the number of ready events, or -errno from epoll_wait.
  int32_t RunOnce(int32_t timeout_ms);
  // Iterates until Quit(). `timeout_ms` bounds each wait so Quit() from a
  // signal-free context is noticed even without a wakeup.
  // Runs until Quit(), or until epoll_wait fails with anything but EINTR
  // (then failed_errno() says why).
  void Loop(int32_t timeout_ms = 10000);
  int32_t failed_errno() const { return failed_errno_; }
  void Quit();

  // Runs `fn` now when called on the loop's thread, else queues it.
  void RunInLoop(Functor fn);
  // Runs `fn` after the current (or next) round's callbacks.
  void QueueInLoop(Functor fn);

  // Keeps `object` alive until this round's callbacks are done (no wakeup:
  // nothing runs, memory is only let go).
  void ReleaseLater(std::shared_ptr<void> object) { garbage_.push_back(std::move(object)); }

  void UpdateChannel(Channel* channel);
  void RemoveChannel(Channel* channel);

  bool IsInLoopThread() const { return owner_ == std::this_thread::get_id(); }
  // Reactor objects are not thread-safe: every call on them must come from here.
  void AssertInLoopThread() const;

  // The loop's read buffer, shared by its connections: a connection with no
  // bytes left over reads into it and keeps only what its app leaves, so
  // reads land in memory that is hot in cache (one buffer per thread instead
  // of one per connection) and idle connections hold no input memory. Null
  // while another read holds it (never, unless a read nests in a callback).
  Buffer* AcquireReadBuffer() {
    if (read_buffer_busy_) return nullptr;
    read_buffer_busy_ = true;
    return &read_buffer_;
  }
  void ReleaseReadBuffer() {
    read_buffer_.RetrieveAll();
    read_buffer_busy_ = false;
  }

  Kernel& kernel() { return kernel_.kernel(); }
  // The kernel as the reactor calls it: each call records its caller when traced.
  const Syscalls& syscalls() const { return kernel_; }
  int32_t epoll_fd() const;
  uint64_t iterations() const { return iterations_; }
#ifdef EDGELOOP_REACTOR_MUTANTS
  // The test build's planted bug (mutants.h). On the loop's own thread.
  void set_mutant(Mutant m) { mutant_ = m; }
#endif

 private:
  void HandleWakeup();
  void Wakeup();
  void RunPendingFunctors();

  Syscalls kernel_;
  std::thread::id owner_;
  std::unique_ptr<Epoll> epoll_;
  int32_t wakeup_fd_ = -1;
  std::unique_ptr<Channel> wakeup_channel_;
  std::vector<Channel*> active_;
  std::atomic<bool> quit_{false};
  int32_t failed_errno_ = 0;  // why Loop() gave up, 0 while it has not
  uint64_t iterations_ = 0;

  std::mutex mu_;
  std::vector<Functor> pending_;       // guarded by mu_
  bool running_pending_ = false;
  std::vector<std::shared_ptr<void>> garbage_;
  Buffer read_buffer_;
  bool read_buffer_busy_ = false;
#ifdef EDGELOOP_REACTOR_MUTANTS
  Mutant mutant_ = Mutant::kNone;
  bool killed_by_eintr_ = false;  // kEintrFatal: an EINTR ended this loop for good
#endif
};

}  // namespace edgeloop
