#include "tcp_socket.h"

#include <algorithm>
#include <cstring>

namespace edgeloop {

namespace {

// wmem_queued charged per skb beyond its payload (measured: 832 on 6.18).
constexpr int64_t kSkbOverhead = 832;
constexpr int32_t kLoopbackMss = 65483;
constexpr int32_t kMinMss = 536;
// SYN retransmission: TCP_TIMEOUT_INIT, doubling, tcp_syn_retries = 6.
constexpr int64_t kSynTimeoutMs = 1000;
constexpr int kSynRetries = 6;

}  // namespace

TcpSocket::TcpSocket(SimContext& ctx) : SocketFile(ctx, Kind::kTcpSocket, Family::kTcp) {
  sndbuf_ = ctx.config.tcp_wmem[1];
  rcvbuf_ = ctx.config.tcp_rmem[1];
}

TcpSocket::~TcpSocket() { ReleasePort(); }

const char* TcpSocket::StateName(State s) {
  switch (s) {
    case State::kClose: return "CLOSE";
    case State::kListen: return "LISTEN";
    case State::kSynSent: return "SYN_SENT";
    case State::kEstablished: return "ESTABLISHED";
    case State::kCloseWait: return "CLOSE_WAIT";
    case State::kFinWait: return "FIN_WAIT";
    case State::kLastAck: return "LAST_ACK";
    case State::kTimeWait: return "TIME_WAIT";
  }
  return "?";
}

// ---- readiness -------------------------------------------------------------

bool TcpSocket::Writable() const {
  // sk_stream_wspace(sk) >= sk_stream_min_wspace(sk): free room of at least
  // half of what is queued, i.e. at most two thirds of sndbuf in use.
  const int64_t queued = QueuedPayload() + send_skbs_ * kSkbOverhead;
  return sndbuf_ - queued >= (queued >> 1);
}

uint32_t TcpSocket::Poll() {
  if (state_ == State::kListen) return accept_queue_.empty() ? 0 : (ev::kIn | ev::kRdNorm);
  uint32_t mask = 0;
  if (shutdown_ == kShutdownMask || state_ == State::kClose) mask |= ev::kHup;
  if (shutdown_ & kRcvShutdown) mask |= ev::kIn | ev::kRdNorm | ev::kRdHup;
  if (state_ != State::kSynSent) {
    if (receive_bytes_ > 0) mask |= ev::kIn | ev::kRdNorm;
    if (shutdown_ & kSendShutdown) {
      mask |= ev::kOut | ev::kWrNorm;
    } else if (Writable()) {
      mask |= ev::kOut | ev::kWrNorm;
    } else {
      nospace_ = true;  // tcp_poll arms the write-space wakeup
    }
  }
  if (sk_err_) mask |= ev::kErr;
  return mask;
}

// ---- data path -------------------------------------------------------------

int64_t TcpSocket::ReceiveWindow() const {
  // What the receive queue may hold for a locked rcvbuf: tcp_win_from_space
  // with loopback's skb overhead, measured between 1/2 and 3/4 of rcvbuf.
  return (static_cast<int64_t>(rcvbuf_) * 5) >> 3;
}

SysResult TcpSocket::Write(const uint8_t* data, size_t len) {
  if (state_ != State::kEstablished && state_ != State::kCloseWait) {
    // sk_stream_wait_connect: a pending error first, then EPIPE unless the
    // handshake is still running (nonblocking: EAGAIN).
    if (int32_t e = TakeError()) return SysResult::Fail(e);
    if (state_ == State::kSynSent) return SysResult::Fail(err::kEAGAIN);
    return SysResult::Fail(err::kEPIPE);
  }
  if (sk_err_ || (shutdown_ & kSendShutdown)) {
    const int32_t e = TakeError();
    return SysResult::Fail(e ? e : err::kEPIPE);
  }
  // tcp_xmit_size_goal is bounded by half the peer's largest window.
  int64_t size_goal = kLoopbackMss;
  if (peer_) size_goal = std::max<int64_t>(kMinMss, std::min<int64_t>(size_goal, peer_->ReceiveWindow() / 2));
  size_t copied = 0;
  while (copied < len) {
    const bool tail_has_room = !send_queue_.empty() && (send_queue_.size() > 1 || send_head_offset_ == 0) &&
                               static_cast<int64_t>(send_queue_.back().size()) < size_goal;
    if (!tail_has_room) {
      // A new skb needs sk_stream_memory_free(): wmem_queued < sndbuf.
      if (QueuedPayload() + send_skbs_ * kSkbOverhead >= sndbuf_) {
        nospace_ = true;
        break;
      }
      send_queue_.emplace_back();
      ++send_skbs_;
    }
    std::vector<uint8_t>& tail = send_queue_.back();
    const size_t room = static_cast<size_t>(size_goal) - tail.size();
    const size_t chunk = std::min(room, len - copied);
    tail.insert(tail.end(), data + copied, data + copied + chunk);
    send_bytes_ += chunk;
    write_seq_ += chunk;
    copied += chunk;
    Push();
    if (state_ != State::kEstablished && state_ != State::kCloseWait) break;  // reset meanwhile
  }
  if (copied == 0) return SysResult::Fail(err::kEAGAIN);
  return SysResult::Ok(static_cast<int64_t>(copied));
}

void TcpSocket::Push() {
  if (!peer_) return;
  TcpSocket& peer = *peer_;
  if (send_bytes_ > 0) {
    // Data for a side that closed its receive half and sent its FIN (an
    // orphan, or SHUT_RDWR) is answered with RST (tcp_rcv_state_process).
    if ((peer.state_ == State::kFinWait || peer.orphan_) && (peer.shutdown_ & kRcvShutdown)) {
      peer.SendReset();
      return;
    }
    int64_t window = peer.window_edge_ - peer.rcv_nxt_;
    size_t moved = 0;
    while (send_bytes_ > 0 && window > 0) {
      std::vector<uint8_t>& head = send_queue_.front();
      const size_t available = head.size() - send_head_offset_;
      const size_t n = std::min(available, static_cast<size_t>(window));
      peer.receive_queue_.emplace_back(head.begin() + static_cast<std::ptrdiff_t>(send_head_offset_),
                                       head.begin() + static_cast<std::ptrdiff_t>(send_head_offset_ + n));
      send_head_offset_ += n;
      send_bytes_ -= n;
      moved += n;
      window -= static_cast<int64_t>(n);
      if (send_head_offset_ == head.size()) {
        send_queue_.pop_front();
        send_head_offset_ = 0;
        --send_skbs_;
      }
    }
    if (moved > 0) {
      peer.receive_bytes_ += moved;
      peer.rcv_nxt_ += static_cast<int64_t>(moved);
      snd_una_ += moved;  // loopback ACKs at once
      peer.DataReady();
      OnQueueShrunk();
    }
  }
  if (send_bytes_ == 0 && fin_pending_ && !fin_sent_ && peer_) DeliverFin();
}

void TcpSocket::OnQueueShrunk() {
  // tcp_check_space -> sk_stream_write_space: only a writer that ran out of
  // room (SOCK_NOSPACE) is woken, and only once there is room again.
  if (nospace_ && Writable()) {
    nospace_ = false;
    wait_queue().Wake(ev::kOut | ev::kWrNorm | ev::kWrBand);
  }
}

SysResult TcpSocket::Read(uint8_t* buf, size_t len) {
  if (len == 0) return SysResult::Ok(0);
  if (state_ == State::kListen) return SysResult::Fail(err::kENOTCONN);
  size_t copied = 0;
  while (copied < len && receive_bytes_ > 0) {
    std::vector<uint8_t>& head = receive_queue_.front();
    const size_t n = std::min(head.size() - receive_head_offset_, len - copied);
    std::memcpy(buf + copied, head.data() + receive_head_offset_, n);
    receive_head_offset_ += n;
    receive_bytes_ -= n;
    copied += n;
    if (receive_head_offset_ == head.size()) {
      receive_queue_.pop_front();
      receive_head_offset_ = 0;
    }
  }
  if (copied > 0) {
    CleanupRbuf();
    return SysResult::Ok(static_cast<int64_t>(copied));
  }
  // tcp_recvmsg's order: end of stream seen, then a pending error, then the
  // receive half shut, then never connected.
  if (done_) return SysResult::Ok(0);
  if (int32_t e = TakeError()) return SysResult::Fail(e);
  if (shutdown_ & kRcvShutdown) return SysResult::Ok(0);
  if (state_ == State::kClose) return SysResult::Fail(err::kENOTCONN);
  return SysResult::Fail(err::kEAGAIN);
}

void TcpSocket::CleanupRbuf() {
  // tcp_cleanup_rbuf: advertise a new window once it at least doubles the
  // one the sender still has, and (receiver-side silly window avoidance)
  // once at least half the space is free.
  const int64_t space = ReceiveWindow();
  const int64_t free_space = space - static_cast<int64_t>(receive_bytes_);
  const int64_t window_now = window_edge_ - rcv_nxt_;
  if (free_space >= space / 2 && free_space >= 2 * window_now) {
    window_edge_ = rcv_nxt_ + free_space;
    if (peer_) peer_->Push();
  }
}

// ---- connection end ----------------------------------------------------------

void TcpSocket::DeliverFin() {
  fin_sent_ = true;
  fin_pending_ = false;
  std::shared_ptr<TcpSocket> peer = peer_;
  peer->OnFin();
  // The peer ACKs our FIN at once: a LAST_ACK side is done.
  if (state_ == State::kLastAck) Done();
}

void TcpSocket::OnFin() {
  // tcp_fin: the receive half ends after the data already queued.
  shutdown_ |= kRcvShutdown;
  done_ = true;
  if (state_ == State::kEstablished) {
    state_ = State::kCloseWait;
  } else if (state_ == State::kFinWait) {
    // Both FINs: TIME_WAIT, where the full socket is already closed.
    Done();
    return;
  }
  StateChange();
}

void TcpSocket::SendReset() {
  if (peer_) {
    std::shared_ptr<TcpSocket> peer = peer_;
    peer->OnReset();
  }
}

void TcpSocket::OnReset() {
  // tcp_reset: the errno depends on the state the RST finds us in.
  int32_t e = err::kECONNRESET;
  if (state_ == State::kSynSent) e = err::kECONNREFUSED;
  if (state_ == State::kCloseWait) e = err::kEPIPE;
  if (state_ == State::kClose) return;
  sk_err_ = e;
  // tcp_write_queue_purge: SIOCOUTQ (write_seq - snd_una) keeps its value.
  send_queue_.clear();
  send_head_offset_ = 0;
  send_bytes_ = 0;
  send_skbs_ = 0;
  fin_pending_ = false;
  Done();
  wait_queue().Wake(ev::kErr);  // sk_error_report
}

void TcpSocket::Done() {
  // tcp_done: CLOSE, both halves shut, pollers woken; the peering ends.
  state_ = State::kClose;
  shutdown_ = kShutdownMask;
  StateChange();
  if (peer_) {
    std::shared_ptr<TcpSocket> peer = std::move(peer_);
    if (peer->peer_.get() == this) peer->peer_.reset();
    if (peer->state_ != State::kClose && !peer->fin_sent_ && peer->orphan_) peer->Done();
  }
}

void TcpSocket::SendFinWhenDrained() {
  // tcp_close_state + tcp_send_fin: the FIN queues behind unsent data.
  if (state_ == State::kEstablished) {
    state_ = State::kFinWait;
  } else if (state_ == State::kCloseWait) {
    state_ = State::kLastAck;
  } else {
    return;
  }
  fin_pending_ = true;
  Push();
}

SysResult TcpSocket::Shutdown(int32_t how) {
  if (how < 0 || how > 2) return SysResult::Fail(err::kEINVAL);
  const auto mode = static_cast<uint8_t>(how + 1);
  if (sock_state_ == SockState::kConnecting) {
    sock_state_ = (state_ == State::kSynSent || state_ == State::kClose) ? SockState::kUnconnected
                                                                          : SockState::kConnected;
  }
  SysResult result = SysResult::Ok();
  switch (state_) {
    case State::kListen:
      if (mode & kRcvShutdown) {
        // tcp_disconnect on a listener stops it.
        StopListening();
      }
      break;
    case State::kSynSent:
      Disconnect();
      break;
    case State::kClose:
      result = SysResult::Fail(err::kENOTCONN);
      shutdown_ |= mode;  // inet_shutdown sets the bits anyway ("hack to wake up")
      break;
    default:
      shutdown_ |= mode;
      if (mode & kSendShutdown) SendFinWhenDrained();
      break;
  }
  StateChange();
  return result;
}

void TcpSocket::StopListening() {
  // inet_csk_listen_stop: connections never accepted are reset.
  while (!accept_queue_.empty()) {
    std::shared_ptr<TcpSocket> child = std::move(accept_queue_.front());
    accept_queue_.pop_front();
    child->orphan_ = true;
    child->SendReset();
    child->Done();
  }
  state_ = State::kClose;
  ReleasePort();
}

void TcpSocket::Disconnect() {
  // tcp_disconnect of a socket that never finished connecting: back to fresh.
  state_ = State::kClose;
  sock_state_ = SockState::kUnconnected;
  shutdown_ = 0;
  done_ = false;
  syn_retries_ = 0;
  connect_target_.reset();
}

void TcpSocket::Release() {
  orphan_ = true;
  const bool data_was_unread = receive_bytes_ > 0;
  receive_queue_.clear();
  receive_head_offset_ = 0;
  receive_bytes_ = 0;
  switch (state_) {
    case State::kListen:
      shutdown_ = kShutdownMask;
      StopListening();
      return;
    case State::kSynSent:
      shutdown_ = kShutdownMask;
      Disconnect();
      ReleasePort();
      return;
    case State::kClose:
      shutdown_ = kShutdownMask;
      ReleasePort();
      return;
    default:
      break;
  }
  shutdown_ = kShutdownMask;
  if (data_was_unread) {
    // tcp_close: unread data means the peer gets RST, not FIN.
    SendReset();
    Done();
  } else {
    SendFinWhenDrained();
  }
  ReleasePort();
}

// ---- setup -----------------------------------------------------------------

uint16_t TcpSocket::PickEphemeralPort() {
  const uint32_t low = ctx_.config.ephemeral_low;
  const uint32_t high = ctx_.config.ephemeral_high;
  const uint32_t start = ctx_.rng.Range(low, high);
  for (uint32_t i = 0; i <= high - low; ++i) {
    const auto port = static_cast<uint16_t>(low + (start - low + i) % (high - low + 1));
    if (!ctx_.tcp_ports.count(port)) return port;
  }
  return 0;
}

void TcpSocket::ReleasePort() {
  if (!port_held_) return;
  auto it = ctx_.tcp_ports.find(local_port_);
  if (it != ctx_.tcp_ports.end() && it->second == this) ctx_.tcp_ports.erase(it);
  port_held_ = false;
}

SysResult TcpSocket::Bind(const SockAddr& addr) {
  if (addr.family != Family::kTcp) {
    // A sockaddr_un: too short for sockaddr_in, or the wrong family.
    return SysResult::Fail(addr.name.size() + 3 < 16 ? err::kEINVAL : err::kEAFNOSUPPORT);
  }
  if (local_port_ != 0 || state_ != State::kClose) return SysResult::Fail(err::kEINVAL);
  uint16_t port = addr.port;
  if (port == 0) {
    port = PickEphemeralPort();
    if (port == 0) return SysResult::Fail(err::kEADDRINUSE);
  } else if (ctx_.tcp_ports.count(port)) {
    return SysResult::Fail(err::kEADDRINUSE);
  }
  local_ip_ = addr.ip;
  local_port_ = port;
  port_held_ = true;
  ctx_.tcp_ports[port] = this;
  return SysResult::Ok();
}

SysResult TcpSocket::Listen(int32_t backlog) {
  if (sock_state_ != SockState::kUnconnected) return SysResult::Fail(err::kEINVAL);
  if (state_ != State::kClose && state_ != State::kListen) return SysResult::Fail(err::kEINVAL);
  if (static_cast<uint32_t>(backlog) > static_cast<uint32_t>(ctx_.config.somaxconn)) {
    backlog = ctx_.config.somaxconn;
  }
  if (state_ == State::kClose && local_port_ == 0) {
    const uint16_t port = PickEphemeralPort();
    if (port == 0) return SysResult::Fail(err::kEADDRINUSE);
    local_ip_ = 0;
    local_port_ = port;
    port_held_ = true;
    ctx_.tcp_ports[port] = this;
  }
  max_ack_backlog_ = backlog;
  state_ = State::kListen;
  shutdown_ = 0;
  return SysResult::Ok();
}

SysResult TcpSocket::Connect(const SockAddr& addr) {
  if (addr.family != Family::kTcp) {
    return SysResult::Fail(addr.name.size() + 3 < 16 ? err::kEINVAL : err::kEAFNOSUPPORT);
  }
  switch (sock_state_) {
    case SockState::kConnected:
      return SysResult::Fail(err::kEISCONN);
    case SockState::kConnecting:
      if (state_ == State::kSynSent) return SysResult::Fail(err::kEALREADY);
      if (state_ == State::kClose) {
        // Refused or reset while connecting: report it once, then start over.
        const int32_t e = TakeError();
        Disconnect();
        return SysResult::Fail(e ? e : err::kECONNABORTED);
      }
      sock_state_ = SockState::kConnected;
      return SysResult::Ok();
    case SockState::kUnconnected:
      break;
  }
  if (state_ != State::kClose) return SysResult::Fail(err::kEISCONN);
  if (local_port_ == 0) {
    const uint16_t port = PickEphemeralPort();
    if (port == 0) return SysResult::Fail(err::kEADDRNOTAVAIL);
    local_ip_ = addr.ip;
    local_port_ = port;
    port_held_ = true;
    ctx_.tcp_ports[port] = this;
  } else if (local_ip_ == 0) {
    local_ip_ = addr.ip;
  }
  remote_ip_ = addr.ip;
  remote_port_ = addr.port;
  state_ = State::kSynSent;
  sock_state_ = SockState::kConnecting;
  shutdown_ = 0;
  if (!TryHandshake()) ScheduleSynRetransmit();
  // Loopback runs the handshake (or the RST) before connect() returns, but
  // a nonblocking connect still answers EINPROGRESS.
  return SysResult::Fail(err::kEINPROGRESS);
}

bool TcpSocket::TryHandshake() {
  auto found = ctx_.tcp_ports.find(remote_port_);
  TcpSocket* listener = found == ctx_.tcp_ports.end() ? nullptr : found->second;
  if (listener == nullptr || listener->state_ != State::kListen ||
      (listener->local_ip_ != 0 && listener->local_ip_ != remote_ip_)) {
    OnReset();  // RST in SYN_SENT: ECONNREFUSED
    return true;
  }
  // sk_acceptq_is_full: strictly more than the backlog waiting; the SYN is dropped.
  if (static_cast<int64_t>(listener->accept_queue_.size()) > listener->max_ack_backlog_) return false;
  auto child = std::make_shared<TcpSocket>(ctx_);
  // sk_clone: the child inherits the listener's buffers, locks and options.
  child->sndbuf_ = listener->sndbuf_;
  child->rcvbuf_ = listener->rcvbuf_;
  child->sndbuf_locked_ = listener->sndbuf_locked_;
  child->rcvbuf_locked_ = listener->rcvbuf_locked_;
  child->nodelay_ = listener->nodelay_;
  child->local_ip_ = remote_ip_;
  child->local_port_ = remote_port_;
  child->remote_ip_ = local_ip_;
  child->remote_port_ = local_port_;
  child->sock_state_ = SockState::kConnected;
  child->Establish(Self());
  Establish(child);
  listener->accept_queue_.push_back(child);
  listener->DataReady();
  StateChange();  // tcp_finish_connect wakes the connecting socket
  return true;
}

void TcpSocket::Establish(const std::shared_ptr<TcpSocket>& peer) {
  peer_ = peer;
  state_ = State::kEstablished;
  // tcp_init_buffer_space -> tcp_sndbuf_expand, unless SO_SNDBUF locked it.
  if (!sndbuf_locked_) sndbuf_ = ctx_.config.tcp_sndbuf_established;
  window_edge_ = rcv_nxt_ + ReceiveWindow();
}

void TcpSocket::ScheduleSynRetransmit() {
  const int64_t delay = kSynTimeoutMs << syn_retries_;
  std::weak_ptr<TcpSocket> weak = Self();
  ctx_.Schedule(ctx_.now_ms + delay, [weak]() {
    std::shared_ptr<TcpSocket> self = weak.lock();
    if (!self || self->state_ != State::kSynSent) return;
    if (self->TryHandshake()) return;
    if (++self->syn_retries_ > kSynRetries) {
      self->sk_err_ = err::kETIMEDOUT;
      self->Done();
      self->wait_queue().Wake(ev::kErr);
      return;
    }
    self->ScheduleSynRetransmit();
  });
}

SysResult TcpSocket::Accept(std::shared_ptr<SocketFile>* out) {
  if (state_ != State::kListen) return SysResult::Fail(err::kEINVAL);
  if (accept_queue_.empty()) return SysResult::Fail(err::kEAGAIN);
  *out = std::move(accept_queue_.front());
  accept_queue_.pop_front();
  return SysResult::Ok();
}

SysResult TcpSocket::GetSockName(std::string* out) {
  SockAddr addr;
  addr.family = Family::kTcp;
  addr.ip = local_ip_;
  addr.port = local_port_;
  *out = addr.ToString();
  return SysResult::Ok();
}

SysResult TcpSocket::Ioctl(IoctlRequest request) {
  if (state_ == State::kListen) return SysResult::Fail(err::kEINVAL);
  if (request == IoctlRequest::kInq) return SysResult::Ok(static_cast<int64_t>(receive_bytes_));
  if (state_ == State::kSynSent) return SysResult::Ok(0);
  return SysResult::Ok(static_cast<int64_t>(write_seq_ - snd_una_));
}

void TcpSocket::WriteSpace() {
  // sk_stream_write_space after SO_SNDBUF: wakes a writer that ran out of room.
  OnQueueShrunk();
}

SysResult TcpSocket::SetNoDelay(int32_t value) {
  nodelay_ = value != 0;
  return SysResult::Ok();
}

void TcpSocket::Describe(JsonWriter& json) const {
  json.FieldString("type", "tcp");
  json.FieldString("state", StateName(state_));
  SockAddr local;
  local.family = Family::kTcp;
  local.ip = local_ip_;
  local.port = local_port_;
  json.FieldString("local", local.ToString());
  DescribeCommon(json);
  json.Field("sendQueueBytes", send_bytes_);
  json.Field("wmemQueued", QueuedPayload() + send_skbs_ * kSkbOverhead);
  json.Field("recvQueueBytes", receive_bytes_);
  json.Field("window", window_edge_ - rcv_nxt_);
  json.FieldBool("nospace", nospace_);
  json.FieldBool("orphan", orphan_);
  json.Field("pendingConnections", accept_queue_.size());
}

}  // namespace edgeloop
