#include "tcp_socket.h"

#include <algorithm>
#include <cstring>

#include "jiffies.h"

namespace edgeloop {

namespace {

constexpr int64_t kSkbOverhead = TcpRcvWindow::kSkbOverhead;
// sk_gso_max_size: loopback's 64 KiB GSO limit less MAX_TCP_HEADER + 1.
constexpr int64_t kGsoMaxSize = 65536 - 321;
constexpr int64_t kTcpMssDefault = 536;
// A coalesced skb holds at most MAX_SKB_FRAGS page fragments; senders copy
// payload into 32 KiB page_frag pages.
constexpr int64_t kMaxSkbFrags = 17;
constexpr int64_t kPageFragSize = 32768;
// tcp_sendmsg_locked runs the backlog after every 16 new skbs.
constexpr int kBacklogFlushSkbs = 16;
// SYN retransmission: TCP_TIMEOUT_INIT, doubling, tcp_syn_retries = 6.
constexpr int64_t kSynTimeoutMs = 1000;
constexpr int kSynRetries = 6;
// The persist timer: TCP_RTO_MIN bounds its base from below, TCP_RTO_MAX its
// backoff from above; icsk_backoff stops growing at tcp_retries2, which also
// bounds the unanswered probes (tcp_orphan_retries: 8 for an orphan).
constexpr int64_t kRtoMinMs = 200;
constexpr int64_t kRtoMaxMs = 120000;
constexpr int kTcpRetries2 = 15;
constexpr int kOrphanRetries = 8;
// tcp_invalid_ratelimit (HZ/2).
constexpr int64_t kInvalidRatelimitMs = 500;

// The simulated host's only interface is lo (127.0.0.1/8), so the address
// rules are those of such a host (inet_addr_type over its local table).
constexpr uint32_t kLoopbackIp = 0x7f000001;  // 127.0.0.1: lo's preferred source
constexpr uint32_t kLoopbackBroadcast = 0x7fffffff;
constexpr uint32_t kLimitedBroadcast = 0xffffffff;
bool IsLoopback(uint32_t ip) { return (ip >> 24) == 127; }
bool IsMulticast(uint32_t ip) { return (ip >> 28) == 0xe; }

// `base` doubled `backoff` times, at most TCP_RTO_MAX.
int64_t BackedOff(int64_t base, int backoff) {
  int64_t when = base;
  for (int i = 0; i < backoff && when < kRtoMaxMs; ++i) when <<= 1;
  return std::min(when, kRtoMaxMs);
}

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
    case State::kFinWait1: return "FIN_WAIT1";
    case State::kFinWait2: return "FIN_WAIT2";
    case State::kClosing: return "CLOSING";
    case State::kLastAck: return "LAST_ACK";
  }
  return "?";
}

bool TcpSocket::Synchronized() const {
  switch (state_) {
    case State::kEstablished:
    case State::kCloseWait:
    case State::kFinWait1:
    case State::kFinWait2:
    case State::kClosing:
    case State::kLastAck:
      return true;
    default:
      return false;
  }
}

// ---- readiness -------------------------------------------------------------

int64_t TcpSocket::WmemQueued() const {
  // sk_wmem_queued: every skb's truesize, payload plus its fixed overhead.
  // The queue holds one contiguous run of sequence space.
  if (write_queue_.empty()) return 0;
  const auto payload = static_cast<int64_t>(write_queue_.back().end() - write_queue_.front().seq);
  return payload + static_cast<int64_t>(write_queue_.size()) * kSkbOverhead;
}

size_t TcpSocket::SendHead() const {
  // tcp_send_head: the first skb not yet sent (skbs are split at snd_nxt).
  auto it = std::partition_point(write_queue_.begin(), write_queue_.end(),
                                 [this](const TxSkb& skb) { return skb.seq < snd_nxt_; });
  return static_cast<size_t>(it - write_queue_.begin());
}

bool TcpSocket::Writable() const {
  // sk_stream_wspace(sk) >= sk_stream_min_wspace(sk) && sk_stream_memory_free:
  // free room of at least half of what is queued, i.e. at most two thirds
  // of sndbuf in use (unsent and unacknowledged alike).
  const int64_t queued = WmemQueued();
  return sndbuf_ - queued >= (queued >> 1) && queued < sndbuf_;
}

int64_t TcpSocket::WritableUpTo() const {
  // The rule above solved for the queue: sndbuf - q >= q / 2 holds up to
  // about two thirds of sndbuf; step down over the rounding.
  int64_t q = (2 * static_cast<int64_t>(sndbuf_)) / 3 + 1;
  while (q > 0 && !(sndbuf_ - q >= (q >> 1) && q < sndbuf_)) --q;
  return q;
}

