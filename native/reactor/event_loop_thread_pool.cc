#include "event_loop_thread_pool.h"

#include <stdexcept>

#include "event_loop.h"

namespace edgeloop {

EventLoopThread::EventLoopThread(Kernel& kernel, std::string name) : kernel_(kernel), name_(std::move(name)) {}

EventLoopThread::~EventLoopThread() {
  if (!thread_.joinable()) return;
  {
    std::unique_lock<std::mutex> lock(mu_);
    // Quit() is sticky, so it stops the loop even before Loop() began.
    // Under mu_, so the loop cannot be destroyed while we poke it; then wait
    // until the thread says it is out.
    if (loop_ != nullptr) loop_->Quit();
    ready_.wait(lock, [this] { return loop_ == nullptr; });
  }
  thread_.join();
}

EventLoop* EventLoopThread::Start() {
  thread_ = std::thread([this] { Run(); });
  std::unique_lock<std::mutex> lock(mu_);
  ready_.wait(lock, [this] { return started_; });
  if (failure_) std::rethrow_exception(failure_);
  return loop_;
}

void EventLoopThread::Run() {
  std::unique_ptr<EventLoop> loop;
  try {
    loop = std::make_unique<EventLoop>(kernel_);
  } catch (...) {
    std::lock_guard<std::mutex> lock(mu_);
    failure_ = std::current_exception();
    started_ = true;
    ready_.notify_all();
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    loop_ = loop.get();
    started_ = true;
  }
  ready_.notify_all();
  // The wait bound only matters if a wakeup were ever lost; Quit() wakes it.
  loop->Loop(1000);
  {
    std::lock_guard<std::mutex> lock(mu_);
    loop_ = nullptr;
  }
  ready_.notify_all();
  // `loop` is destroyed here, on its own thread, as its channels require.
}

EventLoopThreadPool::EventLoopThreadPool(EventLoop* base, std::vector<Kernel*> kernels)
    : base_(base), kernels_(std::move(kernels)) {}

EventLoopThreadPool::~EventLoopThreadPool() {
  // Last started, first stopped; each destructor quits and joins.
  while (!threads_.empty()) threads_.pop_back();
}

void EventLoopThreadPool::Start() {
  base_->AssertInLoopThread();
  if (!threads_.empty()) throw std::logic_error("EventLoopThreadPool started twice");
  for (size_t i = 0; i < kernels_.size(); ++i) {
    auto thread = std::make_unique<EventLoopThread>(*kernels_[i], "sub-reactor-" + std::to_string(i + 1));
    EventLoop* loop = thread->Start();  // throws: the threads so far stop with the pool
    threads_.push_back(std::move(thread));
    loops_.push_back(loop);
  }
}

EventLoop* EventLoopThreadPool::GetNextLoop() {
  base_->AssertInLoopThread();
  if (loops_.empty()) return base_;
  EventLoop* loop = loops_[next_];
  next_ = (next_ + 1) % loops_.size();
  return loop;
}

}  // namespace edgeloop
