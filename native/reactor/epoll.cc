#include "epoll.h"

#include <stdexcept>

#include "../kernel/errno_name.h"
#include "channel.h"

namespace edgeloop {

namespace {
// muduo's kInitEventListSize; doubled whenever a wait fills it.
constexpr size_t kInitialEvents = 16;
}  // namespace

Epoll::Epoll(Kernel& kernel) : kernel_(kernel), events_(kInitialEvents) {
  SysResult r = kernel_.EpollCreate();
  if (!r.ok()) throw std::runtime_error("epoll_create failed: " + ErrnoName(r.err));
  epfd_ = static_cast<int32_t>(r.value);
}

Epoll::~Epoll() {
  if (epfd_ >= 0) kernel_.Close(epfd_);
}

void Epoll::UpdateChannel(Channel* channel) {
  const int32_t fd = channel->fd();
  const int32_t op = channel->registered() ? ev::kCtlMod : ev::kCtlAdd;
  SysResult r = kernel_.EpollCtl(epfd_, op, fd, channel->events(), static_cast<uint64_t>(fd));
  if (!r.ok()) {
    // Only a reactor bug gets here (a closed fd, a double ADD): stop loudly.
    throw std::logic_error("epoll_ctl(" + std::to_string(op) + ", fd " + std::to_string(fd) +
                           ") failed: " + ErrnoName(r.err));
  }
  channel->set_registered(true);
  channels_[fd] = channel;
}

void Epoll::RemoveChannel(Channel* channel) {
  if (!channel->registered()) return;
  const int32_t fd = channel->fd();
  kernel_.EpollCtl(epfd_, ev::kCtlDel, fd, 0, 0);
  channel->set_registered(false);
  channels_.erase(fd);
}

int32_t Epoll::Poll(int32_t timeout_ms, std::vector<Channel*>* active) {
  SysResult r = kernel_.EpollWait(epfd_, events_.data(), static_cast<int32_t>(events_.size()), timeout_ms);
  if (!r.ok()) return -r.err;
  const auto n = static_cast<size_t>(r.value);
  for (size_t i = 0; i < n; ++i) {
    auto it = channels_.find(static_cast<int32_t>(events_[i].data));
    // An event for an fd no channel claims: it was removed after epoll_wait
    // copied the event out (the user data outlives the registration).
    if (it == channels_.end()) continue;
    it->second->set_revents(events_[i].events);
    active->push_back(it->second);
  }
  if (n == events_.size()) events_.resize(events_.size() * 2);
  return static_cast<int32_t>(n);
}

}  // namespace edgeloop