void TcpSocket::DescribeBrief(JsonWriter& json) const {
  // Describe()'s fields a gauge draws: the buffers, the writability rule,
  // the receive queue and the send sequence.
  json.FieldString("type", "tcp");
  json.FieldString("state", StateName(state_));
  json.Field("sndbuf", sndbuf_);
  json.Field("rcvbuf", rcvbuf_);
  json.Field("charged", WmemQueued());
  json.FieldBool("writable", Writable());
  json.Field("writableUpTo", WritableUpTo());
  json.Field("recvQueueBytes", receive_bytes_);
  // What SIOCOUTQ answers (SIOCINQ is recvQueueBytes); a listener answers EINVAL to both.
  if (state_ != State::kListen) json.Field("outq", OutQ());
  json.Field("writeSeq", static_cast<int64_t>(write_seq_));
  json.Field("sndUna", static_cast<int64_t>(snd_una_));
  json.Field("sndNxt", static_cast<int64_t>(snd_nxt_));
  json.Field("sndWndEdge", static_cast<int64_t>(snd_wnd_edge_));
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

// ---- the socket lock and the wire --------------------------------------------

void TcpSocket::Transmit(Segment seg) {
  if (!peer_) return;
  // tcp_options_write: a pending D-SACK leaves with this segment, whatever it is.
  if (dsack_pending_) seg.dsack_len = dsack_len_;
  dsack_pending_ = false;
  seg.ts_val = ctx_.now_ms;
  seg.ts_ecr = ts_recent_;
  std::weak_ptr<TcpSocket> to = peer_;
  seg.from = Self();
  ctx_.Loopback([to, seg]() {
    if (std::shared_ptr<TcpSocket> target = to.lock()) target->Receive(seg);
  });
}

void TcpSocket::Receive(Segment seg) {
  // tcp_v4_rcv: a socket its owner holds gets the segment in its backlog.
  if (owned_) {
    // tcp_add_backlog: first try to merge it into the backlog's tail.
    if (BacklogCoalesce(seg)) return;
    // sk_add_backlog: sk_backlog.len counts its truesize until the whole
    // backlog has been processed, and tcp_space() leaves it out meanwhile.
    rcv_.AddBacklog(static_cast<int64_t>(seg.data.size()) + kSkbOverhead);
    backlog_.push_back(std::move(seg));
    return;
  }
  ProcessSegment(seg);
}

void TcpSocket::ReleaseSock() {
  // __release_sock: the owner runs the backlog, still owning the socket, so
  // what arrives meanwhile queues behind it.
  std::shared_ptr<TcpSocket> keep = Self();
  RunBacklog();
  rcv_.ClearBacklog();
  // tcp_release_cb runs still owning the socket, but with bottom halves
  // off (spin_lock_bh): what its ACK sets off on loopback (the peer's
  // answer, its data) is processed at spin_unlock_bh, after
  // sock_release_ownership, so it reaches this socket directly, not its
  // backlog. The sim delivers at once: ownership ends first.
  owned_ = false;
  ReleaseCb();
}

void TcpSocket::RunBacklog() {
  // __release_sock takes the whole backlog at once and processes it; what
  // arrives meanwhile starts a new one (which tcp_add_backlog may merge
  // into, but never into the batch being processed).
  while (!backlog_.empty()) {
    std::deque<Segment> batch;
    batch.swap(backlog_);
    for (Segment& seg : batch) ProcessSegment(seg);
  }
}

void TcpSocket::ReleaseCb() {
  // tcp_release_cb: an ACK deferred while the backlog ran goes out now, if
  // nothing sent meanwhile carried it.
  if (!ack_deferred_) return;
  ack_deferred_ = false;
  if (rcv_.ack_pending() && Synchronized()) SendAck();
}

void TcpSocket::ProcessSegment(const Segment& seg) {
  if (seg.rst) {
    OnReset();
    return;
  }
  if (!Synchronized()) {
    // A closed connection answers data (or a FIN) with RST.
    if (state_ == State::kClose && (!seg.data.empty() || seg.fin)) {
      if (std::shared_ptr<TcpSocket> from = seg.from.lock()) {
        Segment rst;
        rst.rst = true;
        std::weak_ptr<TcpSocket> to = from;
        ctx_.Loopback([to, rst]() {
          if (std::shared_ptr<TcpSocket> target = to.lock()) target->Receive(rst);
        });
      }
    }
    return;
  }
  if (time_wait_) {
    TimeWaitSegment(seg);
    return;
  }
  if (seg.probe) {
    OnWindowProbe();
    return;
  }
  // tcp_replace_ts_recent (tcp_add_backlog.cc), then tcp_rcv_rtt_measure_ts
  // before the data is queued.
  ReplaceTsRecent(seg);
  rcv_.RcvRttMeasureTs(static_cast<int64_t>(seg.data.size()), seg.ts_ecr, ctx_.now_ms);
  // tcp_rcv_established's fast path: predicted data that acknowledges
  // nothing new gets neither tcp_ack nor tcp_data_snd_check (so no
  // tcp_check_space either) (tcp_rcv_established.cc).
  const bool predicted = FastPathData(seg) && seg.ack == snd_una_;
  if (!predicted) OnAck(seg.ack, seg.window_edge, seg.dsack_len, seg.ts_ecr);
  if (orphan_ && state_ == State::kFinWait2 && !owned_ && !seg.fin && (seg.data.empty() || seg.retransmit)) {
    // tcp_rcv_state_process: an orphan whose FIN this ACK acknowledged
    // becomes a TIME_WAIT mini-socket (tcp_time_wait.cc), unless a FIN or
    // new data came with it or the owner holds the socket.
    TimeWait();
    return;
  }
  if (seg.retransmit) {
    // tcp_data_queue: "a retransmit": data we have. A D-SACK, quickack
    // mode (tcp_enter_quickack_mode), and an ACK at once.
    rcv_.OnDuplicateData();
    DsackSet(static_cast<int64_t>(seg.data.size()) + (seg.fin ? 1 : 0));  // a FIN takes a sequence number
    if (state_ == State::kClose) return;
    DataSndCheck();
    AckSndCheck();
    return;
  }
  // tcp_data_queue starts by forgetting a D-SACK not yet sent: only the
  // latest duplicate is reported.
  if (!seg.data.empty() || seg.fin) dsack_pending_ = false;
  if (!seg.data.empty()) {
    if ((state_ == State::kFinWait1 || state_ == State::kFinWait2) && (shutdown_ & kRcvShutdown)) {
      // tcp_rcv_state_process: data for a receive half we closed. RFC 1122
      // says we MUST reset; both ends get it.
      SendReset();
      OnReset();
      return;
    }
    // After the peer's FIN (CLOSE_WAIT, CLOSING, LAST_ACK) new data is dropped.
    if (state_ == State::kEstablished || state_ == State::kFinWait1 || state_ == State::kFinWait2) {
      QueueData(seg);
      FastPathCheck();  // tcp_data_queue, after queueing in order
    }
  }
  if (seg.fin) OnFin();
  // tcp_rcv_established / tcp_rcv_state_process: after the segment's text
  // (and FIN) is taken, tcp_data_snd_check sends what the ACK allowed, so
  // that data carries the ACK of what just arrived; then tcp_ack_snd_check.
  if (state_ == State::kClose) return;
  if (!predicted) DataSndCheck();
  if (!seg.data.empty() || seg.fin) AckSndCheck();
}

void TcpSocket::DataSndCheck() {
  // tcp_data_snd_check: tcp_push_pending_frames, then tcp_check_space
  // (tcp_sndbuf_expand.cc), whether or not the ACK freed anything (Linux
  // dropped SOCK_QUEUE_SHRUNK). The fast path's data that acknowledges
  // nothing skips the whole call (the caller).
  XmitPending(false, false);
  CheckSpace();
}

// ---- send side -------------------------------------------------------------

int64_t TcpSocket::BoundToHalfWindow(int64_t size) const {
  // tcp_bound_to_half_wnd: never more than half the largest window seen.
  const int64_t cutoff = max_window_ > kTcpMssDefault ? (max_window_ >> 1) : max_window_;
  if (cutoff && size > cutoff) return std::max<int64_t>(cutoff, 68 - 32);
  return size;
}

int64_t TcpSocket::SizeGoal(int64_t mss_now) const {
  // tcp_xmit_size_goal: whole MSS-sized segments up to the GSO limit and
  // half the largest window, at least one MSS.
  const int64_t goal = BoundToHalfWindow(kGsoMaxSize);
  const int64_t segs = std::max<int64_t>(1, goal / mss_now);
  return std::max(segs * mss_now, mss_now);
}

void TcpSocket::OnWindowUpdate(uint64_t edge, uint64_t ack) {
  // tcp_ack_update_window: a larger window than ever also grows the MSS
  // (tcp_sync_mss bounds it by half the largest window).
  if (edge >= ack && static_cast<int64_t>(edge - ack) != snd_wnd_) {
    // A new snd_wnd: header prediction is re-armed with it, if it may be
    // (tcp_rcv_established.cc).
    snd_wnd_ = static_cast<int64_t>(edge - ack);
    pred_flags_ = false;
    FastPathCheck();
  }
  if (edge > snd_wnd_edge_) snd_wnd_edge_ = edge;
  const int64_t window = static_cast<int64_t>(snd_wnd_edge_ - ack);
  if (window > max_window_) {
    max_window_ = window;
    mss_cache_ = std::min<int64_t>(TcpRcvWindow::kAdvMss, BoundToHalfWindow(TcpRcvWindow::kAdvMss));
  }
}

void TcpSocket::SplitSkb(size_t index, size_t at) {
  // tso_fragment / tcp_fragment: the part beyond `at` becomes an skb of its
  // own, with its own truesize overhead.
  TxSkb rest;
  rest.seq = write_queue_[index].seq + at;
  rest.data.assign(write_queue_[index].data.begin() + static_cast<std::ptrdiff_t>(at), write_queue_[index].data.end());
  // PSH (like FIN) stays with the end of the data.
  rest.psh = write_queue_[index].psh;
  write_queue_[index].psh = false;
  rest.fin = write_queue_[index].fin;
  write_queue_[index].fin = false;
  write_queue_[index].data.resize(at);
  write_queue_.insert(write_queue_.begin() + static_cast<std::ptrdiff_t>(index) + 1, std::move(rest));
}

bool TcpSocket::NagleCheck(bool partial, bool push) const {
  // tcp_nagle_check: a short segment waits while an earlier short one
  // (Minshall) is unacknowledged, unless TCP_NODELAY or a push.
  const bool minshall = snd_sml_ > snd_una_ && snd_sml_ <= snd_nxt_;
  return partial && !push && !nodelay_ && packets_out_ > 0 && minshall;
}

void TcpSocket::GrowSkb(size_t index, int64_t amount) {
  // tcp_grow_skb: the head of the unsent queue takes payload from the one
  // skb behind it (freed once empty: tcp_eat_one_skb), before any window
  // test. Only that one: a head the window then holds back grows by one
  // neighbour per tcp_write_xmit.
  if (amount <= 0 || index + 1 >= write_queue_.size()) return;
  TxSkb& skb = write_queue_[index];
  TxSkb& next = write_queue_[index + 1];
  const auto n = static_cast<size_t>(std::min<int64_t>(amount, static_cast<int64_t>(next.data.size())));
  skb.data.insert(skb.data.end(), next.data.begin(), next.data.begin() + static_cast<std::ptrdiff_t>(n));
  next.data.erase(next.data.begin(), next.data.begin() + static_cast<std::ptrdiff_t>(n));
  next.seq += n;
  if (!next.data.empty()) return;
  skb.psh = skb.psh || next.psh;  // tcp_eat_one_skb takes its flags (and a FIN)
  skb.fin = skb.fin || next.fin;
  write_queue_.erase(write_queue_.begin() + static_cast<std::ptrdiff_t>(index) + 1);
}

void TcpSocket::XmitPending(bool push, bool push_one, int64_t mss_now) {
  // tcp_write_xmit: send what the congestion window, the peer's window and
  // Nagle allow, one GSO skb at a time.
  if (!peer_ || !Synchronized()) return;
  if (mss_now == 0) mss_now = CurrentMss();
  const int64_t max_segs = TcpBbr::TsoSegsGoal(mss_cache_);
  bool sent_any = false;
  while (snd_nxt_ < DataEnd()) {
    const size_t i = SendHead();
    if (i == write_queue_.size()) break;
    // tcp_cwnd_test: what the cwnd leaves, at most half of it (so at least
    // two GSO skbs are in flight); this also bounds how far tcp_grow_skb
    // merges the send head.
    const int64_t cwnd = bbr_.cwnd();
    if (packets_out_ >= cwnd) break;
    const int64_t half_cwnd = std::max<int64_t>(cwnd >> 1, 1);
    const int64_t quota = std::min({half_cwnd, cwnd - packets_out_, max_segs});
    const int64_t missing = quota * mss_now - static_cast<int64_t>(write_queue_[i].data.size());
    if (missing > 0) GrowSkb(i, missing);
    const auto skb_len = static_cast<int64_t>(write_queue_[i].data.size());
    const int64_t tso_segs = (skb_len + mss_now - 1) / mss_now;
    // tcp_snd_wnd_test: the skb's first MSS must fit the window (all of
    // it, FIN included, when it is one MSS or less).
    const uint64_t wnd_end = skb_len > mss_now ? snd_nxt_ + static_cast<uint64_t>(mss_now) : write_queue_[i].end_seq();
    if (wnd_end > snd_wnd_edge_) break;
    // The last skb waits for more data under Nagle; one carrying the FIN never does.
    const bool is_tail = i + 1 == write_queue_.size() && !fin_queued_;
    if (tso_segs == 1 && NagleCheck(skb_len < mss_now, push || !is_tail)) break;
    // tcp_mss_split_point: what the window and the quota take, whole MSS
    // only when Nagle would hold the rest. (tcp_tso_should_defer, which
    // depends on sub-millisecond timing, is not modelled.)
    int64_t limit = mss_now;
    if (tso_segs > 1) {
      const auto window = static_cast<int64_t>(snd_wnd_edge_ - snd_nxt_);
      const int64_t max_len = mss_now * quota;
      if (max_len <= window && !is_tail) {
        limit = max_len;
      } else {
        const int64_t needed = std::min(skb_len, window);
        if (max_len <= needed) {
          limit = max_len;
        } else {
          const int64_t partial = needed % mss_now;
          limit = NagleCheck(partial != 0, push) ? needed - partial : needed;
        }
      }
    }
    if (limit <= 0) break;
    if (limit < skb_len) SplitSkb(i, static_cast<size_t>(limit));
    const int64_t sent = std::min(limit, skb_len);
    SendSkb(i, mss_now);
    sent_any = true;
    if (sent % mss_now) snd_sml_ = snd_nxt_;  // tcp_minshall_update
    if (push_one) break;
  }
  // tcp_write_xmit: "send one loss probe per tail loss episode".
  if (sent_any) ScheduleLossProbe(false);
  if (push_one) return;
  // __tcp_push_pending_frames: nothing sent, nothing in flight to bring an
  // ACK, and data waiting: only the persist timer can move it now (the
  // window is too small for it; Nagle never holds with nothing in flight).
  // tcp_push_one does not look.
  if (!sent_any && !push_one && packets_out_ == 0 && SendHead() < write_queue_.size()) CheckProbeTimer();
  if (FinHeld()) {
    // tcp_snd_wnd_test on the FIN's skb: its sequence number must fit the
    // window too. A zero window holds it, and the persist timer probes, as
    // for data (Linux never sends a FIN past the peer's window). And
    // tcp_cwnd_test, as for data: since Linux 6.10 a FIN has no exception
    // from the congestion window (tcp_send_fin.cc).
    if (FinFitsWindow() && packets_out_ < bbr_.cwnd()) {
      SendFin();
      ScheduleLossProbe(false);  // tcp_write_xmit sent a packet: the FIN's skb
    } else if (!push_one && packets_out_ == 0) {
      CheckProbeTimer();
    }
  }
}

void TcpSocket::MarkPushTail() {
  // tcp_push -> tcp_mark_push on the write queue's tail, if anything is
  // unsent (sent skbs have left the write queue for the rtx queue).
  if (write_queue_.empty() || write_queue_.back().seq < snd_nxt_) return;
  write_queue_.back().psh = true;
  pushed_seq_ = write_seq_;
}

void TcpSocket::TransmitWithAck(Segment seg) {
  // tcp_transmit_skb: every segment carries our ACK and window, so it is the
  // ACK a pending delayed ACK would have sent.
  seg.ack = rcv_.rcv_nxt();
  seg.window_edge = rcv_.AckSent();
  // tcp_select_window: advertising a zero window turns header prediction off.
  if (seg.window_edge <= seg.ack) pred_flags_ = false;
  delack_armed_ = false;
  ++delack_gen_;
  XmitOnLoopback(std::move(seg));
}

void TcpSocket::SendSkb(size_t index, int64_t mss_now) {
  // tcp_transmit_skb of the send head, then tcp_event_new_data_sent: it is
  // in flight now, and the RTO timer (not modelled) replaces a persist timer.
  const auto sent = static_cast<int64_t>(write_queue_[index].data.size());
  Segment seg;
  seg.cloned = true;
  seg.data = write_queue_[index].data;
  seg.gso_size = sent > mss_now ? mss_now : 0;
  seg.psh = write_queue_[index].psh;
  seg.seq = write_queue_[index].seq;
  seg.frags = FragsOf(seg.seq, write_queue_[index].end());
  snd_nxt_ += static_cast<uint64_t>(sent);
  if (write_queue_[index].fin) {
    seg.fin = true;  // the FIN leaves with the last of the data
    fin_sent_ = true;
    snd_nxt_ = fin_seq_ + 1;
  }
  write_queue_[index].pcount = (sent + mss_now - 1) / mss_now;
  write_queue_[index].sent_ms = ctx_.now_ms;
  packets_out_ += write_queue_[index].pcount;
  ClearProbeTimer();
  // __tcp_transmit_skb: tcp_event_data_sent runs before the segment leaves
  // (and loopback delivers it at once).
  rcv_.OnDataSent(ctx_.now_ms);
  TransmitWithAck(std::move(seg));
  CheckSpace();  // tcp_event_new_data_sent (tcp_sndbuf_expand.cc)
}

void TcpSocket::OnAck(uint64_t ack, uint64_t edge, int64_t dsack_len, int64_t ts_ecr) {
  // tcp_ack: free what is acknowledged (tcp_clean_rtx_queue) and take the
  // new window; the caller sends what it allows (tcp_data_snd_check).
  const int64_t prior_packets = packets_out_;
  // tcp_sacktag_write_queue runs first: a D-SACK's duplicated segments
  // count as delivered, for tcp_cong_control, while packets are in flight.
  const int64_t sack_delivered = prior_packets > 0 ? DsackSeen(dsack_len) : 0;
  // tcp_ack_update_window runs before tcp_clean_rtx_queue and
  // tcp_cong_control: an ACK that brings a larger window than ever has
  // grown mss_cache (tcp_sync_mss) by the time BBR sizes its target with
  // it (bbr_tso_segs_goal; seed 2113). A partly acknowledged skb keeps the
  // MSS it was cut with (tcp_trim_head: tcp_skb_mss).
  const int64_t sent_mss = mss_cache_;
  OnWindowUpdate(edge, std::max(ack, snd_una_));
  if (ack > snd_una_) {
    RttSample(ack, ts_ecr);
    int64_t acked = 0;
    while (!write_queue_.empty() && write_queue_.front().end() <= ack) {
      acked += write_queue_.front().pcount;
      write_queue_.pop_front();
    }
    acked += FinSkbAcked(ack);  // a FIN of its own is one packet (tcp_send_fin.cc)
    if (!write_queue_.empty() && write_queue_.front().seq < ack) {
      // tcp_tso_acked: a partly acknowledged skb is trimmed.
      TxSkb& head = write_queue_.front();
      head.data.erase(head.data.begin(), head.data.begin() + static_cast<std::ptrdiff_t>(ack - head.seq));
      head.seq = ack;
      const int64_t left = (static_cast<int64_t>(head.data.size()) + sent_mss - 1) / sent_mss;
      if (head.pcount > left) {
        acked += head.pcount - left;
        head.pcount = left;
      }
    }
    packets_out_ = std::max<int64_t>(0, packets_out_ - acked);
    bbr_.OnAck(acked + sack_delivered, mss_cache_);  // tcp_cong_control
    snd_una_ = ack;
    // tcp_ack_update_rtt: a valid RTT sample (new data acknowledged; loopback
    // retransmits none) resets the backoff (RFC 6298).
    backoff_ = 0;
    if (tlp_high_seq_ != 0 && ack >= tlp_high_seq_) tlp_high_seq_ = 0;  // tcp_process_tlp_ack
    // tcp_set_xmit_timer: the loss probe again while data is in flight.
    ScheduleLossProbe(true);
    if (fin_sent_ && ack > fin_seq_) OnFinAcked();
  } else if (sack_delivered > 0) {
    bbr_.OnAck(sack_delivered, mss_cache_);  // a duplicate ACK that only D-SACKs
  }
  probes_out_ = 0;  // the peer answered
  // Nothing was in flight: the ACK may open the window a probe waits for.
  if (prior_packets == 0 && Synchronized()) AckProbe();
}

// ---- the persist timer ---------------------------------------------------------

int64_t TcpSocket::ProbeBaseMs() const {
  return std::max<int64_t>(ctx_.config.tcp_rto_ms, kRtoMinMs);
}

int64_t TcpSocket::ProbeWhenMs() const { return BackedOff(ProbeBaseMs(), backoff_); }

void TcpSocket::CheckProbeTimer() {
  // tcp_check_probe_timer: armed once, from the base, while nothing is in
  // flight; a pending timer keeps its time.
  if (packets_out_ == 0 && !probe_armed_) ResetProbeTimer(ProbeBaseMs());
}

void TcpSocket::ResetProbeTimer(int64_t delay_ms) {
  probe_armed_ = true;
  probe_at_ = ctx_.now_ms + delay_ms;
  const uint64_t gen = ++probe_gen_;
  std::weak_ptr<TcpSocket> weak = Self();
  ctx_.Schedule(probe_at_, [weak, gen]() {
    std::shared_ptr<TcpSocket> self = weak.lock();
    if (!self) return;
    // Timers run in softirq context: what they send is delivered after them.
    self->ctx_.Loopback([self, gen]() {
      if (gen != self->probe_gen_ || !self->probe_armed_) return;
      self->probe_armed_ = false;
      if (!self->Synchronized() || !self->peer_) return;
      self->OnProbeTimer();
    });
  });
}

void TcpSocket::ClearProbeTimer() {
  if (!probe_armed_) return;
  probe_armed_ = false;
  ++probe_gen_;
}

void TcpSocket::AckProbe() {
  // tcp_ack_probe: a window the whole send head fits ends the probing (the
  // data goes out from tcp_data_snd_check); otherwise the timer restarts
  // with the current backoff.
  const size_t head = SendHead();
  if (head == write_queue_.size() && !FinHeld()) return;
  const bool fits = head == write_queue_.size() ? FinFitsWindow() : write_queue_[head].end_seq() <= snd_wnd_edge_;
  if (fits) {
    backoff_ = 0;
    ClearProbeTimer();
  } else {
    ResetProbeTimer(ProbeWhenMs());
  }
}

void TcpSocket::OnProbeTimer() {
  // tcp_probe_timer: stand down if something is in flight (its ACK will
  // restart things) or nothing waits.
  if (packets_out_ > 0 || !SendPending()) {
    probes_out_ = 0;
    return;
  }
  // RFC 1122 4.2.2.17: probe for as long as the peer answers; every ACK
  // resets probes_out. Unanswered, give up after tcp_retries2 probes; an
  // orphan gives up sooner (tcp_orphan_retries), and at once when its
  // backoff has reached TCP_RTO_MAX.
  int max_probes = kTcpRetries2;
  if (orphan_) {
    // inet_csk_rto_backoff: is the backed-off RTO still below TCP_RTO_MAX?
    const bool alive = BackedOff(ctx_.config.tcp_rto_ms, backoff_) < kRtoMaxMs;
    max_probes = alive ? kOrphanRetries : 0;
    if (!alive && backoff_ >= max_probes) {
      WriteErr();
      return;
    }
  }
  if (probes_out_ >= max_probes) {
    WriteErr();
    return;
  }
  SendProbe0();
}

void TcpSocket::SendProbe0() {
  // tcp_send_probe0: if data went out, its ACK takes over and the backoff
  // starts again; otherwise back off and probe again.
  WriteWakeup();
  if (packets_out_ > 0 || !SendPending()) {
    probes_out_ = 0;
    backoff_ = 0;
    return;
  }
  ++probes_out_;
  if (backoff_ < kTcpRetries2) ++backoff_;
  ResetProbeTimer(ProbeWhenMs());
}

void TcpSocket::WriteWakeup() {
  // tcp_write_wakeup: some of the window open (too little for the sender's
  // own rules): send what fits, at most one MSS, cut from the send head
  // (tcp_fragment). A zero window: a probe that only draws an ACK.
  const int64_t mss_now = CurrentMss();
  const size_t i = SendHead();
  if (i < write_queue_.size() && write_queue_[i].seq < snd_wnd_edge_) {
    TxSkb& skb = write_queue_[i];
    if (pushed_seq_ < skb.end()) pushed_seq_ = skb.end();
    const auto len = static_cast<int64_t>(skb.data.size());
    int64_t seg_size = static_cast<int64_t>(snd_wnd_edge_ - skb.seq);
    // The probe's data carries PSH, both parts of a split skb too.
    write_queue_[i].psh = true;
    if (seg_size < len + (skb.fin ? 1 : 0) || len > mss_now) {
      seg_size = std::min(seg_size, mss_now);
      if (seg_size < len) {
        SplitSkb(i, static_cast<size_t>(seg_size));
        write_queue_[i].psh = true;
      } else {
        // The data fits and its FIN does not: tcp_fragment leaves the FIN
        // on an empty skb of its own, which waits for the window.
        write_queue_[i].fin = false;
      }
    }
    SendSkb(i, mss_now);
    return;
  }
  if (i == write_queue_.size() && FinHeld() && FinFitsWindow()) {
    SendFin();  // the send head is the FIN's own skb, and it fits now
    return;
  }
  Segment seg;
  seg.probe = true;
  TransmitWithAck(std::move(seg));
}

void TcpSocket::WriteErr() {
  // tcp_write_err: the connection times out; no RST goes out.
  sk_err_ = err::kETIMEDOUT;
  write_queue_.clear();
  packets_out_ = 0;
  fin_skb_out_ = false;
  fin_queued_ = false;
  Done();
  wait_queue().Wake(ev::kErr);  // sk_error_report
}

void TcpSocket::OnWindowProbe() {
  // tcp_validate_incoming: a segment below the window is dropped unread (its
  // ACK field too) and answered with a duplicate ACK carrying our window,
  // unless one went out within tcp_invalid_ratelimit (tcp_oow_rate_limited).
  if (oow_acked_) {
    const int64_t elapsed = ctx_.now_ms - last_oow_ack_ms_;
    if (elapsed >= 0 && elapsed < kInvalidRatelimitMs) return;
  }
  oow_acked_ = true;
  last_oow_ack_ms_ = ctx_.now_ms;
  SendAck();
}

void TcpSocket::CheckSpace() {
  // tcp_check_space -> tcp_new_space: for a writer that ran out of room
  // (SOCK_NOSPACE) an unlocked buffer may grow with the cwnd first
  // (tcp_sndbuf_expand.cc); then sk_stream_write_space wakes it, only once
  // there is room again.
  if (nospace_ && ShouldExpandSndbuf()) SndbufExpand();
  if (nospace_ && Writable()) {
    nospace_ = false;
    wait_queue().Wake(ev::kOut | ev::kWrNorm | ev::kWrBand);
  }
}

SysResult TcpSocket::Write(const uint8_t* data, size_t len) {
  ++ctx_.tcp_data_calls;  // the DRS clock (tcp_rcv_space_adjust.cc)
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
  LockSock();
  // tcp_send_mss: the MSS and size goal this write cuts and pushes with.
  int64_t mss_now = CurrentMss();
  int64_t size_goal = SizeGoal(mss_now);
  size_t copied = 0;
  int process_backlog = 0;
  bool no_room = false;
  while (copied < len) {
    // Fill the unsent tail skb up to size_goal, else start a new one.
    TxSkb* tail = nullptr;
    if (!write_queue_.empty() && write_queue_.back().seq >= snd_nxt_ &&
        static_cast<int64_t>(write_queue_.back().data.size()) < size_goal) {
      tail = &write_queue_.back();
    }
    if (tail == nullptr) {
      if (!MemoryFree()) {
        no_room = true;
        break;
      }
      if (process_backlog >= kBacklogFlushSkbs) {
        // sk_flush_backlog: ACKs that arrived meanwhile are processed, and
        // the size goal is recomputed from the window they brought.
        process_backlog = 0;
        if (!backlog_.empty()) {
          RunBacklog();
          rcv_.ClearBacklog();
          ReleaseCb();
          mss_now = CurrentMss();
          size_goal = SizeGoal(mss_now);
          if (sk_err_ || (shutdown_ & kSendShutdown)) break;
          continue;
        }
      }
      TxSkb skb;
      skb.seq = write_seq_;
      write_queue_.push_back(std::move(skb));
      ++process_backlog;
      tail = &write_queue_.back();
    }
    const size_t room = static_cast<size_t>(size_goal) - tail->data.size();
    const size_t chunk = std::min(room, len - copied);
    if (copied == 0) tail->psh = false;  // this write's push mark comes at its end
    for (size_t left = chunk; left > 0;) {
      const size_t n = PageFragCopy(*tail, data + copied, left);
      ctx_.tcp_copied_bytes += n;
      copied += n;
      left -= n;
    }
    // A full skb goes out at once: all of the queue when more than half the
    // largest window was written since the last push mark (forced_push),
    // else this skb alone if nothing is queued before it (tcp_push_one).
    // Not when this write's data ends here: tcp_sendmsg_locked goes straight
    // to its final tcp_push.
    if (copied < len && static_cast<int64_t>(tail->data.size()) >= size_goal) {
      if (write_seq_ > pushed_seq_ + static_cast<uint64_t>(max_window_ >> 1)) {
        tail->psh = true;  // tcp_mark_push
        pushed_seq_ = write_seq_;
        XmitPending(true, false, mss_now);
      } else if (tail->seq == snd_nxt_) {
        XmitPending(true, true, mss_now);
      }
    }
  }
  if (no_room) {
    nospace_ = true;
    if (copied) {
      MarkPushTail();           // wait_for_space: tcp_push(TCP_NAGLE_PUSH)
      XmitPending(true, false, mss_now);
    }
  }
  if (copied) {
    MarkPushTail();             // tcp_push
    XmitPending(false, false, mss_now);  // with the socket's Nagle setting
  }
  ReleaseSock();
  // A zero-length write past the error checks returns 0 (tcp_sendmsg_locked
  // never enters its copy loop), full send buffer or not.
  if (copied == 0 && len > 0) return SysResult::Fail(err::kEAGAIN);
  return SysResult::Ok(static_cast<int64_t>(copied));
}

// ---- receive side ------------------------------------------------------------

void TcpSocket::QueueData(const Segment& seg) {
  // tcp_queue_rcv -> tcp_try_coalesce: a segment joins the queue's tail
  // skb, charging only its payload (loopback skbs carry it in page
  // fragments). skb_try_coalesce refuses a cloned tail: loopback delivers
  // the sender's clone, which stays cloned until the sender frees its
  // original on the ACK; what was merged into the tail later does not count.
  // tcp_data_queue -> tcp_try_rmem_schedule: a queue already over
  // sk_rcvbuf is pruned before the segment joins it (the first segment
  // into an empty queue is always taken: sk_forced_mem_schedule).
  if (!receive_queue_.empty() && rcv_.rmem_alloc() > rcvbuf_) PruneQueue();
  const auto len = static_cast<int64_t>(seg.data.size());
  int64_t charged = len;
  std::shared_ptr<TcpSocket> sender = seg.from.lock();
  const bool tail_uncloned =
      sender && !receive_queue_.empty() && sender->snd_una_ >= receive_queue_.back().own_end;
  // The sender copied the payload into 32 KiB page fragments; each
  // coalesced segment brings its own (skb_try_coalesce does not merge them).
  const int64_t frags = std::max<int64_t>(seg.frags, std::max<int64_t>(1, (len + kPageFragSize - 1) / kPageFragSize));
  if (tail_uncloned && receive_queue_.back().frags + frags <= kMaxSkbFrags) {
    RxSkb& tail = receive_queue_.back();
    tail.data.insert(tail.data.end(), seg.data.begin(), seg.data.end());
    tail.truesize += len;
    tail.frags += frags;
  } else {
    charged = len + kSkbOverhead;
    RxSkb skb;
    skb.data = seg.data;
    skb.truesize = charged;
    skb.own_end = seg.cloned ? rcv_.rcv_nxt() + seg.data.size() : 0;
    skb.frags = frags;
    receive_queue_.push_back(std::move(skb));
  }
  receive_bytes_ += seg.data.size();
  rcv_.OnData(len, seg.gso_size > 0 && len > seg.gso_size ? seg.gso_size : len, charged, ctx_.now_ms, seg.psh,
             DrsClock{ctx_.now_ms, ctx_.tcp_data_calls, ctx_.tcp_copied_bytes});
  DataReady();
}

void TcpSocket::AckSndCheck() {
  if (!rcv_.ack_pending()) return;
  if (rcv_.AckNowAfterData()) {
    // From __release_sock the ACK waits for tcp_release_cb
    // (tcp_backlog_ack_defer), after the whole backlog.
    if (owned_) {
      ack_deferred_ = true;
      return;
    }
    SendAck();
  } else {
    ScheduleDelack();
  }
}

void TcpSocket::SendAck() {
  if (!peer_) return;
  Segment seg;
  TransmitWithAck(std::move(seg));
}

void TcpSocket::ScheduleDelack() {
  // tcp_send_delayed_ack, in jiffies as the kernel counts: the timeout is
  // jiffies + ato, and the wheel fires it at the next boundary after
  // (jiffies.h): ato 10 (TCP_DELACK_MIN) 41 to 44 ms on, ato 0 (no data
  // yet: a FIN's ACK) at the next boundary, 1 to 4 ms on. Keep an earlier
  // timer; one due within ato / 4 means "now". Claimed seeds 624 and 1330:
  // a FIN's ACK 1 ms on let SIOCOUTQ read 0 where Linux, its timer at the
  // next boundary 3 ms on, still read 1. A delayedAck fault counts in ms.
  // The expiry is kept in ms (a whole jiffy's, or the fault's own), so a
  // fault armed while a jiffy timer is pending compares like with like.
  const bool exact = ctx_.config.tcp_delack_exact;
  const int64_t unit = exact ? 1 : kJiffyMs;
  const int64_t ato_ms = exact ? rcv_.FaultDelackMs(ctx_.config.tcp_delack_ms) : rcv_.DelackMs(rtt_.srtt_us());
  const int64_t ato = ato_ms / unit;
  const int64_t now = ctx_.now_ms / unit;
  const int64_t timeout = (now + ato) * unit;
  if (delack_armed_) {
    if (delack_timeout_ <= (now + (ato >> 2)) * unit) {
      SendAck();
      return;
    }
    if (timeout >= delack_timeout_) return;
  }
  const int64_t at = exact ? timeout : TimerFiresAtMs(timeout / kJiffyMs);
  delack_armed_ = true;
  delack_timeout_ = timeout;
  delack_at_ = at;
  ++delack_gen_;
  if (!delack_scheduled_ || at < delack_sched_at_) ScheduleDelackEvent(at);
}

void TcpSocket::ScheduleDelackEvent(int64_t at) {
  delack_scheduled_ = true;
  delack_sched_at_ = at;
  const uint64_t event = ++delack_event_gen_;
  std::weak_ptr<TcpSocket> weak = Self();
  ctx_.Schedule(at, [weak, event]() {
    std::shared_ptr<TcpSocket> self = weak.lock();
    if (!self || event != self->delack_event_gen_) return;
    self->delack_scheduled_ = false;
    if (!self->delack_armed_) return;
    if (self->ctx_.now_ms < self->delack_at_) {
      self->ScheduleDelackEvent(self->delack_at_);  // sent, then armed again for later
      return;
    }
    // Timers run in softirq context: what they send is delivered after them.
    const uint64_t armed = self->delack_gen_;
    self->ctx_.Loopback([self, armed]() {
      if (armed != self->delack_gen_ || !self->delack_armed_) return;
      self->delack_armed_ = false;
      if (!self->rcv_.ack_pending() || !self->Synchronized()) return;
      self->rcv_.OnDelackTimer();
      self->SendAck();
    });
  });
}

void TcpSocket::CleanupRbuf(int64_t copied) {
  if (rcv_.AckNowAfterRead(copied, (shutdown_ & kRcvShutdown) != 0)) SendAck();
}

SysResult TcpSocket::Read(uint8_t* buf, size_t len) {
  ++ctx_.tcp_data_calls;
  if (len == 0) return SysResult::Ok(0);
  if (state_ == State::kListen) return SysResult::Fail(err::kENOTCONN);
  LockSock();
  size_t copied = 0;
  while (copied < len && receive_bytes_ > 0) {
    RxSkb& head = receive_queue_.front();
    const size_t n = std::min(head.data.size() - receive_head_offset_, len - copied);
    std::memcpy(buf + copied, head.data.data() + receive_head_offset_, n);
    ctx_.tcp_copied_bytes += n;
    receive_head_offset_ += n;
    receive_bytes_ -= n;
    copied += n;
    // tcp_recvmsg_locked: copied_seq moves on, then tcp_rcv_space_adjust.
    rcv_.OnCopied(static_cast<int64_t>(n));
    if (rcv_.RcvSpaceAdjust(DrsClock{ctx_.now_ms, ctx_.tcp_data_calls, ctx_.tcp_copied_bytes}, rcvbuf_locked_,
                            ctx_.config.tcp_moderate_rcvbuf != 0)) {
      rcvbuf_ = static_cast<int32_t>(rcv_.rcvbuf());
    }
    if (receive_head_offset_ == head.data.size()) {
      // Only a fully consumed skb gives its memory back (sk_eat_skb).
      rcv_.OnConsumed(head.truesize);
      rx_freed_ += head.data.size();
      receive_queue_.pop_front();
      receive_head_offset_ = 0;
    }
  }
  SysResult result = SysResult::Ok(static_cast<int64_t>(copied));
  if (copied == 0) {
    // tcp_recvmsg's order: end of stream seen, then a pending error, then
    // the receive half shut, then never connected.
    if (done_) {
      result = SysResult::Ok(0);
    } else if (int32_t e = TakeError()) {
      result = SysResult::Fail(e);
    } else if (shutdown_ & kRcvShutdown) {
      result = SysResult::Ok(0);
    } else if (state_ == State::kClose) {
      result = SysResult::Fail(err::kENOTCONN);
    } else {
      result = SysResult::Fail(err::kEAGAIN);
    }
  }
  // Every way out of the copy loop cleans up the receive buffer (may ACK).
  CleanupRbuf(static_cast<int64_t>(copied));
  ReleaseSock();
  return result;
}

// ---- connection end ----------------------------------------------------------

void TcpSocket::QueueFin() {
  // tcp_send_fin: the FIN takes a sequence number behind the data and goes
  // out with (or after) the last of it, Nagle or not.
  if (fin_queued_) return;
  fin_queued_ = true;
  fin_seq_ = write_seq_;
  write_seq_ += 1;
  // With data still unsent the FIN rides on the write queue's tail skb and
  // leaves with its data; otherwise it is a skb of its own (FinHeld).
  if (!write_queue_.empty() && write_queue_.back().seq >= snd_nxt_) write_queue_.back().fin = true;
  XmitPending(true, false);  // TCP_NAGLE_OFF
}

void TcpSocket::OnFinAcked() {
  switch (state_) {
    case State::kFinWait1:
      // tcp_rcv_state_process: FIN_WAIT2, and a socket the application
      // still holds is woken (sk_state_change, "wake up lingering close()"):
      // an ET item is queued whatever its mask, and polls EPOLLOUT.
      state_ = State::kFinWait2;
      if (!orphan_) StateChange();
      break;
    case State::kClosing:
    case State::kLastAck:
      Done();  // CLOSING -> TIME_WAIT, LAST_ACK -> CLOSE: the full socket is done
      break;
    default:
      break;
  }
}

void TcpSocket::OnFin() {
  // tcp_fin: the receive half ends after the data already queued.
  rcv_.OnFin();
  shutdown_ |= kRcvShutdown;
  done_ = true;
  switch (state_) {
    case State::kEstablished:
      state_ = State::kCloseWait;
      StateChange();
      return;  // interactive now: the caller's tcp_ack_snd_check delays the ACK
    case State::kFinWait1:
      // Simultaneous close: ACK the FIN, CLOSING until ours is acknowledged.
      state_ = State::kClosing;
      StateChange();
      SendAck();
      return;
    case State::kFinWait2:
      // Both FINs: TIME_WAIT, where the full socket is already closed.
      SendAck();
      Done();
      return;
    default:
      StateChange();
      return;
  }
}

void TcpSocket::SendReset() {
  Segment seg;
  seg.rst = true;
  Transmit(std::move(seg));
}

void TcpSocket::OnReset() {
  // tcp_reset: the errno depends on the state the RST finds us in.
  int32_t e = err::kECONNRESET;
  if (state_ == State::kSynSent) e = err::kECONNREFUSED;
  if (state_ == State::kCloseWait) e = err::kEPIPE;
  if (state_ == State::kClose || state_ == State::kListen) return;
  sk_err_ = e;
  // tcp_write_queue_purge: SIOCOUTQ (write_seq - snd_una) keeps its value.
  write_queue_.clear();
  packets_out_ = 0;
  fin_skb_out_ = false;
  fin_queued_ = false;
  Done();
  wait_queue().Wake(ev::kErr);  // sk_error_report
}

void TcpSocket::Done() {
  // tcp_done: CLOSE, both halves shut, pollers woken. A segment that still
  // arrives is answered with RST.
  state_ = State::kClose;
  shutdown_ = kShutdownMask;
  delack_armed_ = false;
  ++delack_gen_;
  ClearProbeTimer();  // tcp_clear_xmit_timers
  StateChange();
  peer_.reset();
}

void TcpSocket::CloseState() {
  // tcp_close_state: which states send a FIN on close/SHUT_WR.
  if (state_ == State::kEstablished) {
    state_ = State::kFinWait1;
  } else if (state_ == State::kCloseWait) {
    state_ = State::kLastAck;
  } else {
    return;
  }
  QueueFin();
}

SysResult TcpSocket::Shutdown(int32_t how) {
  if (how < 0 || how > 2) return SysResult::Fail(err::kEINVAL);
  const auto mode = static_cast<uint8_t>(how + 1);
  LockSock();
  if (sock_state_ == SockState::kConnecting) {
    sock_state_ = (state_ == State::kSynSent || state_ == State::kClose) ? SockState::kDisconnecting
                                                                          : SockState::kConnected;
  }
  SysResult result = SysResult::Ok();
  switch (state_) {
    case State::kClose:
      result = SysResult::Fail(err::kENOTCONN);
      shutdown_ |= mode;  // inet_shutdown sets the bits anyway ("hack to wake up")
      break;
    case State::kListen:
      if (!(mode & kRcvShutdown)) break;
      Disconnect(State::kListen);  // a listener stops
      sock_state_ = SockState::kUnconnected;
      break;
    case State::kSynSent:
      Disconnect(State::kSynSent);
      sock_state_ = SockState::kUnconnected;
      break;
    default:
      shutdown_ |= mode;
      if (mode & kSendShutdown) CloseState();
      break;
  }
  StateChange();
  ReleaseSock();
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

bool TcpSocket::DisconnectResets(State old_state) const {
  // tcp_need_reset, and CLOSING/LAST_ACK with data still unsent.
  return old_state == State::kEstablished || old_state == State::kCloseWait || old_state == State::kFinWait1 ||
         old_state == State::kFinWait2 ||
         ((old_state == State::kClosing || old_state == State::kLastAck) && snd_nxt_ != write_seq_);
}

void TcpSocket::Disconnect(State old_state) {
  // tcp_disconnect: back to a fresh socket, with the error the old state calls for.
  state_ = State::kClose;
  if (old_state == State::kListen) {
    StopListening();
  } else if (DisconnectResets(old_state)) {
    SendReset();
    sk_err_ = err::kECONNRESET;
  } else if (old_state == State::kSynSent) {
    sk_err_ = err::kECONNRESET;
  }
  peer_.reset();
  // inet_reset_saddr: an address connect() chose is forgotten, a bound one kept.
  if (!addr_bound_) local_ip_ = 0;
  receive_queue_.clear();
  receive_head_offset_ = 0;
  receive_bytes_ = 0;
  write_queue_.clear();
  write_seq_ = snd_una_ = snd_nxt_ = snd_sml_ = pushed_seq_ = 0;
  packets_out_ = 0;
  fin_skb_out_ = false;
  fin_queued_ = fin_sent_ = false;
  shutdown_ = 0;
  done_ = false;
  syn_retries_ = 0;
  delack_armed_ = false;
  ++delack_gen_;
  ClearProbeTimer();
  backoff_ = probes_out_ = 0;
  wait_queue().Wake(ev::kErr);  // sk_error_report
}

void TcpSocket::Release() {
  // tcp_close
  LockSock();
  orphan_ = true;
  const bool data_was_unread = receive_bytes_ > 0;
  receive_queue_.clear();
  receive_head_offset_ = 0;
  receive_bytes_ = 0;
  shutdown_ = kShutdownMask;
  switch (state_) {
    case State::kListen:
      StopListening();
      break;
    case State::kSynSent:
      state_ = State::kClose;  // tcp_close_state: SYN_SENT just closes
      sock_state_ = SockState::kUnconnected;
      break;
    case State::kClose:
      break;
    default:
      if (data_was_unread || (linger_ == 0 && DisconnectResets(state_))) {
        // Unread data means the peer gets RST, not FIN, in any state; SO_LINGER
        // {on, 0} disconnects (tcp_close, after the unread check), which
        // resets only where tcp_disconnect would.
        SendReset();
        Done();
      } else if (linger_ == 0) {
        Done();  // zero linger with our FIN already out (CLOSING, LAST_ACK): just gone
      } else {
        CloseState();
      }
      break;
  }
  // __tcp_close: the backlog first (__release_sock), then a socket in
  // FIN_WAIT2 becomes a TIME_WAIT mini-socket (tcp_time_wait.cc).
  RunBacklog();
  rcv_.ClearBacklog();
  if (state_ == State::kFinWait2 && !time_wait_) TimeWait();
  ReleaseSock();
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
  // An AF_INET socket given an IPv6 address (__inet_bind): the simulated
  // kernel has no IPv6, and says so as Linux's AF_INET sockets do.
  if (addr.v6) return SysResult::Fail(err::kEAFNOSUPPORT);
  // inet_addr_valid_or_nonlocal: the wildcard, a local address (127.0.0.0/8
  // here), or a multicast or broadcast one; anything else is not this host's.
  const uint32_t ip = addr.ip;
  if (ip != 0 && !IsLoopback(ip) && !IsMulticast(ip) && ip != kLimitedBroadcast) {
    return SysResult::Fail(err::kEADDRNOTAVAIL);
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
  addr_bound_ = addr.ip != 0;  // SOCK_BINDADDR_LOCK: only for a specific address
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
  // __inet_stream_connect
  switch (sock_state_) {
    case SockState::kConnected:
      return SysResult::Fail(err::kEISCONN);
    case SockState::kDisconnecting:
      return SysResult::Fail(err::kEINVAL);
    case SockState::kConnecting:
      if (state_ == State::kSynSent) return SysResult::Fail(err::kEALREADY);
      if (state_ == State::kClose) {
        // Refused or reset while connecting: report it once, then start over.
        const int32_t e = TakeError();
        sock_state_ = SockState::kUnconnected;
        Disconnect(State::kClose);
        return SysResult::Fail(e ? e : err::kECONNABORTED);
      }
      sock_state_ = SockState::kConnected;
      return SysResult::Ok();
    case SockState::kUnconnected:
      break;
  }
  if (state_ != State::kClose) return SysResult::Fail(err::kEISCONN);
  // tcp_v4_connect: the family, then the route, before any port is taken.
  if (addr.v6) return SysResult::Fail(err::kEAFNOSUPPORT);
  uint32_t daddr = addr.ip;
  // ip_route_output: a connect to 0.0.0.0 goes to this host, to the bound
  // address or else 127.0.0.1.
  if (daddr == 0) daddr = local_ip_ != 0 ? local_ip_ : kLoopbackIp;
  // No route leaves a host with only lo; multicast and broadcast routes
  // exist but TCP refuses them. Both are ENETUNREACH.
  if (!IsLoopback(daddr) || daddr == kLoopbackBroadcast) return SysResult::Fail(err::kENETUNREACH);
  if (local_port_ == 0) {
    const uint16_t port = PickEphemeralPort();
    if (port == 0) return SysResult::Fail(err::kEADDRNOTAVAIL);
    local_port_ = port;
    port_held_ = true;
    ctx_.tcp_ports[port] = this;
  }
  // An unbound source is the route's preferred one: lo's local route for
  // 127.0.0.0/8 names 127.0.0.1, whichever loopback address is dialled.
  if (local_ip_ == 0) local_ip_ = kLoopbackIp;
  remote_ip_ = daddr;
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
  child->reuse_addr_ = listener->reuse_addr_;
  child->linger_ = listener->linger_;  // sk_clone_lock copies SOCK_LINGER and sk_lingertime
  child->reuse_port_ = listener->reuse_port_;
  child->local_ip_ = remote_ip_;
  child->local_port_ = remote_port_;
  child->remote_ip_ = local_ip_;
  child->remote_port_ = local_port_;
  child->sock_state_ = SockState::kConnected;
  // Each side offers its initial window: unscaled in the SYN and SYN-ACK,
  // scaled in the handshake's last ACK.
  const SimConfig& c = ctx_.config;
  rcv_.Init(rcvbuf_, rcvbuf_locked_, c.tcp_rmem[2], c.rmem_max, /*connecting=*/true);
  child->rcv_.Init(child->rcvbuf_, child->rcvbuf_locked_, c.tcp_rmem[2], c.rmem_max, /*connecting=*/false);
  Establish(child);
  child->Establish(Self());
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
  // ... and the receive-space measure starts; the handshake's timestamps
  // are the first we echo.
  rcv_.InitRcvSpace(DrsClock{ctx_.now_ms, ctx_.tcp_data_calls, ctx_.tcp_copied_bytes});
  // The client learns the server's window from the SYN-ACK (unscaled); the
  // server's child takes the client's from the handshake's final ACK
  // (tcp_create_openreq_child: snd_wnd and max_window from that ACK, whose
  // window tcp_select_window rounds up to the scale: a loopback client's
  // 65495 is advertised as 65496 with wscale 1, as 65536 with wscale 10).
  const bool server = sock_state_ == SockState::kConnected;
  const int64_t window = server ? peer->rcv_.HandshakeAck() : peer->rcv_.SynWindow();
  snd_wnd_edge_ = static_cast<uint64_t>(window);
  max_window_ = window;
  // Header prediction on (tcp_rcv_state_process), for the connecting side
  // only if the peer's window is not scaled (tcp_finish_connect).
  snd_wnd_ = window;
  pred_flags_ = server || peer->rcv_.wscale() == 0;
  mss_cache_ = std::min<int64_t>(TcpRcvWindow::kAdvMss, BoundToHalfWindow(TcpRcvWindow::kAdvMss));
  // The handshake's RTT sample (the SYN-ACK's, or tcp_synack_rtt_meas).
  rtt_.Sample(0);
  ts_recent_ = ctx_.now_ms;  // the peer's SYN or SYN-ACK TSval
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
  return SysResult::Ok(request == IoctlRequest::kInq ? static_cast<int64_t>(receive_bytes_) : OutQ());
}

int64_t TcpSocket::OutQ() const {
  // SIOCOUTQ: write_seq - snd_una (nothing while the handshake is on).
  return state_ == State::kSynSent ? 0 : static_cast<int64_t>(write_seq_ - snd_una_);
}

void TcpSocket::WriteSpace() {
  // SO_SNDBUF calls sk_stream_write_space directly: a writable socket wakes
  // its writers whether or not one ran out of room.
  if (Writable()) {
    nospace_ = false;
    wait_queue().Wake(ev::kOut | ev::kWrNorm | ev::kWrBand);
  }
}

void TcpSocket::RcvBufChanged() {
  // SO_RCVBUF on a connected socket: tcp_space() and tcp_full_space() read
  // sk_rcvbuf at once, so the windows offered from now on grow (or shrink)
  // with it; window_clamp follows at the next scaling-ratio update
  // (tcp_measure_rcv_mss). Before the handshake the window is set up from
  // rcvbuf_ then.
  if (Synchronized()) rcv_.SetRcvbuf(rcvbuf_);
}

SysResult TcpSocket::SetNoDelay(int32_t value) {
  // tcp_sock_set_nodelay: turning Nagle off pushes what it was holding.
  const bool was = nodelay_;
  nodelay_ = value != 0;
  if (nodelay_ && !was && Synchronized()) {
    LockSock();
    XmitPending(true, false);
    ReleaseSock();
  }
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
  json.Field("writeSeq", static_cast<int64_t>(write_seq_));
  json.Field("sndUna", static_cast<int64_t>(snd_una_));
  json.Field("sndNxt", static_cast<int64_t>(snd_nxt_));
  json.Field("sndWndEdge", static_cast<int64_t>(snd_wnd_edge_));
  json.Field("mss", mss_cache_);
  json.Field("wmemQueued", WmemQueued());
  // What SO_SNDBUF is held against, and the rule: poll writability, and the
  // largest charge that is still writable (Writable() at that charge).
  json.Field("charged", WmemQueued());
  json.FieldBool("writable", Writable());
  json.Field("writableUpTo", WritableUpTo());
  json.Field("writeQueueSkbs", write_queue_.size());
  json.Field("packetsOut", packets_out_);
  json.Field("cwnd", bbr_.cwnd());
  json.Field("probeTimer", probe_armed_ ? probe_at_ : -1);
  json.Field("backoff", static_cast<int64_t>(backoff_));
  json.Field("probesOut", static_cast<int64_t>(probes_out_));
  json.Field("recvQueueBytes", receive_bytes_);
  if (state_ != State::kListen) json.Field("outq", OutQ());
  rcv_.Describe(json);
  json.FieldBool("nospace", nospace_);
  json.FieldBool("orphan", orphan_);
  json.Field("pendingConnections", accept_queue_.size());
}

}  // namespace edgeloop
