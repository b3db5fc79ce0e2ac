// The kernel seam: every system call the reactor and the scripts make goes
// through this interface. LinuxKernel issues the real calls; SimKernel
// reproduces Linux's behaviour deterministically. Results are return values
// plus an errno, never a global, so the same code runs on both and in wasm.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "epoll_bits.h"
#include "errno_codes.h"

namespace edgeloop {

// A syscall's outcome: `value` as C returns it on success, or err != 0.
struct SysResult {
  int64_t value = 0;
  int32_t err = 0;

  bool ok() const { return err == 0; }
  static SysResult Ok(int64_t v = 0) { return SysResult{v, 0}; }
  static SysResult Fail(int32_t e) { return SysResult{-1, e}; }
};

// Stream socket families: AF_UNIX and TCP. A tcp socket is AF_INET until an
// IPv6 address is bound or connected (each kernel says how it takes one).
enum class Family : int32_t { kUnix = 1, kTcp = 2 };

// shutdown(2) values, Linux numbering.
enum class ShutdownHow : int32_t { kRd = 0, kWr = 1, kRdWr = 2 };

// The socket options the API knows by name.
enum class SockOpt : int32_t {
  kSndBuf = 0,
  kRcvBuf = 1,
  kTcpNoDelay = 2,
  kError = 3,
  kReuseAddr = 4,  // SO_REUSEADDR
  kReusePort = 5,  // SO_REUSEPORT
  // SO_LINGER: value >= 0 sets {l_onoff 1, l_linger value} (0: close sends
  // RST), value < 0 turns lingering off; reads back l_linger, or -1 when off.
  // Internal to the seam (the reactor's abortive close); the kernel API
  // does not name it.
  kLinger = 6,
};

// ioctl requests: bytes unread in the receive queue, bytes charged to the send side.
enum class IoctlRequest : int32_t { kInq = 0, kOutq = 1 };

struct EpollEvent {
  uint32_t events = 0;
  uint64_t data = 0;
};

// Options applied to both ends of a socketpair before they connect.
// Zero or negative means "leave as the kernel sets it".
struct PairOptions {
  int32_t sndbuf = 0;
  int32_t rcvbuf = 0;
  int32_t nodelay = -1;  // -1: leave unset; 0/1: TCP_NODELAY
};

class Kernel {
 public:
  virtual ~Kernel() = default;

  // Every socket is a nonblocking stream socket.
  virtual SysResult Socket(Family family) = 0;
  // addr: "A.B.C.D:PORT" or "[IPV6]:PORT" (tcp) or "@name" (abstract
  // AF_UNIX), see sock_addr.h; text in none of those forms fails EINVAL.
  virtual SysResult Bind(int32_t fd, const std::string& addr) = 0;
  virtual SysResult Listen(int32_t fd, int32_t backlog) = 0;
  virtual SysResult Connect(int32_t fd, const std::string& addr) = 0;
  virtual SysResult Accept(int32_t fd) = 0;  // the new fd is nonblocking
  virtual SysResult GetSockName(int32_t fd, std::string* addr) = 0;
  virtual SysResult Read(int32_t fd, uint8_t* buf, size_t len) = 0;
  // Writes never raise SIGPIPE (MSG_NOSIGNAL); a closed peer gives EPIPE.
  virtual SysResult Write(int32_t fd, const uint8_t* data, size_t len) = 0;
  virtual SysResult Shutdown(int32_t fd, ShutdownHow how) = 0;
  virtual SysResult Close(int32_t fd) = 0;
  virtual SysResult Dup(int32_t fd) = 0;
  virtual SysResult EventFd() = 0;  // nonblocking, counter starts at 0
  virtual SysResult SetSockOpt(int32_t fd, SockOpt opt, int32_t value) = 0;
  virtual SysResult GetSockOpt(int32_t fd, SockOpt opt) = 0;
  virtual SysResult Ioctl(int32_t fd, IoctlRequest request) = 0;
  virtual SysResult EpollCreate() = 0;
  // op is a raw number (ev::kCtlAdd...) so unknown ops get Linux's EINVAL.
  virtual SysResult EpollCtl(int32_t ep, int32_t op, int32_t fd, uint32_t events,
                             uint64_t data) = 0;
  // Fills up to maxevents entries of `out` (which holds at least that many
  // when maxevents > 0). timeout_ms: -1 blocks, 0 polls.
  virtual SysResult EpollWait(int32_t ep, EpollEvent* out, int32_t maxevents,
                              int32_t timeout_ms) = 0;

  // Monotonic milliseconds: virtual time in the simulation, CLOCK_MONOTONIC on Linux.
  virtual int64_t NowMs() = 0;
  // Lets `ms` pass: the simulation runs its clock forward, Linux sleeps.
  virtual void Advance(int64_t ms) = 0;

  // A connected pair. unix: socketpair(2); tcp: a 127.0.0.1 listener, connect
  // and accept, with `opts` applied before connecting (accepted end inherits).
  SysResult SocketPair(Family family, const PairOptions& opts, int32_t fds[2]);

 protected:
  // socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK) itself.
  virtual SysResult SocketPairUnix(int32_t fds[2]) = 0;
};

}  // namespace edgeloop
