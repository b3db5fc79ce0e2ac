#include "unix_socket.h"

#include <algorithm>
#include <cstring>

#include "skb_truesize.h"

namespace edgeloop {

UnixSocket::UnixSocket(SimContext& ctx) : SocketFile(ctx, Kind::kUnixSocket, Family::kUnix) {
  sndbuf_ = ctx.config.wmem_default;
  rcvbuf_ = ctx.config.rmem_default;
}

void UnixSocket::Connect(const std::shared_ptr<UnixSocket>& a, const std::shared_ptr<UnixSocket>& b) {
  a->peer_ = b.get();
  a->peer_ref_ = b;
  b->peer_ = a.get();
  b->peer_ref_ = a;
  a->state_ = b->state_ = State::kEstablished;
}

bool UnixSocket::Writable() const {
  // unix_writable(): (refcount(sk_wmem_alloc) << 2) <= sk_sndbuf, where the
  // refcount starts at 1; a listener is never writable.
#ifdef EDGELOOP_MUTANT_UNIX_WRITABLE
  // A planted one-unit error, built only by scripts/kernel-mutant.sh: the
  // randomized differential tester must catch it.
  return state_ != State::kListen && (wmem_alloc_ << 2) <= sndbuf_;
#else
  return state_ != State::kListen && ((wmem_alloc_ + 1) << 2) <= sndbuf_;
#endif
}

uint32_t UnixSocket::Poll() {
  uint32_t mask = 0;
  if (sk_err_) mask |= ev::kErr;
  if (shutdown_ == kShutdownMask) mask |= ev::kHup;
  if (shutdown_ & kRcvShutdown) mask |= ev::kRdHup | ev::kIn | ev::kRdNorm;
  const bool readable = state_ == State::kListen ? !embryos_.empty() : !receive_queue_.empty();
  if (readable) mask |= ev::kIn | ev::kRdNorm;
  if (state_ == State::kClose) mask |= ev::kHup;
  // Writable even after the peer shut down: "this prevents stuck sockets".
  if (Writable()) mask |= ev::kOut | ev::kWrNorm | ev::kWrBand;
  return mask;
}

SysResult UnixSocket::Write(const uint8_t* data, size_t len) {
  if (peer_ == nullptr) return SysResult::Fail(err::kENOTCONN);
  if (shutdown_ & kSendShutdown) return SysResult::Fail(err::kEPIPE);
  size_t sent = 0;
  const int32_t max_payload = UnixSkbMaxPayload(sndbuf_);
  while (sent < len) {
    const auto size = static_cast<int32_t>(std::min(len - sent, static_cast<size_t>(max_payload)));
    // sock_alloc_send_pskb: allocation goes ahead while wmem < sndbuf, so
    // the last skb may overshoot; a full socket gives EAGAIN (or the partial count).
    if (wmem_alloc_ >= sndbuf_) {
      return sent ? SysResult::Ok(static_cast<int64_t>(sent)) : SysResult::Fail(err::kEAGAIN);
    }
    UnixSocket* other = peer_;
    if (other->released_ || (other->shutdown_ & kRcvShutdown)) {
      return sent ? SysResult::Ok(static_cast<int64_t>(sent)) : SysResult::Fail(err::kEPIPE);
    }
    Skb skb;
    skb.bytes.assign(data + sent, data + sent + size);
    skb.truesize = UnixSkbTruesize(size);
    skb.owner = std::static_pointer_cast<UnixSocket>(shared_from_this());
    wmem_alloc_ += skb.truesize;
    other->receive_queue_.push_back(std::move(skb));
    other->DataReady();
    sent += static_cast<size_t>(size);
  }
  return SysResult::Ok(static_cast<int64_t>(sent));
}

SysResult UnixSocket::Read(uint8_t* buf, size_t len) {
  if (len == 0) return SysResult::Ok(0);  // sock_read_iter: "match SYS5 behaviour"
  if (state_ != State::kEstablished) return SysResult::Fail(err::kEINVAL);
  size_t copied = 0;
  while (copied < len) {
    if (receive_queue_.empty()) {
      if (copied) break;
      // POSIX order: a pending error before end of file.
      if (int32_t e = TakeError()) return SysResult::Fail(e);
      if (shutdown_ & kRcvShutdown) return SysResult::Ok(0);
      return SysResult::Fail(err::kEAGAIN);
    }
    Skb& skb = receive_queue_.front();
    const size_t chunk = std::min(skb.remaining(), len - copied);
    std::memcpy(buf + copied, skb.bytes.data() + skb.consumed, chunk);
    skb.consumed += chunk;
    copied += chunk;
    if (skb.remaining()) break;
    // Only a fully consumed skb gives the sender its memory back.
    Skb done = std::move(skb);
    receive_queue_.pop_front();
    done.owner->FreeCharge(done.truesize);
  }
  return SysResult::Ok(static_cast<int64_t>(copied));
}

void UnixSocket::FreeCharge(int32_t truesize) {
  wmem_alloc_ -= truesize;
  // sock_wfree() still holds one reference of sk_wmem_alloc while it calls
  // unix_write_space(), so this wakeup test is one unit stricter than poll's.
  WriteSpaceWithRefs(2);
}

void UnixSocket::WriteSpace() { WriteSpaceWithRefs(1); }

void UnixSocket::WriteSpaceWithRefs(int64_t refs) {
  // unix_write_space(): wake writers only once the socket is writable again;
  // every freed skb that passes the test wakes again (ET re-fires per skb).
  if (released_ || state_ == State::kListen) return;
  if (((wmem_alloc_ + refs) << 2) <= sndbuf_) {
    wait_queue().Wake(ev::kOut | ev::kWrNorm | ev::kWrBand);
  }
}

SysResult UnixSocket::Ioctl(IoctlRequest request) {
  if (request == IoctlRequest::kOutq) return SysResult::Ok(wmem_alloc_);
  if (state_ == State::kListen) return SysResult::Fail(err::kEINVAL);
  return SysResult::Ok(ReceiveQueueBytes());
}

SysResult UnixSocket::Bind(const SockAddr& addr) {
  if (addr.family != Family::kUnix) return SysResult::Fail(err::kEINVAL);
  if (bound_) return SysResult::Fail(err::kEINVAL);
  if (ctx_.unix_names.count(addr.name)) return SysResult::Fail(err::kEADDRINUSE);
  name_ = addr.name;
  bound_ = true;
  ctx_.unix_names[name_] = this;
  return SysResult::Ok();
}

SysResult UnixSocket::Listen(int32_t backlog) {
  if (!bound_) return SysResult::Fail(err::kEINVAL);
  if (state_ != State::kClose && state_ != State::kListen) return SysResult::Fail(err::kEINVAL);
  // __sys_listen clamps (as unsigned, so negatives too) to somaxconn.
  if (static_cast<uint32_t>(backlog) > static_cast<uint32_t>(ctx_.config.somaxconn)) {
    backlog = ctx_.config.somaxconn;
  }
  max_ack_backlog_ = backlog;
  state_ = State::kListen;
  return SysResult::Ok();
}

SysResult UnixSocket::Connect(const SockAddr& addr) {
  if (addr.family != Family::kUnix) return SysResult::Fail(err::kEINVAL);
  auto found = ctx_.unix_names.find(addr.name);
  if (found == ctx_.unix_names.end()) return SysResult::Fail(err::kECONNREFUSED);
  UnixSocket* other = found->second;
  if (other->state_ != State::kListen) return SysResult::Fail(err::kECONNREFUSED);
  if (other->shutdown_ & kRcvShutdown) return SysResult::Fail(err::kECONNREFUSED);
  // unix_recvq_full: strictly more pending than the backlog.
  if (static_cast<int64_t>(other->embryos_.size()) > other->max_ack_backlog_) {
    return SysResult::Fail(err::kEAGAIN);
  }
  if (state_ == State::kEstablished) return SysResult::Fail(err::kEISCONN);
  if (state_ != State::kClose) return SysResult::Fail(err::kEINVAL);
  // The server side is a fresh socket with default buffers (unix_create1)
  // and the listener's address.
  auto embryo = std::make_shared<UnixSocket>(ctx_);
  embryo->name_ = other->name_;
  UnixSocket::Connect(std::static_pointer_cast<UnixSocket>(shared_from_this()), embryo);
  other->embryos_.push_back(embryo);
  other->DataReady();
  return SysResult::Ok();
}

SysResult UnixSocket::Accept(std::shared_ptr<SocketFile>* out) {
  if (state_ != State::kListen) return SysResult::Fail(err::kEINVAL);
  if (embryos_.empty()) return SysResult::Fail(err::kEAGAIN);
  *out = embryos_.front();
  embryos_.pop_front();
  return SysResult::Ok();
}

SysResult UnixSocket::GetSockName(std::string* out) {
  *out = name_.empty() ? std::string() : "@" + name_;
  return SysResult::Ok();
}

SysResult UnixSocket::Shutdown(int32_t how) {
  if (how < 0 || how > 2) return SysResult::Fail(err::kEINVAL);
  const auto mode = static_cast<uint8_t>(how + 1);  // SHUT_RD -> RCV, SHUT_WR -> SEND
  shutdown_ |= mode;
  StateChange();
  UnixSocket* other = peer_;
  if (other != nullptr && !other->released_) {
    uint8_t peer_mode = 0;
    if (mode & kRcvShutdown) peer_mode |= kSendShutdown;
    if (mode & kSendShutdown) peer_mode |= kRcvShutdown;
    other->shutdown_ |= peer_mode;
    other->StateChange();
  }
  return SysResult::Ok();
}

void UnixSocket::Release() { ReleaseSock(false); }

void UnixSocket::ReleaseSock(bool embryo) {
  if (released_) return;
  released_ = true;
  if (bound_ && !name_.empty()) {
    auto it = ctx_.unix_names.find(name_);
    if (it != ctx_.unix_names.end() && it->second == this) ctx_.unix_names.erase(it);
  }
  shutdown_ = kShutdownMask;
  const State state = state_;
  state_ = State::kClose;
  UnixSocket* skpair = peer_;
  peer_ = nullptr;
  if (skpair != nullptr && !skpair->released_) {
    // No more writes for the peer; unread data here (or a connection never
    // accepted) turns the peer's end of file into ECONNRESET.
    skpair->shutdown_ = kShutdownMask;
    if (!receive_queue_.empty() || embryo) skpair->sk_err_ = err::kECONNRESET;
    skpair->StateChange();
  }
  // Throw out what we never read: each skb returns its charge to its sender.
  while (!receive_queue_.empty()) {
    Skb skb = std::move(receive_queue_.front());
    receive_queue_.pop_front();
    skb.owner->FreeCharge(skb.truesize);
  }
  if (state == State::kListen) {
    while (!embryos_.empty()) {
      std::shared_ptr<UnixSocket> pending = std::move(embryos_.front());
      embryos_.pop_front();
      pending->ReleaseSock(true);
    }
  }
  // Drop the reference cycle with the peer; its raw pointer stays, as in Linux.
  peer_ref_.reset();
}

void UnixSocket::DescribeBrief(JsonWriter& json) const {
  // Describe()'s fields a gauge draws.
  json.FieldString("type", "unix");
  json.FieldString("state", StateText());
  json.Field("sndbuf", sndbuf_);
  json.Field("rcvbuf", rcvbuf_);
  json.Field("charged", wmem_alloc_);
  json.FieldBool("writable", Writable());
  json.Field("writableUpTo", WritableUpTo());
  json.Field("recvQueueBytes", ReceiveQueueBytes());
  // What SIOCOUTQ answers (SIOCINQ is recvQueueBytes, EINVAL on a listener).
  json.Field("outq", wmem_alloc_);
}

const char* UnixSocket::StateText() const {
  return state_ == State::kListen ? "LISTEN" : state_ == State::kEstablished ? "ESTABLISHED" : "CLOSE";
}

int64_t UnixSocket::WritableUpTo() const {
  // The largest charge unix_writable still calls writable: (charge + 1) * 4 <= sndbuf.
  return sndbuf_ >= 4 ? sndbuf_ / 4 - 1 : 0;
}

int64_t UnixSocket::ReceiveQueueBytes() const {
  int64_t queued = 0;
  for (const Skb& skb : receive_queue_) queued += static_cast<int64_t>(skb.remaining());
  return queued;
}

void UnixSocket::Describe(JsonWriter& json) const {
  json.FieldString("type", "unix");
  json.FieldString("state", StateText());
  json.FieldString("name", name_.empty() ? std::string() : "@" + name_);
  DescribeCommon(json);
  json.Field("wmemAlloc", wmem_alloc_);
  // What SO_SNDBUF is held against, and the rule: poll writability, and the
  // largest charge that is still writable ((charge + 1) * 4 <= sndbuf).
  json.Field("charged", wmem_alloc_);
  json.FieldBool("writable", Writable());
  json.Field("writableUpTo", WritableUpTo());
  json.Field("recvQueueBytes", ReceiveQueueBytes());
  json.Field("outq", wmem_alloc_);
  json.Field("recvQueueSkbs", receive_queue_.size());
  json.Field("pendingConnections", embryos_.size());
}

}  // namespace edgeloop
