#include "kernel.h"

namespace edgeloop {

namespace {

// Closes every fd in `fds` that is >= 0; used to unwind a half-built pair.
void CloseAll(Kernel& k, std::initializer_list<int32_t> fds) {
  for (int32_t fd : fds) {
    if (fd >= 0) k.Close(fd);
  }
}

SysResult ApplyOptions(Kernel& k, int32_t fd, const PairOptions& opts) {
  if (opts.sndbuf > 0) {
    SysResult r = k.SetSockOpt(fd, SockOpt::kSndBuf, opts.sndbuf);
    if (!r.ok()) return r;
  }
  if (opts.rcvbuf > 0) {
    SysResult r = k.SetSockOpt(fd, SockOpt::kRcvBuf, opts.rcvbuf);
    if (!r.ok()) return r;
  }
  if (opts.nodelay >= 0) {
    SysResult r = k.SetSockOpt(fd, SockOpt::kTcpNoDelay, opts.nodelay);
    if (!r.ok()) return r;
  }
  return SysResult::Ok();
}

// The tcp pair is built from the seam's own calls, so both kernels go
// through exactly the same sequence: listener on an ephemeral loopback port,
// nonblocking connect, wait for the listener to become readable, accept.
SysResult TcpPair(Kernel& k, const PairOptions& opts, int32_t fds[2]) {
  SysResult lr = k.Socket(Family::kTcp);
  if (!lr.ok()) return lr;
  const auto lfd = static_cast<int32_t>(lr.value);
  int32_t cfd = -1;
  int32_t ep = -1;
  auto fail = [&](SysResult r) {
    CloseAll(k, {cfd, ep, lfd});
    return r;
  };
  // Options go on the listener too: accepted sockets inherit its buffers.
  SysResult r = ApplyOptions(k, lfd, opts);
  if (!r.ok()) return fail(r);
  if (!(r = k.Bind(lfd, "127.0.0.1:0")).ok()) return fail(r);
  if (!(r = k.Listen(lfd, 1)).ok()) return fail(r);
  std::string addr;
  if (!(r = k.GetSockName(lfd, &addr)).ok()) return fail(r);
  SysResult cr = k.Socket(Family::kTcp);
  if (!cr.ok()) return fail(cr);
  cfd = static_cast<int32_t>(cr.value);
  if (!(r = ApplyOptions(k, cfd, opts)).ok()) return fail(r);
  r = k.Connect(cfd, addr);
  if (!r.ok() && r.err != err::kEINPROGRESS) return fail(r);
  SysResult er = k.EpollCreate();
  if (!er.ok()) return fail(er);
  ep = static_cast<int32_t>(er.value);
  if (!(r = k.EpollCtl(ep, ev::kCtlAdd, lfd, ev::kIn, 0)).ok()) return fail(r);
  EpollEvent event;
  // Loopback completes the handshake at once; the bound only guards a broken host.
  if (!(r = k.EpollWait(ep, &event, 1, 5000)).ok()) return fail(r);
  if (r.value == 0) return fail(SysResult::Fail(err::kETIMEDOUT));
  SysResult ar = k.Accept(lfd);
  if (!ar.ok()) return fail(ar);
  k.Close(ep);
  k.Close(lfd);
  fds[0] = cfd;
  fds[1] = static_cast<int32_t>(ar.value);
  return SysResult::Ok();
}

}  // namespace

SysResult Kernel::SocketPair(Family family, const PairOptions& opts, int32_t fds[2]) {
  if (family == Family::kTcp) return TcpPair(*this, opts, fds);
  if (family != Family::kUnix) return SysResult::Fail(err::kEAFNOSUPPORT);
  SysResult r = SocketPairUnix(fds);
  if (!r.ok()) return r;
  for (int32_t fd : {fds[0], fds[1]}) {
    SysResult o = ApplyOptions(*this, fd, opts);
    if (!o.ok()) {
      CloseAll(*this, {fds[0], fds[1]});
      return o;
    }
  }
  return SysResult::Ok();
}

}  // namespace edgeloop
