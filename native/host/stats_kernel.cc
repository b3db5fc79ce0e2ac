#include "stats_kernel.h"

namespace edgeloop {

StatsKernel::StatsKernel(Kernel& inner, ServerCounters& counters, bool clock_from_zero)
    : inner_(inner), counters_(counters), start_ms_(clock_from_zero ? inner.NowMs() : 0) {}

SysResult StatsKernel::Read(int32_t fd, uint8_t* buf, size_t len) {
  SysResult r = inner_.Read(fd, buf, len);
  if (r.ok() && r.value > 0 && !eventfds_.Test(fd)) counters_.bytes_in += static_cast<uint64_t>(r.value);
  return r;
}

SysResult StatsKernel::Write(int32_t fd, const uint8_t* data, size_t len) {
  SysResult r = inner_.Write(fd, data, len);
  if (r.ok() && r.value > 0 && !eventfds_.Test(fd)) counters_.bytes_out += static_cast<uint64_t>(r.value);
  return r;
}

SysResult StatsKernel::EventFd() {
  SysResult r = inner_.EventFd();
  if (r.ok()) eventfds_.Set(static_cast<int32_t>(r.value));
  return r;
}

SysResult StatsKernel::Close(int32_t fd) {
  // Before the close: once it returns, the number may be handed out again.
  eventfds_.Clear(fd);
  return inner_.Close(fd);
}

SysResult StatsKernel::EpollWait(int32_t ep, EpollEvent* out, int32_t maxevents, int32_t timeout_ms) {
  SysResult r = inner_.EpollWait(ep, out, maxevents, timeout_ms);
  ++counters_.epoll_waits;
  if (r.ok() && r.value > 0) ++counters_.wakeups;
  return r;
}

}  // namespace edgeloop
