#include "event_loop.h"

#include <stdexcept>
#include <string>

#include "../kernel/errno_name.h"
#include "channel.h"
#include "epoll.h"

namespace edgeloop {

EventLoop::EventLoop(Kernel& kernel)
    : kernel_(kernel), owner_(std::this_thread::get_id()), epoll_(std::make_unique<Epoll>(kernel)) {
  SysResult r = kernel_.EventFd();
  if (!r.ok()) throw std::runtime_error("eventfd failed: " + ErrnoName(r.err));
  wakeup_fd_ = static_cast<int32_t>(r.value);
  wakeup_channel_ = std::make_unique<Channel>(this, wakeup_fd_);
  wakeup_channel_->SetReadCallback([this] { HandleWakeup(); });
  // Level-triggered on purpose: a wakeup that races with a drain must not be lost.
  wakeup_channel_->EnableRead();
}

EventLoop::~EventLoop() {
  // Functors still queued may hold the last reference to a connection; let
  // them go before the epoll they point into.
  pending_.clear();
  garbage_.clear();
  wakeup_channel_->Remove();
  wakeup_channel_.reset();
  kernel_.Close(wakeup_fd_);
  epoll_.reset();
}

int32_t EventLoop::epoll_fd() const { return epoll_->fd(); }

void EventLoop::AssertInLoopThread() const {
  if (!IsInLoopThread()) throw std::logic_error("EventLoop used from a thread that does not own it");
}

int32_t EventLoop::RunOnce(int32_t timeout_ms) {
  AssertInLoopThread();
#ifdef EDGELOOP_REACTOR_MUTANTS
  if (killed_by_eintr_) return -err::kEINTR;  // dead: nothing is polled or run again
#endif
  ++iterations_;
  active_.clear();
  const int32_t n = epoll_->Poll(timeout_ms, &active_);
#ifdef EDGELOOP_REACTOR_MUTANTS
  if (n == -err::kEINTR && EDGELOOP_MUTANT(mutant_, kEintrFatal)) {
    // The errif-style loop: a signal during the wait is taken for a broken epoll.
    killed_by_eintr_ = true;
    return n;
  }
#endif
  // Index, not iterator. A callback may remove (and free) a channel that is
  // still waiting its turn in this round: RemoveChannel blanks its slot.
  for (size_t i = 0; i < active_.size(); ++i) {
    if (active_[i] != nullptr) active_[i]->HandleEvent();
  }
  active_.clear();
  RunPendingFunctors();
  garbage_.clear();
  return n;
}

void EventLoop::Loop(int32_t timeout_ms) {
  // quit_ is not cleared on the way in: a Quit() that lands before the loop
  // starts (another thread, right after Start()) must still stop it. It is
  // cleared on the way out, so Loop() can run again.
  while (!quit_) {
    const int32_t n = RunOnce(timeout_ms);
    // epoll_wait failing for any reason but a signal will fail the same way
    // next time (a closed or foreign epoll fd): stop instead of spinning.
    if (n < 0 && (n != -err::kEINTR || EDGELOOP_MUTANT(mutant_, kEintrFatal))) {
      failed_errno_ = -n;
      break;
    }
  }
  quit_ = false;
}

void EventLoop::Quit() {
  quit_ = true;
  if (!IsInLoopThread()) Wakeup();
}

void EventLoop::RunInLoop(Functor fn) {
  if (IsInLoopThread()) {
    fn();
  } else {
    QueueInLoop(std::move(fn));
  }
}

void EventLoop::QueueInLoop(Functor fn) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    pending_.push_back(std::move(fn));
  }
  // A foreign thread must wake a loop that may be blocked in epoll_wait; so
  // must a functor queued by a functor, or it would wait a whole round.
  if (!IsInLoopThread() || running_pending_) Wakeup();
}

void EventLoop::UpdateChannel(Channel* channel) {
  AssertInLoopThread();
  epoll_->UpdateChannel(channel);
}

void EventLoop::RemoveChannel(Channel* channel) {
  AssertInLoopThread();
  epoll_->RemoveChannel(channel);
  // The owner may free it right after (an Acceptor stopped from a handler):
  // it must not be dispatched later in this round.
  for (Channel*& active : active_) {
    if (active == channel) active = nullptr;
  }
}

void EventLoop::Wakeup() {
  uint8_t one[8] = {1, 0, 0, 0, 0, 0, 0, 0};  // a uint64 1, little-endian as eventfd reads it
  kernel_.Write(wakeup_fd_, one, sizeof one);
}

void EventLoop::HandleWakeup() {
  uint8_t counter[8];
  kernel_.Read(wakeup_fd_, counter, sizeof counter);
}

void EventLoop::RunPendingFunctors() {
  std::vector<Functor> functors;
  {
    std::lock_guard<std::mutex> lock(mu_);
    functors.swap(pending_);
  }
  // Swapped out first (muduo): a functor that queues another neither
  // deadlocks nor runs the new one in this round.
  running_pending_ = true;
  for (Functor& fn : functors) fn();
  running_pending_ = false;
}

}  // namespace edgeloop
