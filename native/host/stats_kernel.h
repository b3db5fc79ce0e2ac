// StatsKernel: the Kernel decorator under every host's reactor. It counts
// what a server's stats report and no reactor class knows as a whole: bytes
// read and written on connection sockets (not the eventfds the loops wake
// each other with), epoll_wait calls and the ones that returned events. It
// makes no call of its own, so a simulated trace is the same with it. On
// request its clock starts at zero when the server starts, so a real
// server's trace times read as "ms since listen" rather than CLOCK_MONOTONIC.
//
// Thread-safe: every loop of a threaded server calls it.
#pragma once

#include <cstdint>
#include <string>

#include "../kernel/kernel.h"
#include "../util/fd_flags.h"
#include "server_counters.h"

namespace edgeloop {

class StatsKernel final : public Kernel {
 public:
  StatsKernel(Kernel& inner, ServerCounters& counters, bool clock_from_zero);

  SysResult Socket(Family family) override { return inner_.Socket(family); }
  SysResult Bind(int32_t fd, const std::string& addr) override { return inner_.Bind(fd, addr); }
  SysResult Listen(int32_t fd, int32_t backlog) override { return inner_.Listen(fd, backlog); }
  SysResult Connect(int32_t fd, const std::string& addr) override { return inner_.Connect(fd, addr); }
  SysResult Accept(int32_t fd) override { return inner_.Accept(fd); }
  SysResult GetSockName(int32_t fd, std::string* addr) override { return inner_.GetSockName(fd, addr); }
  SysResult Read(int32_t fd, uint8_t* buf, size_t len) override;
  SysResult Write(int32_t fd, const uint8_t* data, size_t len) override;
  SysResult Shutdown(int32_t fd, ShutdownHow how) override { return inner_.Shutdown(fd, how); }
  SysResult Close(int32_t fd) override;
  SysResult Dup(int32_t fd) override { return inner_.Dup(fd); }
  SysResult EventFd() override;
  SysResult SetSockOpt(int32_t fd, SockOpt opt, int32_t value) override { return inner_.SetSockOpt(fd, opt, value); }
  SysResult GetSockOpt(int32_t fd, SockOpt opt) override { return inner_.GetSockOpt(fd, opt); }
  SysResult Ioctl(int32_t fd, IoctlRequest request) override { return inner_.Ioctl(fd, request); }
  SysResult EpollCreate() override { return inner_.EpollCreate(); }
  SysResult EpollCtl(int32_t ep, int32_t op, int32_t fd, uint32_t events, uint64_t data) override {
    return inner_.EpollCtl(ep, op, fd, events, data);
  }
  SysResult EpollWait(int32_t ep, EpollEvent* out, int32_t maxevents, int32_t timeout_ms) override;
  // The inner kernel's time, less its time at construction if clock_from_zero.
  int64_t NowMs() override { return inner_.NowMs() - start_ms_; }
  void Advance(int64_t ms) override { inner_.Advance(ms); }

 protected:
  SysResult SocketPairUnix(int32_t fds[2]) override { return inner_.SocketPair(Family::kUnix, PairOptions{}, fds); }

 private:
  Kernel& inner_;
  ServerCounters& counters_;
  const int64_t start_ms_;
  // The loops' wakeup fds and the acceptor's spare: asked on every read and
  // write of every loop, so lock-free (fd_flags.h).
  FdFlags eventfds_;
};

}  // namespace edgeloop
