// Syscalls: the reactor's handle on the kernel seam. The same calls as
// Kernel, each taking the caller's line as a default argument (CallSite), so
// a traced run records which reactor function made each call
// ("TcpConnection::WriteNonBlocking native/reactor/tcp_connection.cc:195")
// with nothing written at the call sites. Untraced, the site is three
// stores and a null test; the Kernel interface itself is unchanged (the
// scripts' calls through the bindings carry no site).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "../kernel/call_site.h"
#include "../kernel/kernel.h"
#include "../kernel/tracing_kernel.h"

namespace edgeloop {

class Syscalls {
 public:
  explicit Syscalls(Kernel& kernel) : kernel_(&kernel), tracing_(dynamic_cast<TracingKernel*>(&kernel)) {}

  Kernel& kernel() const { return *kernel_; }

  SysResult Socket(Family family, CallSite site = CallSite()) const {
    At(site);
    return kernel_->Socket(family);
  }
  SysResult Bind(int32_t fd, const std::string& addr, CallSite site = CallSite()) const {
    At(site);
    return kernel_->Bind(fd, addr);
  }
  SysResult Listen(int32_t fd, int32_t backlog, CallSite site = CallSite()) const {
    At(site);
    return kernel_->Listen(fd, backlog);
  }
  SysResult Accept(int32_t fd, CallSite site = CallSite()) const {
    At(site);
    return kernel_->Accept(fd);
  }
  SysResult GetSockName(int32_t fd, std::string* addr, CallSite site = CallSite()) const {
    At(site);
    return kernel_->GetSockName(fd, addr);
  }
  SysResult Read(int32_t fd, uint8_t* buf, size_t len, CallSite site = CallSite()) const {
    At(site);
    return kernel_->Read(fd, buf, len);
  }
  SysResult Write(int32_t fd, const uint8_t* data, size_t len, CallSite site = CallSite()) const {
    At(site);
    return kernel_->Write(fd, data, len);
  }
  SysResult Shutdown(int32_t fd, ShutdownHow how, CallSite site = CallSite()) const {
    At(site);
    return kernel_->Shutdown(fd, how);
  }
  SysResult Close(int32_t fd, CallSite site = CallSite()) const {
    At(site);
    return kernel_->Close(fd);
  }
  SysResult EventFd(CallSite site = CallSite()) const {
    At(site);
    return kernel_->EventFd();
  }
  SysResult SetSockOpt(int32_t fd, SockOpt opt, int32_t value, CallSite site = CallSite()) const {
    At(site);
    return kernel_->SetSockOpt(fd, opt, value);
  }
  SysResult GetSockOpt(int32_t fd, SockOpt opt, CallSite site = CallSite()) const {
    At(site);
    return kernel_->GetSockOpt(fd, opt);
  }
  SysResult Ioctl(int32_t fd, IoctlRequest request, CallSite site = CallSite()) const {
    At(site);
    return kernel_->Ioctl(fd, request);
  }
  SysResult EpollCreate(CallSite site = CallSite()) const {
    At(site);
    return kernel_->EpollCreate();
  }
  SysResult EpollCtl(int32_t ep, int32_t op, int32_t fd, uint32_t events, uint64_t data,
                     CallSite site = CallSite()) const {
    At(site);
    return kernel_->EpollCtl(ep, op, fd, events, data);
  }
  SysResult EpollWait(int32_t ep, EpollEvent* out, int32_t maxevents, int32_t timeout_ms,
                      CallSite site = CallSite()) const {
    At(site);
    return kernel_->EpollWait(ep, out, maxevents, timeout_ms);
  }
  // The seam's monotonic clock (virtual time in the simulation): not a call, not traced.
  int64_t NowMs() const { return kernel_->NowMs(); }

  // While one lives, the calls made are on behalf of `origin`: a Channel's
  // Enable/Disable/Remove names the line that asked for the epoll_ctl
  // (TcpConnection::Send's EnableWrite), beside Epoll::UpdateChannel's own.
  class OriginScope {
   public:
    OriginScope(const Syscalls& calls, const CallSite& origin) : tracing_(calls.tracing_) {
      if (tracing_) tracing_->SetOrigin(origin);
    }
    ~OriginScope() {
      if (tracing_) tracing_->ClearOrigin();
    }
    OriginScope(const OriginScope&) = delete;
    OriginScope& operator=(const OriginScope&) = delete;

   private:
    TracingKernel* tracing_;
  };

 private:
  void At(const CallSite& site) const {
    if (tracing_) tracing_->SetSite(site);
  }

  Kernel* kernel_;
  // Null when not tracing (or traced below another decorator).
  TracingKernel* tracing_;
};

}  // namespace edgeloop
