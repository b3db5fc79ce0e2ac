#include "event_loop_thread_pool.h"

#include <chrono>
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

namespace {

// What RunAndWait's functors report back. Shared: a loop that answers after
// the wait gave up still has it to write to.
struct Completion {
  std::mutex mu;
  std::condition_variable done;
  std::vector<bool> ran;  // guarded by mu
  size_t left = 0;        // guarded by mu
};

}  // namespace

std::vector<bool> EventLoopThreadPool::RunAndWait(std::vector<std::pair<EventLoop*, Functor>> work, int32_t wait_ms) {
  base_->AssertInLoopThread();
  auto completion = std::make_shared<Completion>();
  completion->ran.assign(work.size(), false);
  completion->left = work.size();
  for (size_t i = 0; i < work.size(); ++i) {
    Functor fn = std::move(work[i].second);
    work[i].first->QueueInLoop([completion, i, fn] {
      fn();
      std::lock_guard<std::mutex> lock(completion->mu);
      completion->ran[i] = true;
      --completion->left;
      completion->done.notify_all();
    });
  }
  std::unique_lock<std::mutex> lock(completion->mu);
  auto all_ran = [&completion] { return completion->left == 0; };
  if (wait_ms < 0) {
    completion->done.wait(lock, all_ran);
  } else {
    completion->done.wait_for(lock, std::chrono::milliseconds(wait_ms), all_ran);
  }
  return completion->ran;
}

EventLoop* EventLoopThreadPool::GetNextLoop() {
  base_->AssertInLoopThread();
  if (loops_.empty()) return base_;
  EventLoop* loop = loops_[next_];
  next_ = (next_ + 1) % loops_.size();
  return loop;
}

}  // namespace edgeloop
