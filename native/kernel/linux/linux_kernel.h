// LinuxKernel: the kernel seam over real Linux system calls. Compiled only
// into the Node addon. Every socket is nonblocking and close-on-exec, and
// writes never raise SIGPIPE.
//
// The object runs inside a process it does not own (Node), so it only ever
// touches fds it created itself: a call naming any other fd fails EBADF
// without reaching the kernel, and a script can never close or write one of
// Node's descriptors. The destructor closes every fd still open.
#pragma once

#include <memory>

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

  // Sub-reactor threads share one kernel object and ask on every call:
  // lock-free reads (fd_flags.h).
  FdFlags owned_;
  // The eventfds among them (and their dups): Write() skips send() for them.
  FdFlags eventfds_;
};

std::unique_ptr<Kernel> CreateLinuxKernel();

}  // namespace edgeloop
