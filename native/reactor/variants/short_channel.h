// The tutorial's Channel: the wanted events live in a `short`. EPOLLET is
// 1u << 31, so `events |= EPOLLET` is truncated away on the store and every
// registration is level-triggered, whatever the code says. Its HandleEvent
// also knows only EPOLLIN/EPOLLPRI and EPOLLOUT: EPOLLERR and EPOLLHUP
// are left to the read path to discover.
#pragma once

#include "../channel.h"

namespace edgeloop {

class ShortChannel final : public Channel {
 public:
  using Channel::Channel;

 protected:
  // The conversions of `short listen_events_` in the tutorial: truncated on
  // the way in, sign-extended on the way out (to epoll_event.events).
  void StoreEvents(uint32_t events) override { events_ = static_cast<short>(events); }
  uint32_t LoadEvents() const override { return static_cast<uint32_t>(static_cast<int32_t>(events_)); }

  void Dispatch(uint32_t revents) override {
    if (revents & (ev::kIn | ev::kPri)) RunRead();
    if (revents & ev::kOut) RunWrite();
  }

 private:
  short events_ = 0;
};

}  // namespace edgeloop
