#include "socket.h"

#include <algorithm>

namespace edgeloop {

SysResult SocketFile::SetSockOpt(SockOpt opt, int32_t value) {
  switch (opt) {
    case SockOpt::kSndBuf: {
      // sk_setsockopt: clamp to wmem_max (as u32, so negatives clamp too),
      // double it for bookkeeping overhead, never below SOCK_MIN_SNDBUF.
      uint32_t v = std::min(static_cast<uint32_t>(value),
                            static_cast<uint32_t>(ctx_.config.wmem_max));
      sndbuf_locked_ = true;
      sndbuf_ = std::max(static_cast<int32_t>(v) * 2, kSockMinSndbuf);
      WriteSpace();
      return SysResult::Ok();
    }
    case SockOpt::kRcvBuf: {
      uint32_t v = std::min(static_cast<uint32_t>(value),
                            static_cast<uint32_t>(ctx_.config.rmem_max));
      rcvbuf_locked_ = true;
      rcvbuf_ = std::max(static_cast<int32_t>(v) * 2, kSockMinRcvbuf);
      RcvBufChanged();
      return SysResult::Ok();
    }
    case SockOpt::kTcpNoDelay:
      return SetNoDelay(value);
    case SockOpt::kError:
      return SysResult::Fail(err::kENOPROTOOPT);
    case SockOpt::kReuseAddr:
      // Recorded and reported, nothing more: the simulation has no TIME_WAIT
      // (a closed socket's port is free at once, as if every socket set it)
      // and one socket per port (sim_context.h).
      reuse_addr_ = value != 0;
      return SysResult::Ok();
    case SockOpt::kReusePort:
      // sk_setsockopt refuses it on anything but inet sockets (Linux 6.9 on).
      if (family_ != Family::kTcp) return SysResult::Fail(err::kEOPNOTSUPP);
      reuse_port_ = value != 0;
      return SysResult::Ok();
    case SockOpt::kLinger:
      // Only {on, 0} changes anything modelled: a TCP close that resets
      // (tcp_close's SOCK_LINGER && !sk_lingertime). A positive linger would
      // make close() block, which a nonblocking simulation never does.
      linger_ = value;
      return SysResult::Ok();
  }
  return SysResult::Fail(err::kENOPROTOOPT);
}

SysResult SocketFile::GetSockOpt(SockOpt opt) {
  switch (opt) {
    case SockOpt::kSndBuf:
      return SysResult::Ok(sndbuf_);
    case SockOpt::kRcvBuf:
      return SysResult::Ok(rcvbuf_);
    case SockOpt::kTcpNoDelay:
      return GetNoDelay();
    case SockOpt::kError:
      return SysResult::Ok(TakeError());
    case SockOpt::kReuseAddr:
      return SysResult::Ok(reuse_addr_ ? 1 : 0);
    case SockOpt::kReusePort:
      return SysResult::Ok(reuse_port_ ? 1 : 0);
    case SockOpt::kLinger:
      return SysResult::Ok(linger_ >= 0 ? linger_ : -1);
  }
  return SysResult::Fail(err::kENOPROTOOPT);
}

void SocketFile::DescribeCommon(JsonWriter& json) const {
  json.Field("sndbuf", sndbuf_);
  json.Field("rcvbuf", rcvbuf_);
  json.Field("error", sk_err_);
  json.Field("shutdown", shutdown_);
}

}  // namespace edgeloop
