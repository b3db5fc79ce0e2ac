// Receive-buffer autotuning (DRS, "dynamic right-sizing"), part of
// TcpRcvWindow. After net/ipv4/tcp_input.c of Linux 6.18:
// tcp_init_buffer_space (rcvq_space), tcp_rcv_rtt_measure (a sample per
// window of data received), tcp_rcv_rtt_measure_ts (a sample from the
// timestamp a full-sized segment echoes: milliseconds, and none when the
// echo is less than one old, tcp_rtt_tsopt_us(tp, 0)), tcp_rcv_rtt_update
// (the lowest sample latches; a larger timestamp sample is smoothed in only
// while the receive queue is empty), tcp_rcv_space_adjust (called by
// tcp_recvmsg after each skb it copies: once an RTT has passed since the
// measure began, the bytes the reader took in it, less what still waits in
// the queue, become the new estimate if larger) and tcp_rcvbuf_grow
// (rcvwin = 2 * new, plus 2 * rcvwin * (new - old) / old for a sender in
// slow start; sk_rcvbuf = tcp_space_from_win(rcvwin), at most tcp_rmem[2],
// and window_clamp = tcp_win_from_space(sk_rcvbuf)); tcp_measure_rcv_mss
// caps the estimate at window_clamp when the scaling ratio changes.
//
// Simplified: time. Linux compares microsecond clocks (the time since the
// measure began against rcv_rtt_est.rtt_us / 8); the sim has virtual
// milliseconds, and no time passes inside a call. Its DRS clock counts a
// virtual millisecond as 1000 us, each TCP data call (a read or a write
// on any TCP socket) as kCallUs and each byte such a call copies as
// 1 / kCopyBytesPerUs, so a window sample is the calls it spanned
// (a timestamp sample is whole milliseconds, as on Linux), and an RTT has
// passed once more than that has: an RTT measured across N calls has passed
// at the (N + 1)th call after the measure began (Linux takes the sample in
// the middle of its last call). A window that arrived inside one call (the
// chain of ACKs and data a read's window update sets off: 17 to 30 us on
// Linux) counts as passed by the next skb the reader copies. Calibrated on
// Linux with the tracepoint tcp_rcvbuf_grow: after a fill of 64 KiB writes
// (its window sample spans one call; 70 to 190 us on Linux), reads of 1 MiB
// or 64 KiB grew the buffer at the third read after the one that began the
// measure in 6 of 6 and 2 of 3 runs, at the second in the others; after a
// fill of 2 KiB writes (a sample of 33 calls) a few reads grow nothing. How
// fast a program's calls really are decides it on Linux: a program can see
// Linux decide at another read. Not modelled: the out-of-order queue's share
// (loopback keeps order) and tcp_usec_ts (off unless the route asks).
#include <algorithm>

#include "tcp_rcv_window.h"
#include "tcp_rtt_estimator.h"

