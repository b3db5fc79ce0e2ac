#include "wait_queue.h"

#include <algorithm>

namespace edgeloop {

void WaitQueue::Remove(Waiter* w) {
  auto it = std::find(waiters_.begin(), waiters_.end(), w);
  if (it != waiters_.end()) waiters_.erase(it);
}

void WaitQueue::Wake(uint32_t key) {
  // A callback never adds or removes waiters of this queue, but copy anyway:
  // a nested epoll's wakeup may reach this queue again through a loop.
  const std::vector<Waiter*> snapshot = waiters_;
  for (Waiter* w : snapshot) w->Wake(key);
}

}  // namespace edgeloop
