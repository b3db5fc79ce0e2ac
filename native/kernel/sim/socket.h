// What every simulated stream socket shares (struct sock): buffer sizes and
// their locks, the pending error, the shutdown bits, and the socket calls.
#pragma once

#include <memory>
#include <string>

#include "../sock_addr.h"
#include "file.h"

namespace edgeloop {

// sk_shutdown bits.
constexpr uint8_t kRcvShutdown = 1;
constexpr uint8_t kSendShutdown = 2;
constexpr uint8_t kShutdownMask = 3;

class SocketFile : public File {
 public:
  SocketFile(SimContext& ctx, Kind kind, Family family) : File(ctx, kind), family_(family) {}

  Family family() const { return family_; }
  SocketFile* AsSocket() override { return this; }

  virtual SysResult Bind(const SockAddr& addr) = 0;
  virtual SysResult Listen(int32_t backlog) = 0;
  virtual SysResult Connect(const SockAddr& addr) = 0;
  // On success *out is the new connected socket, not yet given an fd.
  virtual SysResult Accept(std::shared_ptr<SocketFile>* out) = 0;
  virtual SysResult GetSockName(std::string* out) = 0;
  virtual SysResult Shutdown(int32_t how) = 0;
  // True when a listening socket has a connection waiting (accept would not EAGAIN).
  virtual bool AcceptReady() const = 0;

  SysResult SetSockOpt(SockOpt opt, int32_t value);
  SysResult GetSockOpt(SockOpt opt);

  int32_t sndbuf() const { return sndbuf_; }
  int32_t rcvbuf() const { return rcvbuf_; }
  uint8_t shutdown_bits() const { return shutdown_; }

 protected:
  // sk_write_space: called when send-side room may have appeared.
  virtual void WriteSpace() = 0;
  // SO_RCVBUF changed sk_rcvbuf (after rcvbuf_ was set).
  virtual void RcvBufChanged() {}
  virtual SysResult SetNoDelay(int32_t value) = 0;
  virtual SysResult GetNoDelay() = 0;
  // sock_error(): the pending error, cleared by reading it.
  int32_t TakeError() {
    int32_t e = sk_err_;
    sk_err_ = 0;
    return e;
  }
  void DescribeCommon(JsonWriter& json) const;

  Family family_;
  int32_t sndbuf_ = 0;
  int32_t rcvbuf_ = 0;
  bool sndbuf_locked_ = false;  // SOCK_SNDBUF_LOCK: set by SO_SNDBUF, stops autotuning
  bool rcvbuf_locked_ = false;
  int32_t sk_err_ = 0;
  uint8_t shutdown_ = 0;
  // SO_REUSEADDR / SO_REUSEPORT as set (sk_reuse, sk_reuseport): reported
  // by getsockopt and inherited by accepted tcp sockets, with no other
  // effect here (socket.cc).
  bool reuse_addr_ = false;
  bool reuse_port_ = false;
  int32_t linger_ = -1;  // SO_LINGER seconds; -1: off
};

}  // namespace edgeloop
