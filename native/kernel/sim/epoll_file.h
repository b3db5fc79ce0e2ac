// A simulated epoll instance, following fs/eventpoll.c: items keyed by
// (file, fd), a ready list fed by wakeup callbacks, ep_send_events' re-poll
// of the whole mask, ONESHOT disarm, LT items back to the tail.
#pragma once

#include <list>
#include <map>
#include <memory>
#include <utility>

#include "file.h"

namespace edgeloop {

class EpollFile;

// One registration (struct epitem). It sits on the watched file's wait queue.
class EpollItem final : public Waiter {
 public:
  EpollItem(EpollFile* ep, File* file, int32_t fd) : ep_(ep), file_(file), fd_(fd) {}

  void Wake(uint32_t key) override;  // ep_poll_callback

  EpollFile* ep() const { return ep_; }
  File* file() const { return file_; }
  int32_t fd() const { return fd_; }
  uint32_t events = 0;
  uint64_t data = 0;
  bool linked = false;                     // on the ready list
  std::list<EpollItem*>::iterator link;    // position on it

 private:
  EpollFile* ep_;
  File* file_;
  int32_t fd_;
};

class EpollFile final : public File {
 public:
  explicit EpollFile(SimContext& ctx) : File(ctx, Kind::kEpoll) {}

  // EPOLL_CTL_ADD/MOD/DEL once the fds are resolved and the generic checks
  // (EBADF, EPERM, EINVAL, ELOOP) are done by the caller.
  SysResult Add(File* target, int32_t fd, uint32_t events, uint64_t data);
  SysResult Modify(File* target, int32_t fd, uint32_t events, uint64_t data);
  SysResult Delete(File* target, int32_t fd);
  // True when `target` is an epoll whose items reach this one (ep_loop_check).
  bool WouldLoop(EpollFile* target) const;
  // ep_send_events: never blocks; the caller runs the clock between calls.
  int32_t SendEvents(EpollEvent* out, int32_t maxevents);
  // Drops an item whose file is being released (eventpoll_release).
  void RemoveItem(EpollItem* item);

  uint32_t Poll() override;  // an epoll fd is readable when an item is ready
  // ep_eventpoll_ioctl knows only busy-poll requests: anything else is EINVAL.
  SysResult Ioctl(IoctlRequest) override { return SysResult::Fail(err::kEINVAL); }
  void Release() override;
  EpollFile* AsEpoll() override { return this; }
  void Describe(JsonWriter& json) const override;

  void OnItemWake(EpollItem* item, uint32_t key);

 private:
  using Key = std::pair<uint64_t, int32_t>;  // (file id, fd)
  static uint32_t ItemPoll(EpollItem* item) { return item->file()->Poll() & item->events; }
  void LinkReady(EpollItem* item);
  bool Reaches(const EpollFile* target, int depth) const;

  std::map<Key, std::unique_ptr<EpollItem>> items_;
  std::list<EpollItem*> ready_;
};

}  // namespace edgeloop
