// The tail loss probe (RFC 8985; net/ipv4/tcp_output.c:
// tcp_schedule_loss_probe, tcp_send_loss_probe), part of TcpSocket. Loopback
// loses nothing, yet the probe fires whenever the peer delays its ACK for
// longer than the probe timeout (2 * srtt + 2 ms, in jiffies, one more for
// the timer wheel: 4 to 8 ms at HZ=250 on a fresh loopback connection,
// before the 40 ms delayed-ACK timer). It
// sends one new segment if there is one the window takes, else the last
// MSS sent again; a duplicate puts the peer in quickack mode and draws its
// ACK at once (tcp_data_queue, tcp_send_dupack), so what follows is ACKed
// segment by segment where it would have waited.
//
// Timing: the kernel computes the timeout in microseconds, 2 * srtt plus
// TCP_TIMEOUT_MIN_US (2 ms; plus TCP_RTO_MIN with one packet out), turns it
// into jiffies (usecs_to_jiffies rounds up: 1 jiffy on a fresh loopback
// connection), and the timer wheel fires a level-0 timer one jiffy after
// its expiry (calc_index rounds up so that no timer fires early). The
// sim's jiffies are its virtual milliseconds / 4 (HZ=250), ticking at
// multiples of 4 ms from time 0; on Linux the phase between a program and
// the tick is arbitrary, so a probe due "4 to 8 ms" from now fires at one
// definite time here. Measured on the reference machine (a write that
// leaves two segments unACKed, then a sleep): the probe had fired after
// 4 ms in 1 of 30 runs, 5 ms 4, 6 ms 14, 7 ms 21, 8 ms 25, 10 ms 30;
// the sim's formula before (2 * srtt in jiffies + 2 jiffies: 8 to 12 ms)
// never fired before 8.
#include <algorithm>

#include "jiffies.h"
#include "tcp_socket.h"

