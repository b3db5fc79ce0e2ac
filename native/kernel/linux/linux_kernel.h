// LinuxKernel: the kernel seam over real Linux system calls. Compiled only
// into the Node addon. Every socket is nonblocking and close-on-exec, and
// writes never raise SIGPIPE.
//
// A tcp socket is made AF_INET, and remade AF_INET6 in place (same fd, same
// options and epoll registrations) when an IPv6 address is bound or
// connected before it has a local port: see "IPv6" in the .cc.
//
// The object runs inside a process it does not own (Node), so it only ever
// touches fds it created itself: a call naming any other fd fails EBADF
// without reaching the kernel, and a script can never close or write one of
// Node's descriptors. The destructor closes every fd still open.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "../kernel.h"
#include "../../util/fd_flags.h"

namespace edgeloop {

class LinuxKernel final : public Kernel {
 public:
  LinuxKernel() = default;
  ~LinuxKernel() override;
  LinuxKernel(const LinuxKernel&) = delete;
  LinuxKernel& operator=(const LinuxKernel&) = delete;

  SysResult Socket(Family family) override;
  SysResult Bind(int32_t fd, const std::string& addr) override;
  SysResult Listen(int32_t fd, int32_t backlog) override;
  SysResult Connect(int32_t fd, const std::string& addr) override;
  SysResult Accept(int32_t fd) override;
  SysResult GetSockName(int32_t fd, std::string* addr) override;
  SysResult Read(int32_t fd, uint8_t* buf, size_t len) override;
  SysResult Write(int32_t fd, const uint8_t* data, size_t len) override;
  SysResult Shutdown(int32_t fd, ShutdownHow how) override;
  SysResult Close(int32_t fd) override;
  SysResult Dup(int32_t fd) override;
  SysResult EventFd() override;
  SysResult SetSockOpt(int32_t fd, SockOpt opt, int32_t value) override;
  SysResult GetSockOpt(int32_t fd, SockOpt opt) override;
  SysResult Ioctl(int32_t fd, IoctlRequest request) override;
  SysResult EpollCreate() override;
  SysResult EpollCtl(int32_t ep, int32_t op, int32_t fd, uint32_t events,
                     uint64_t data) override;
  SysResult EpollWait(int32_t ep, EpollEvent* out, int32_t maxevents,
                      int32_t timeout_ms) override;

  int64_t NowMs() override;
  void Advance(int64_t ms) override;

 protected:
  SysResult SocketPairUnix(int32_t fds[2]) override;

 private:
  bool Owns(int32_t fd) const;
  // Records a freshly created fd; passes the syscall's result through.
  SysResult Adopt(int rc);

  // What a tcp socket without a local port has been given so far, to be
  // given again to the socket that replaces it (MatchFamily).
  struct Unbound {
    struct Watch {
      int32_t ep;
      uint32_t events;
      uint64_t data;
    };
    std::vector<std::pair<SockOpt, int32_t>> options;  // in the order set
    std::vector<Watch> watches;                        // epoll registrations
  };
  // Before bind/connect of `addr` on `fd`: remakes an unbound tcp socket in
  // the address's family if it is in the other one. Fails with the errno of
  // the step that failed (socket(AF_INET6) on a host without IPv6: EAFNOSUPPORT).
  SysResult MatchFamily(int32_t fd, const std::string& addr);
  // Forgets `fd`'s Unbound record once it has a local port (or is closed, or dup'ed).
  void Settled(int32_t fd);
  // Settled(fd) if fd now has a local port.
  void SettledIfBound(int32_t fd);

  // Sub-reactor threads share one kernel object and ask on every call:
  // lock-free reads (fd_flags.h).
  FdFlags owned_;
  // The eventfds among them (and their dups): Write() skips send() for them.
  FdFlags eventfds_;
  // The tcp sockets with no local port yet, tested without a lock on every
  // setsockopt and epoll_ctl; their records are under unbound_mu_.
  FdFlags unbound_;
  std::mutex unbound_mu_;
  std::map<int32_t, Unbound> unbound_state_;
  // unbound_state_.size(), read without the lock: Close() of any fd (an
  // epoll one drops its watches) looks at the map only when it is not empty.
  std::atomic<size_t> unbound_count_{0};
};

std::unique_ptr<Kernel> CreateLinuxKernel();

}  // namespace edgeloop
