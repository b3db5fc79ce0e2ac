// EventLoopThreadPool: N sub-reactors, each an EventLoop running on a thread
// of its own (muduo's EventLoopThread + EventLoopThreadPool in one pair).
// The base loop (the main reactor, which accepts) hands each new connection
// to GetNextLoop(), round robin; from then on only that loop's thread touches
// the connection, and other threads reach it with RunInLoop / QueueInLoop
// (the eventfd wakeup goes through the kernel seam like every other call).
//
// Native only: std::thread. The portable reactor knows it only as a
// LoopPool (loop_pool.h); the wasm build leaves this pair out.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "../kernel/kernel.h"
#include "callbacks.h"
#include "loop_pool.h"

namespace edgeloop {

class EventLoop;

// One thread and the loop it owns. The loop is made on the thread itself, so
// it is that thread's loop (AssertInLoopThread holds there and only there).
class EventLoopThread {
 public:
  EventLoopThread(Kernel& kernel, std::string name);
  // Quits the loop and joins the thread.
  ~EventLoopThread();
  EventLoopThread(const EventLoopThread&) = delete;
  EventLoopThread& operator=(const EventLoopThread&) = delete;

  // Starts the thread and returns its loop once it exists. Rethrows what
  // the loop's constructor threw (no epoll, no eventfd).
  EventLoop* Start();
  const std::string& name() const { return name_; }

 private:
  void Run();

  Kernel& kernel_;
  const std::string name_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable ready_;
  EventLoop* loop_ = nullptr;       // guarded by mu_ until Start() returns
  bool started_ = false;            // guarded by mu_
  std::exception_ptr failure_;      // guarded by mu_
};

class EventLoopThreadPool final : public LoopPool {
 public:
  // `kernels[i]` is the kernel of sub-reactor i (one each, so a tracing
  // kernel can name its loop); the pool has kernels.size() threads.
  EventLoopThreadPool(EventLoop* base, std::vector<Kernel*> kernels);
  // Quits and joins every sub-reactor. Whatever still lives on those loops
  // must be gone first (the loops close their epoll and eventfd on exit).
  ~EventLoopThreadPool();
  EventLoopThreadPool(const EventLoopThreadPool&) = delete;
  EventLoopThreadPool& operator=(const EventLoopThreadPool&) = delete;

  // Starts every thread. Throws std::runtime_error if a loop cannot be made
  // (the threads already started are stopped again by the destructor).
  void Start();

  // The next sub-reactor, round robin; the base loop when there are none.
  // Only the base loop's thread picks (the acceptor runs there).
  EventLoop* GetNextLoop() override;
  // Every sub-reactor, in order (empty when there are none).
  const std::vector<EventLoop*>& loops() const override { return loops_; }
  std::vector<bool> RunAndWait(std::vector<std::pair<EventLoop*, Functor>> work, int32_t wait_ms) override;
  size_t size() const { return kernels_.size(); }

 private:
  EventLoop* base_;
  std::vector<Kernel*> kernels_;
  std::vector<std::unique_ptr<EventLoopThread>> threads_;
  std::vector<EventLoop*> loops_;
  size_t next_ = 0;
};

}  // namespace edgeloop