namespace edgeloop {

namespace {

constexpr int64_t kTimeoutMinUs = 2000;  // TCP_TIMEOUT_MIN_US
constexpr int64_t kRtoMinUs = 200000;    // tcp_rto_min_us (TCP_RTO_MIN)
constexpr int64_t kTimeoutInitJiffies = 250;  // TCP_TIMEOUT_INIT (1 s)

int64_t UsecsToJiffies(int64_t us) { return (us + kJiffyMs * 1000 - 1) / (kJiffyMs * 1000); }

}  // namespace

void TcpSocket::RttSample(uint64_t ack, int64_t ts_ecr) {
  // tcp_clean_rtx_queue: the sample is the age of the oldest skb this ACK
  // covers, unless retransmitted data is among them (Karn); then
  // tcp_ack_update_rtt takes the timestamp echo (tcp_rtt_tsopt_us): now
  // minus the TSecr, in whole ms of the TS clock, at least 1 ms. The echo
  // is the peer's ts_recent, which a retransmission above its rcv_wup does
  // not replace (tcp_add_backlog.cc): a loss probe ACKed by the peer's
  // delayed ACK echoes the first segment's stamp, not the probe's. Claimed
  // seed 1083: a probe 5 ms after a write, ACKed 35 ms later by the delayed
  // ACK, sets srtt 5.4 ms on Linux (`ss -ti`: the 43 ms sample from 20 us),
  // which puts the next probe after a write 12 ms on; the probe's own stamp
  // gave 20 us, and that probe came 5 ms after the ACK, its D-SACK then
  // shortening the next write's MSS by a SACK block.
  bool retrans_acked = false;
  int64_t first_sent = -1;
  for (const TxSkb& skb : write_queue_) {
    if (skb.seq >= ack || skb.pcount == 0) break;
    if (skb.retrans) retrans_acked = true;
    if (first_sent < 0) first_sent = skb.sent_ms;
  }
  // The FIN's own skb, behind all data (tcp_send_fin.cc).
  if (fin_skb_out_ && ack > fin_seq_) {
    if (fin_retrans_) retrans_acked = true;
    if (first_sent < 0) first_sent = fin_sent_ms_;
  }
  if (first_sent < 0) return;
  rtt_.Sample(retrans_acked ? std::max<int64_t>(1, ctx_.now_ms - ts_ecr) : ctx_.now_ms - first_sent);
}

void TcpSocket::ScheduleLossProbe(bool advancing_rto) {
  // tcp_schedule_loss_probe: only while data is in flight (SACK is on and
  // the congestion state stays Open on loopback).
  if (packets_out_ == 0) {
    ClearLossProbe();
    return;
  }
  int64_t timeout = kTimeoutInitJiffies;
  if (rtt_.has_sample()) {
    timeout = UsecsToJiffies(2 * rtt_.srtt_us() + (packets_out_ == 1 ? kRtoMinUs : kTimeoutMinUs));
  }
  // Never later than the RTO would fire: a full RTO from an ACK that
  // advanced, else what is left of the oldest segment's.
  int64_t rto_delta_us = static_cast<int64_t>(ctx_.config.tcp_rto_ms) * 1000;
  if (!advancing_rto) {
    for (const TxSkb& skb : write_queue_) {
      if (skb.pcount == 0) break;
      rto_delta_us -= (ctx_.now_ms - skb.sent_ms) * 1000;
      break;
    }
  }
  if (rto_delta_us > 0) timeout = std::min(timeout, UsecsToJiffies(rto_delta_us));
  tlp_armed_ = true;
  tlp_at_ = TimerFiresAtMs(JiffiesAt(ctx_.now_ms) + timeout);
  // Every send re-arms the timer (mod_timer). One event stays scheduled at
  // a time: a later expiry is picked up when it fires, an earlier one
  // schedules anew (a flood of sends leaves no trail of stale events).
  if (!tlp_scheduled_ || tlp_at_ < tlp_sched_at_) ScheduleLossProbeEvent(tlp_at_);
}

void TcpSocket::ScheduleLossProbeEvent(int64_t at) {
  tlp_scheduled_ = true;
  tlp_sched_at_ = at;
  const uint64_t gen = ++tlp_gen_;
  std::weak_ptr<TcpSocket> weak = Self();
  ctx_.Schedule(at, [weak, gen]() {
    std::shared_ptr<TcpSocket> self = weak.lock();
    if (!self || gen != self->tlp_gen_) return;
    self->tlp_scheduled_ = false;
    if (!self->tlp_armed_) return;
    if (self->ctx_.now_ms < self->tlp_at_) {
      self->ScheduleLossProbeEvent(self->tlp_at_);  // re-armed later meanwhile
      return;
    }
    // Timers run in softirq context: what they send is delivered after them.
    self->ctx_.Loopback([self]() {
      if (!self->tlp_armed_ || self->ctx_.now_ms < self->tlp_at_) return;
      self->tlp_armed_ = false;
      if (!self->Synchronized() || !self->peer_ || self->packets_out_ == 0) return;
      self->SendLossProbe();
    });
  });
}

void TcpSocket::ClearLossProbe() {
  // The scheduled event, if any, finds the timer disarmed and does nothing.
  tlp_armed_ = false;
}

void TcpSocket::SendLossProbe() {
  // tcp_send_loss_probe: one probe per tail-loss episode (tlp_high_seq);
  // after it the RTO timer is armed, which loopback's ACKs always beat.
  if (tlp_high_seq_ != 0) return;
  const int64_t mss_now = CurrentMss();
  // New data, if the window takes its first MSS: tcp_write_xmit with
  // push_one 2, which passes the cwnd test for one segment and ignores Nagle.
  const size_t head = SendHead();
  if (head < write_queue_.size()) {
    TxSkb& skb = write_queue_[head];
    const int64_t missing = mss_now - static_cast<int64_t>(skb.data.size());
    if (missing > 0) GrowSkb(head, missing);
    const auto len = static_cast<int64_t>(write_queue_[head].data.size());
    const uint64_t wnd_end =
        len > mss_now ? snd_nxt_ + static_cast<uint64_t>(mss_now) : write_queue_[head].end_seq();
    if (wnd_end <= snd_wnd_edge_) {
      if (len > mss_now) SplitSkb(head, static_cast<size_t>(mss_now));
      SendSkb(head, mss_now);
      tlp_high_seq_ = snd_nxt_;
      return;
    }
  }
  // The FIN's skb of its own is new data too, which the cwnd held back
  // (tcp_send_fin.cc): push_one 2 forces it out.
  if (head == write_queue_.size() && FinHeld() && FinFitsWindow()) {
    SendFin();
    tlp_high_seq_ = snd_nxt_;
    return;
  }
  // Else the last segment sent goes again: the last MSS of the last skb
  // in flight (tcp_fragment cuts it off a larger one), which is the FIN's
  // when it went out on an skb of its own.
  if (fin_skb_out_) {
    RetransmitFin();
    return;
  }
  if (head == 0) return;
  TxSkb& last = write_queue_[head - 1];
  if (last.data.empty()) return;
  const auto len = static_cast<int64_t>(last.data.size());
  const int64_t keep = last.pcount > 1 ? (last.pcount - 1) * mss_now : 0;
  Segment seg;
  seg.data.assign(last.data.begin() + static_cast<std::ptrdiff_t>(std::min(keep, len)), last.data.end());
  seg.psh = last.psh;
  seg.seq = last.seq + static_cast<uint64_t>(std::min(keep, len));
  seg.frags = FragsOf(seg.seq, last.end());
  seg.retransmit = true;
  seg.cloned = true;
  last.retrans = true;
  ++total_retrans_;  // tcp_retransmit_skb: one segment (at most one MSS)
  last.sent_ms = ctx_.now_ms;
  tlp_high_seq_ = snd_nxt_;
  TransmitWithAck(std::move(seg));
}

}  // namespace edgeloop
