#include "channel.h"

#include "event_loop.h"

namespace edgeloop {

Channel::Channel(EventLoop* loop, int32_t fd) : loop_(loop), fd_(fd) {}

Channel::~Channel() = default;

void Channel::Tie(const std::shared_ptr<void>& owner) {
  tie_ = owner;
  tied_ = true;
}

void Channel::Set(uint32_t events, const CallSite& site) {
  StoreEvents(events);
  Syscalls::OriginScope origin(loop_->syscalls(), site);
  loop_->UpdateChannel(this);
}

void Channel::Remove(CallSite site) {
  StoreEvents(LoadEvents() & ev::kEt);
  Syscalls::OriginScope origin(loop_->syscalls(), site);
  loop_->RemoveChannel(this);
}

void Channel::HandleEvent() {
  std::shared_ptr<void> guard;
  if (tied_) {
    guard = tie_.lock();
    if (!guard) return;  // the owner is gone; its fd was closed with it
  }
  Dispatch(revents_);
}

void Channel::Dispatch(uint32_t revents) {
  // EPOLLERR first: SO_ERROR names the cause (ECONNRESET). A hangup
  // reported without EPOLLIN (reading was off, or nothing is left to read)
  // would otherwise close the connection as an orderly "peer-closed".
  if (revents & ev::kErr) RunError();
  // A hangup with nothing left to read is a close; with data still queued
  // the read path drains it first and sees the end itself.
  if ((revents & ev::kHup) && !(revents & ev::kIn)) RunClose();
  if (revents & (ev::kIn | ev::kPri | ev::kRdHup)) RunRead();
  if (revents & ev::kOut) RunWrite();
}

}  // namespace edgeloop
