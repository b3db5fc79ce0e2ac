// Epoll: the loop's epoll instance. Each channel is registered with its fd
// as the user data, so a ready event names the fd (and traces can name the
// registration) without a pointer ever leaving the process.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "../kernel/kernel.h"
#include "syscalls.h"

namespace edgeloop {

class Channel;

class Epoll {
 public:
  // Throws std::runtime_error if epoll_create fails.
  explicit Epoll(Kernel& kernel);
  ~Epoll();
  Epoll(const Epoll&) = delete;
  Epoll& operator=(const Epoll&) = delete;

  // EPOLL_CTL_ADD the first time, EPOLL_CTL_MOD afterwards.
  void UpdateChannel(Channel* channel);
  // EPOLL_CTL_DEL, if registered.
  void RemoveChannel(Channel* channel);
  // epoll_wait once; fills `active` with the channels that have events.
  // Returns the number of ready events, or -errno.
  int32_t Poll(int32_t timeout_ms, std::vector<Channel*>* active);

  int32_t fd() const { return epfd_; }

 private:
  Syscalls kernel_;
  int32_t epfd_ = -1;
  std::vector<EpollEvent> events_;
  // fd -> channel. Ordered: nothing here is iterated where order could show,
  // but the project rule is no unordered containers on observable paths.
  std::map<int32_t, Channel*> channels_;
};

}  // namespace edgeloop
