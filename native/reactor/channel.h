// Channel: one fd's registration in its loop's epoll: the events it wants
// and the callbacks for what came back. It never owns the fd.
//
// events_ is a uint32_t. The tutorial's Channel kept it in a `short`, which
// silently drops EPOLLET (1u << 31) and turns its "ET" server into an LT one;
// variants/short_channel.h keeps that behaviour for the day26 variant by
// overriding the storage hooks, so this class has no variant branches.
#pragma once

#include <cstdint>
#include <memory>

#include "../kernel/call_site.h"
#include "../kernel/epoll_bits.h"
#include "callbacks.h"

namespace edgeloop {

class EventLoop;

class Channel {
 public:
  Channel(EventLoop* loop, int32_t fd);
  virtual ~Channel();
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;

  // Called by the loop with the events epoll returned.
  void HandleEvent();

  void SetReadCallback(EventCallback cb) { read_cb_ = std::move(cb); }
  void SetWriteCallback(EventCallback cb) { write_cb_ = std::move(cb); }
  void SetCloseCallback(EventCallback cb) { close_cb_ = std::move(cb); }
  void SetErrorCallback(EventCallback cb) { error_cb_ = std::move(cb); }

  // Keeps the owner alive while its callbacks run (a connection may be
  // closed, and released by its server, from inside its own callback).
  void Tie(const std::shared_ptr<void>& owner);

  // Takes effect with the next Enable/Disable (no epoll_ctl of its own).
  void UseEt() { StoreEvents(LoadEvents() | ev::kEt); }
  // EPOLLRDHUP goes on and off with reading (a reader that trusts short reads).
  void UseRdHup() { rdhup_ = true; }
  // Each update's epoll_ctl is traced as made on behalf of the line that
  // asked for it (`site`: the caller, filled in by the compiler).
  void EnableRead(CallSite site = CallSite()) { Set(LoadEvents() | ev::kIn | ev::kPri | (rdhup_ ? ev::kRdHup : 0), site); }
  void DisableRead(CallSite site = CallSite()) { Set(LoadEvents() & ~(ev::kIn | ev::kPri | ev::kRdHup), site); }
  void EnableWrite(CallSite site = CallSite()) { Set(LoadEvents() | ev::kOut, site); }
  void DisableWrite(CallSite site = CallSite()) { Set(LoadEvents() & ~ev::kOut, site); }
  bool IsWriting() const { return (LoadEvents() & ev::kOut) != 0; }
  bool IsReading() const { return (LoadEvents() & ev::kIn) != 0; }
  // Drops the registration (EPOLL_CTL_DEL); the fd stays open.
  void Remove(CallSite site = CallSite());

  int32_t fd() const { return fd_; }
  // The mask as epoll_ctl receives it.
  uint32_t events() const { return LoadEvents(); }
  uint32_t revents() const { return revents_; }
  void set_revents(uint32_t revents) { revents_ = revents; }
  bool registered() const { return registered_; }
  void set_registered(bool on) { registered_ = on; }

 protected:
  // Where the wanted events live: a uint32_t here, a `short` in the tutorial's channel.
  virtual void StoreEvents(uint32_t events) { events_ = events; }
  virtual uint32_t LoadEvents() const { return events_; }
  // Which callbacks run for which ready events, in which order.
  virtual void Dispatch(uint32_t revents);

  void RunRead() { if (read_cb_) read_cb_(); }
  void RunWrite() { if (write_cb_) write_cb_(); }
  void RunClose() { if (close_cb_) close_cb_(); }
  void RunError() { if (error_cb_) error_cb_(); }

 private:
  void Set(uint32_t events, const CallSite& site);

  EventLoop* loop_;
  const int32_t fd_;
  uint32_t events_ = 0;
  uint32_t revents_ = 0;
  bool registered_ = false;
  bool tied_ = false;
  bool rdhup_ = false;
  std::weak_ptr<void> tie_;
  EventCallback read_cb_;
  EventCallback write_cb_;
  EventCallback close_cb_;
  EventCallback error_cb_;
};

}  // namespace edgeloop