namespace edgeloop {

namespace {

constexpr int64_t kTcpInitCwnd = 10;  // TCP_INIT_CWND
// The DRS clock (see above): a data call counts kCallUs, a virtual
// millisecond 1000 us; a window that arrived inside one call (the chain of
// ACKs and data a read's window update sets off) took kWithinCallRttUs.
constexpr int64_t kCallUs = 20;
constexpr int64_t kWithinCallRttUs = 10;
// Copying between user memory and skbs: 4 bytes a nanosecond, so a read
// of 1 MiB lets 262 us pass between its first skb and its last, which
// Linux's per-skb tcp_mstamp_refresh sees (its DRS can fire within one
// large read). A 1 MiB read through the kernel API took Linux 0.9 to 1.6
// ms here, the peer's refill included, and the replay's millisecond marks
// carry part of that. With 4000 the unlocked campaign (seeds 0..600) had
// 37 drains of the same bytes in other read counts than Linux, from 57;
// 1000 to 8000 were alike on the recorded runs. Unlocked seed 57:
// test/sim-on-linux-clock.test.ts.
constexpr int64_t kCopyBytesPerUs = 4000;

// Microseconds on the DRS clock from `then` to `now`: the counts' own
// differences first, so the bytes copied earlier elsewhere do not round
// this span.
int64_t ElapsedUs(const DrsClock& now, const DrsClock& then) {
  return (now.ms - then.ms) * 1000 + static_cast<int64_t>(now.calls - then.calls) * kCallUs +
         static_cast<int64_t>(now.copied - then.copied) / kCopyBytesPerUs;
}

}  // namespace

void TcpRcvWindow::InitRcvSpace(const DrsClock& now) {
  // tcp_init_buffer_space: rcvq_space.time from tcp_mstamp_refresh,
  // seq = copied_seq, space = min3(rcv_ssthresh, rcv_wnd, TCP_INIT_CWND * advmss).
  rcvq_time_ = now;
  rcvq_seq_ = copied_seq_;
  rcvq_space_ = std::min({rcv_ssthresh_, rcv_wnd_, kTcpInitCwnd * kAdvMss});
}

void TcpRcvWindow::RcvRttUpdate(int64_t sample_us, bool win_dep) {
  // tcp_rcv_rtt_update: the first sample, or a lower one, is taken as is;
  // a higher one only from timestamps and with the receive queue empty.
  const int64_t m = sample_us << 3;
  if (rcv_rtt_us8_ == 0 || m < rcv_rtt_us8_) {
    rcv_rtt_us8_ = m;
    return;
  }
  if (win_dep) return;
  if (rcv_nxt_ != copied_seq_) return;
  rcv_rtt_us8_ = rcv_rtt_us8_ - (rcv_rtt_us8_ >> 3) + sample_us;
}

void TcpRcvWindow::RcvRttMeasure(const DrsClock& now) {
  // tcp_rcv_rtt_measure: the time from one segment until a window's worth
  // more (the rcv_wnd offered then) has arrived.
  if (rcv_rtt_started_) {
    if (rcv_nxt_ < rcv_rtt_seq_) return;
    // A window that arrived within one call took at least kWithinCallRttUs
    // (the bytes it copied meanwhile can make the span shorter).
    const int64_t sample_us = std::max(ElapsedUs(now, rcv_rtt_time_), kWithinCallRttUs);
    RcvRttUpdate(sample_us, true);
  }
  rcv_rtt_seq_ = rcv_nxt_ + static_cast<uint64_t>(rcv_wnd_);
  rcv_rtt_time_ = now;
  rcv_rtt_started_ = true;
}

void TcpRcvWindow::RcvRttMeasureTs(int64_t len, int64_t tsecr_ms, int64_t now_ms) {
  // tcp_rcv_rtt_measure_ts (and the pure-ACK fast path, which only notes
  // the echo): rcv_mss is the one before this segment is measured.
  if (tsecr_ms == rcv_rtt_last_tsecr_) return;
  rcv_rtt_last_tsecr_ = tsecr_ms;
  if (len < rcv_mss_) return;
  const int64_t delta_ms = now_ms - tsecr_ms;
  if (delta_ms > 0) RcvRttUpdate(delta_ms * 1000, false);
}

bool TcpRcvWindow::RcvbufGrow(int64_t newval, bool locked, bool moderate) {
  // tcp_rcvbuf_grow (u32 arithmetic, u64 for the slow-start term).
  const auto oldval = static_cast<uint32_t>(rcvq_space_);
  rcvq_space_ = newval;
  if (!moderate || locked) return false;
  uint32_t rcvwin = static_cast<uint32_t>(newval) << 1;  // DRS is always one RTT late
  const uint64_t grow = static_cast<uint64_t>(rcvwin) * (static_cast<uint32_t>(newval) - oldval) / oldval;
  rcvwin += static_cast<uint32_t>(grow << 1);
  const int64_t rcvbuf = std::min<int64_t>(static_cast<uint32_t>(SpaceFromWin(rcvwin)), tcp_rmem_max_);
  if (rcvbuf <= rcvbuf_) return false;
  rcvbuf_ = rcvbuf;
  window_clamp_ = WinFromSpace(rcvbuf);  // the window clamp follows along
  return true;
}

bool TcpRcvWindow::RcvSpaceAdjust(const DrsClock& now, bool locked, bool moderate) {
  if (rcv_rtt_us8_ == 0) return false;
  // Linux: time < rtt_us returns. Here strictly more than the RTT must
  // have passed: an RTT measured across N calls has passed after N + 1
  // (the sample ends inside its last call, part of which was before it).
  // An RTT of a window that arrived inside one call (17 to 30 us measured
  // in a drain) has passed by the next skb the reader copies.
  const int64_t rtt_us = rcv_rtt_us8_ >> 3;
  if (rtt_us > kWithinCallRttUs && ElapsedUs(now, rcvq_time_) <= rtt_us) return false;
  // Bytes the reader took in the last RTT, less what still waits (signed:
  // a read from a long queue makes it negative).
  const int64_t inq = static_cast<int64_t>(rcv_nxt_ - copied_seq_);
  const int64_t copied = static_cast<int64_t>(copied_seq_ - rcvq_seq_) - inq;
  bool grew = false;
  if (copied > rcvq_space_) grew = RcvbufGrow(copied, locked, moderate);
  rcvq_seq_ = copied_seq_;
  rcvq_time_ = now;
  return grew;
}

}  // namespace edgeloop
