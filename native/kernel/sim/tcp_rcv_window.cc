#include "tcp_rcv_window.h"

#include <algorithm>

namespace edgeloop {

namespace {

constexpr int32_t kTcpMssDefault = 536;   // TCP_MSS_DEFAULT
constexpr int32_t kTcpMinMss = 88;        // TCP_MIN_MSS
constexpr int32_t kTcpHeaderLen = 32;     // tcphdr + the timestamp option
constexpr int32_t kTcpHdrNoOpts = 20;     // sizeof(struct tcphdr)
constexpr int kMaxQuickAcks = 16;         // TCP_MAX_QUICKACKS
constexpr int64_t kAtoMinMs = 40;         // TCP_ATO_MIN, TCP_DELACK_MIN (HZ/25)
constexpr int64_t kRtoMinMs = 200;        // TCP_RTO_MIN: icsk_rto on loopback
constexpr int32_t kMaxWscale = 14;        // TCP_MAX_WSCALE
constexpr int64_t kSockMinRcvbuf = 2304;  // SOCK_MIN_RCVBUF

int32_t Ilog2(int64_t v) {
  int32_t r = -1;
  while (v > 0) {
    v >>= 1;
    ++r;
  }
  return r;
}

int64_t Align(int64_t v, int32_t shift) {
  const int64_t unit = int64_t{1} << shift;
  return (v + unit - 1) & ~(unit - 1);
}

}  // namespace

void TcpRcvWindow::Init(int32_t rcvbuf, bool locked, int32_t tcp_rmem_max, int32_t rmem_max, bool connecting) {
  rcvbuf_ = rcvbuf;
  tcp_rmem_max_ = tcp_rmem_max;
  scaling_ratio_ = 128;
  // tcp_connect_init / tcp_openreq_init_rwin: a locked rcvbuf clamps the window.
  const int64_t full = WinFromSpace(rcvbuf_);
  int64_t clamp = locked ? full : (int64_t{65535} << kMaxWscale);
  // tcp_select_initial_window: the offer, quantised to the MSS. A connect()
  // passes tp->advmss before the SYN-ACK has shown timestamps (65495 on
  // loopback); the listener's request passes the MSS less the option.
  int64_t space = std::min(clamp, full);
  const int64_t mss = connecting ? kAdvMssNoTimestamps : kAdvMss;
  if (space > mss) space = space / mss * mss;
  rcv_wnd_ = space;
  int64_t ws_space = std::max<int64_t>({space, tcp_rmem_max, rmem_max});
  ws_space = std::min(ws_space, clamp);
  wscale_ = std::clamp(Ilog2(ws_space) - 15, 0, kMaxWscale);
  clamp = std::min(int64_t{65535} << wscale_, clamp);
  // tcp_init_buffer_space: never more than the full space, and one
  // segment of it held back ("force reservation of one segment",
  // tcp_app_win) once the clamp exceeds two segments. (tcp_app_win's other
  // rule, maxwin - (maxwin >> 31), changes nothing below 2 GiB.)
  if (clamp >= full) clamp = full;
  if (clamp > 2 * kAdvMss && clamp + kAdvMss > full) clamp = std::max<int64_t>(2 * kAdvMss, full - kAdvMss);
  window_clamp_ = clamp;
  rcv_ssthresh_ = std::min(rcv_wnd_, window_clamp_);
  rcv_mss_ = std::max<int64_t>(std::min<int64_t>({kAdvMss, rcv_wnd_ / 2, kTcpMssDefault}), kTcpMinMss);
}

void TcpRcvWindow::SetWindowClamp(int64_t val) {
  // tcp_set_window_clamp
  const int64_t clamp = std::max(kSockMinRcvbuf / 2, val);
  if (clamp == window_clamp_) return;
  const int64_t old = window_clamp_;
  window_clamp_ = clamp;
  if (clamp < old) {
    rcv_ssthresh_ = std::min(rcv_ssthresh_, clamp);
  } else {
    rcv_ssthresh_ = std::max(std::min(rcv_wnd_, clamp), rcv_ssthresh_);
  }
}

void TcpRcvWindow::IncrQuickAck(int max_quickacks) {
  // tcp_incr_quickack: enough credit to ACK every segment of half a window.
  int64_t quickacks = rcv_wnd_ / (2 * rcv_mss_);
  if (quickacks == 0) quickacks = 2;
  quickacks = std::min<int64_t>(quickacks, max_quickacks);
  if (quickacks > quick_) quick_ = static_cast<int>(quickacks);
}

void TcpRcvWindow::ClampWindow(int64_t rcvbuf) {
  quick_ = 0;
  rcvbuf_ = rcvbuf;
  if (rmem_alloc_ > rcvbuf) rcv_ssthresh_ = std::min<int64_t>(window_clamp_, 2 * kAdvMss);
}

void TcpRcvWindow::OnDuplicateData() {
  IncrQuickAck(kMaxQuickAcks);
  pingpong_ = false;
  ato_ms_ = kAtoMinMs;
  ack_pending_ = true;  // inet_csk_schedule_ack
}

void TcpRcvWindow::MeasureRcvMss(int64_t len, int64_t seg, bool psh) {
  // tcp_measure_rcv_mss. `seg` is the GSO size of a large skb (what Linux
  // reads from skb_shinfo()->gso_size), else its length.
  const int64_t lss = last_seg_size_;
  last_seg_size_ = 0;
  if (seg >= rcv_mss_) {
    if (seg != rcv_mss_) {
      // The payload/truesize ratio of what arrives sizes every later window.
      const int64_t ratio = std::max<int64_t>(1, (len << 8) / (len + kSkbOverhead));
      if (ratio != scaling_ratio_) {
        scaling_ratio_ = ratio;
        SetWindowClamp(WinFromSpace(rcvbuf_));
        if (window_clamp_ < rcv_ssthresh_) rcv_ssthresh_ = window_clamp_;
        if (window_clamp_ < rcvq_space_) rcvq_space_ = window_clamp_;
      }
    }
    rcv_mss_ = std::min<int64_t>(seg, kAdvMss);
    // A full-sized segment with PSH is likely the end of a write: ACK as
    // soon as the reader has taken everything (Linux 6.7 on).
    if (psh) pushed_ = true;
    return;
  }
  // A short segment becomes rcv_mss when two in a row have the same length
  // and are at least TCP_MSS_DEFAULT long, or at least TCP_MIN_MSS without
  // PSH (TCP_REMNANT: the sender split it, so it is full-sized).
  const int64_t with_header = seg + kTcpHeaderLen;
  if (with_header >= kTcpMssDefault + kTcpHdrNoOpts || (with_header >= kTcpMinMss + kTcpHdrNoOpts && !psh)) {
    last_seg_size_ = seg;
    if (seg == lss) {
      rcv_mss_ = seg;
      return;
    }
  }
  if (pushed_) pushed2_ = true;
  pushed_ = true;
}

void TcpRcvWindow::GrowWindow(int64_t len) {
  // tcp_grow_window: raise rcv_ssthresh while the skbs' overhead allows it.
  // truesize_adjust() leaves a paged skb's payload: loopback skbs carry
  // their data in page fragments charged byte for byte.
  const int64_t truesize = len;
  const int64_t room = std::min(window_clamp_, TcpSpace()) - rcv_ssthresh_;
  if (room <= 0) return;
  int64_t incr = 0;
  if (WinFromSpace(truesize) <= len) {
    incr = 2 * kAdvMss;
  } else {
    // __tcp_grow_window
    int64_t t = WinFromSpace(truesize) >> 1;
    int64_t window = WinFromSpace(tcp_rmem_max_) >> 1;
    while (rcv_ssthresh_ <= window) {
      if (t <= len) {
        incr = 2 * rcv_mss_;
        break;
      }
      t >>= 1;
      window >>= 1;
    }
  }
  if (incr) {
    incr = std::max(incr, 2 * len);
    rcv_ssthresh_ += std::min(room, incr);
    quick_ |= 1;
  }
}

void TcpRcvWindow::OnData(int64_t len, int64_t seg, int64_t charged, int64_t now_ms, bool psh, const DrsClock& clock) {
  rcv_nxt_ += static_cast<uint64_t>(len);
  rmem_alloc_ += charged;
  // tcp_event_data_recv
  ack_pending_ = true;
  MeasureRcvMss(len, seg, psh);
  RcvRttMeasure(clock);
  if (ato_ms_ == 0) {
    // The first data: start the delayed-ACK engine in quickack mode.
    IncrQuickAck(kMaxQuickAcks);
    ato_ms_ = kAtoMinMs;
  } else {
    const int64_t m = now_ms - lrcv_ms_;
    if (m <= kAtoMinMs / 2) {
      ato_ms_ = (ato_ms_ >> 1) + kAtoMinMs / 2;
    } else if (m < ato_ms_) {
      ato_ms_ = std::min((ato_ms_ >> 1) + m, kRtoMinMs);
    } else if (m > kRtoMinMs) {
      IncrQuickAck(kMaxQuickAcks);  // a long gap: the sender is restarting
    }
  }
  lrcv_ms_ = now_ms;
  if (len >= 128) GrowWindow(len);
}

void TcpRcvWindow::OnFin() {
  // tcp_fin: the FIN takes a sequence number and wants an ACK; in
  // ESTABLISHED the connection is treated as interactive from now on.
  rcv_nxt_ += 1;
  ack_pending_ = true;
  pingpong_ = true;
}

void TcpRcvWindow::OnDataSent(int64_t now_ms) {
  // tcp_event_data_sent -> inet_csk_inc_pingpong_cnt. Before any data
  // arrived ato is 0 and nothing counts. Linux compares jiffies; a program
  // that does not let time pass stays within one jiffy of its last receive.
  if (now_ms - lrcv_ms_ < ato_ms_) pingpong_ = true;
}

int64_t TcpRcvWindow::SelectWindowRaw() {
  // __tcp_select_window
  int64_t mss = rcv_mss_;
  int64_t free_space = TcpSpace();
  const int64_t allowed = WinFromSpace(rcvbuf_);
  const int64_t full = std::min(window_clamp_, allowed);
  if (mss > full) {
    mss = full;
    if (mss <= 0) return 0;
  }
  if (free_space < (full >> 1)) {
    quick_ = 0;
    free_space = (free_space >> wscale_) << wscale_;
    if (free_space < (allowed >> 4) || free_space < mss) return 0;
  }
  if (free_space > rcv_ssthresh_) free_space = rcv_ssthresh_;
  if (wscale_) return Align(free_space, wscale_);
  // Unscaled: a multiple of the MSS, kept while within one MSS of the space.
  int64_t window = rcv_wnd_;
  if (window <= free_space - mss || window > free_space) {
    window = free_space / mss * mss;
  } else if (mss == full && free_space > window + (full >> 1)) {
    window = free_space;
  }
  return window;
}

bool TcpRcvWindow::AckNowAfterData() {
  // __tcp_ack_snd_check: more than one full frame unacknowledged and the
  // window would not shrink, or quickack credit left.
  if ((rcv_nxt_ - rcv_wup_ > static_cast<uint64_t>(rcv_mss_) && SelectWindowRaw() >= rcv_wnd_) ||
      (quick_ > 0 && !pingpong_)) {
    return true;
  }
  return false;
}

bool TcpRcvWindow::AckNowAfterRead(int64_t copied, bool rcv_shutdown) {
  // __tcp_cleanup_rbuf
  bool time_to_ack = false;
  if (ack_pending_) {
    if (rcv_nxt_ - rcv_wup_ > static_cast<uint64_t>(rcv_mss_) ||
        (copied > 0 && (pushed2_ || (pushed_ && !pingpong_)) && rmem_alloc_ == 0)) {
      time_to_ack = true;
    }
  }
  if (copied > 0 && !time_to_ack && !rcv_shutdown) {
    const int64_t window_now = std::max<int64_t>(0, static_cast<int64_t>(edge() - rcv_nxt_));
    if (2 * window_now <= window_clamp_) {
      // "Lots" of space freed: a window at least twice the current one.
      const int64_t new_window = SelectWindowRaw();
      if (new_window && new_window >= 2 * window_now) time_to_ack = true;
    }
  }
  return time_to_ack;
}

uint64_t TcpRcvWindow::AckSent() {
  // tcp_select_window: never shrink what was offered.
  int64_t new_win = SelectWindowRaw();
  const int64_t cur_win = std::max<int64_t>(0, static_cast<int64_t>(edge() - rcv_nxt_));
  if (new_win < cur_win) new_win = Align(cur_win, wscale_);
  rcv_wnd_ = new_win;
  rcv_wup_ = rcv_nxt_;
  // tcp_event_ack_sent -> tcp_dec_quickack_mode
  if (quick_) {
    const int pkts = ack_pending_ ? 1 : 0;
    if (pkts >= quick_) {
      quick_ = 0;
      ato_ms_ = kAtoMinMs;
    } else {
      quick_ -= pkts;
    }
  }
  ack_pending_ = pushed_ = pushed2_ = false;
  // The 16-bit window field caps what the peer hears, not rcv_wnd itself.
  const int64_t advertised = std::min(rcv_wnd_, int64_t{65535} << wscale_);
  return rcv_wup_ + static_cast<uint64_t>(advertised);
}

void TcpRcvWindow::OnDelackTimer() {
  if (!pingpong_) {
    ato_ms_ = std::min(ato_ms_ << 1, kRtoMinMs);  // the delayed ACK missed: inflate
  } else {
    pingpong_ = false;
    ato_ms_ = kAtoMinMs;
  }
}

int64_t TcpRcvWindow::DelackMs(int64_t srtt_us) const {
  // tcp_send_delayed_ack: an ato above TCP_DELACK_MIN is bounded by the
  // smoothed RTT (at least TCP_DELACK_MIN), then by icsk_delack_max
  // (TCP_DELACK_MAX; the HZ/2 bound before it never binds below that).
  // Loopback's RTT is mostly far below TCP_DELACK_MIN, which then bounds
  // the delay: min(ato, 40 ms). A loss probe's ACK echoes an old stamp,
  // though (tcp_loss_probe.cc): a few such samples take srtt past 40 ms,
  // and the delay with it. Before any data ato is 0: the next jiffy (1 ms
  // here, 0 jiffies).
  if (ato_ms_ == 0) return 1;
  int64_t ato = ato_ms_;
  if (ato > kAtoMinMs && srtt_us > 0) {
    // usecs_to_jiffies rounds up, in whole jiffies of 4 ms.
    const int64_t rtt = std::max<int64_t>((srtt_us + 3999) / 4000 * 4, kAtoMinMs);
    ato = std::min(ato, rtt);
  }
  return std::min(ato, kRtoMinMs);  // icsk_delack_max: TCP_DELACK_MAX (200 ms)
}

int64_t TcpRcvWindow::FaultDelackMs(int64_t fault_ms) const {
  // A delayedAck fault: `fault_ms` once ato has reached TCP_ATO_MIN, else
  // the shorter ato, whatever the RTT (what the sim did before it followed
  // tcp_send_delayed_ack's bounds; the fault's contract, docs/explore.md).
  if (ato_ms_ == 0) return 1;
  if (ato_ms_ >= kAtoMinMs) return fault_ms;
  return std::min(ato_ms_, fault_ms);
}

void TcpRcvWindow::Describe(JsonWriter& json) const {
  json.Field("rcvWnd", rcv_wnd_);
  json.Field("rcvWup", static_cast<int64_t>(rcv_wup_));
  json.Field("rcvNxt", static_cast<int64_t>(rcv_nxt_));
  json.Field("windowClamp", window_clamp_);
  json.Field("rcvSsthresh", rcv_ssthresh_);
  json.Field("rmemAlloc", rmem_alloc_);
  json.Field("rcvMss", rcv_mss_);
  json.Field("scalingRatio", scaling_ratio_);
  json.Field("rcvSpace", rcvq_space_);
  json.Field("rcvRttUs", rcv_rtt_us8_ >> 3);
  json.Field("quickAcks", quick_);
  json.FieldBool("pingpong", pingpong_);
  json.FieldBool("ackPending", ack_pending_);
}

}  // namespace edgeloop
