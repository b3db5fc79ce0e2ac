// A file's wait queue: the epoll items watching it. A wakeup carries a key
// (the poll bits the event is about, 0 for "anything"), exactly as the
// kernel's wake_up_poll()/wake_up_interruptible_all() do.
#pragma once

#include <cstdint>
#include <vector>

namespace edgeloop {

class Waiter {
 public:
  virtual void Wake(uint32_t key) = 0;

 protected:
  ~Waiter() = default;
};

class WaitQueue {
 public:
  // add_wait_queue() inserts at the head, so later registrations wake first.
  void Add(Waiter* w) { waiters_.insert(waiters_.begin(), w); }
  void Remove(Waiter* w);
  void Wake(uint32_t key);
  bool empty() const { return waiters_.empty(); }

 private:
  std::vector<Waiter*> waiters_;
};

}  // namespace edgeloop
