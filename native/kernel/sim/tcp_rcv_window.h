// The receive half of a TCP connection as the sender sees it through ACKs:
// the window we advertise and when we advertise it. After net/ipv4/
// tcp_input.c (tcp_event_data_recv, tcp_measure_rcv_mss, tcp_grow_window,
// __tcp_ack_snd_check), tcp_output.c (__tcp_select_window,
// tcp_select_initial_window, tcp_event_ack_sent) and tcp.c
// (__tcp_cleanup_rbuf). Pure bookkeeping: TcpSocket sends the ACKs and runs
// the delayed-ACK timer this class asks for.
#pragma once

#include <cstdint>

#include "../../util/json_writer.h"

namespace edgeloop {

// The receiver's clock for DRS (tcp_rcv_space_adjust): Linux compares
// microseconds; the sim has virtual milliseconds, and within one of them
// counts the program's TCP data calls (reads and writes on any TCP socket),
// each of which takes Linux tens of microseconds (tcp_rcv_space_adjust.cc).
struct DrsClock {
  int64_t ms = 0;
  uint64_t calls = 0;
  uint64_t copied = 0;  // bytes those calls copied (SimContext::tcp_copied_bytes)
};

class TcpRcvWindow {
 public:
  // Loopback's advertised MSS: a 65536-byte MTU (capped to IP's 65535) less
  // the IP and TCP headers and the timestamp option.
  static constexpr int32_t kAdvMss = 65483;
  // The same before the timestamp option is negotiated (tcp_connect_init).
  static constexpr int32_t kAdvMssNoTimestamps = 65495;
  // The truesize a received skb is charged beyond its payload on loopback
  // (the sender's skb travels as is; measured as wmem_queued - payload).
  static constexpr int64_t kSkbOverhead = 832;

  // tcp_select_initial_window + tcp_init_buffer_space, at the handshake.
  // `rcvbuf` is sk_rcvbuf, `locked` SOCK_RCVBUF_LOCK, `tcp_rmem_max` and
  // `rmem_max` the sysctls that size the window scale. `connecting`: the
  // side that sends the SYN (tcp_connect_init), which quantises its offer
  // to an MSS that does not yet know of the timestamp option; the listener's
  // side (tcp_openreq_init_rwin) knows it from the SYN.
  void Init(int32_t rcvbuf, bool locked, int32_t tcp_rmem_max, int32_t rmem_max, bool connecting);
  // tcp_init_buffer_space's receive-space measure (rcvq_space), when the
  // connection is established at `now`: its first estimate of the bytes
  // the reader takes per RTT is the initial window (at most TCP_INIT_CWND
  // segments). tcp_rcv_space_adjust.cc.
  void InitRcvSpace(const DrsClock& now);
  // tcp_rcv_rtt_measure_ts: a segment of `len` bytes echoing our timestamp
  // `tsecr_ms` arrived at `now_ms` (every segment; only a full-sized one
  // that echoes a new timestamp at least a millisecond old is a sample).
  void RcvRttMeasureTs(int64_t len, int64_t tsecr_ms, int64_t now_ms);
  // tcp_recvmsg copied `n` bytes to the reader (copied_seq advances).
  void OnCopied(int64_t n) { copied_seq_ += static_cast<uint64_t>(n); }
  // tcp_rcv_space_adjust, after each skb's copy in tcp_recvmsg: once an RTT
  // has passed since the measure began and the reader took more than the
  // last estimate, the estimate grows and (unless `locked`: SO_RCVBUF)
  // tcp_rcvbuf_grow raises sk_rcvbuf and window_clamp. True if sk_rcvbuf
  // grew (rcvbuf()).
  bool RcvSpaceAdjust(const DrsClock& now, bool locked, bool moderate);
  int64_t rcvbuf() const { return rcvbuf_; }
  // The window field of our SYN/SYN-ACK (never scaled).
  int64_t SynWindow() const { return rcv_wnd_ < 65535 ? rcv_wnd_ : 65535; }
  // The connecting side's last ACK of the handshake: the first scaled
  // window, chosen as for any ACK (tcp_select_window). Returns the window.
  int64_t HandshakeAck() { return static_cast<int64_t>(AckSent() - rcv_wup_); }

  // tcp_event_data_recv for `len` bytes whose GSO segment size is `seg`,
  // queued at `now_ms`: schedules an ACK, learns rcv_mss and the
  // payload/truesize ratio, initialises quickack, grows rcv_ssthresh.
  // `charged` is what the receive queue was charged for it: the skb's
  // truesize, or only the payload when it was coalesced into the tail skb.
  // `psh`: the segment carries PSH (the end of a write). `calls`: the DRS
  // clock's call count (tcp_rcv_space_adjust.cc).
  void OnData(int64_t len, int64_t seg, int64_t charged, int64_t now_ms, bool psh, const DrsClock& clock);
  // SO_RCVBUF after the handshake: the new sk_rcvbuf.
  void SetRcvbuf(int32_t rcvbuf) { rcvbuf_ = rcvbuf; }
  // sk_backlog.len: what waits in the socket's backlog (while its owner is
  // in a call) until __release_sock has processed all of it.
  void AddBacklog(int64_t truesize) { backlog_len_ += truesize; }
  void ClearBacklog() { backlog_len_ = 0; }
  // A received skb of `truesize` was consumed by the reader.
  void OnConsumed(int64_t truesize) { rmem_alloc_ -= truesize; }
  // tcp_collapse replaced skbs of `before` truesize by ones of `after`.
  void OnCollapsed(int64_t before, int64_t after) { rmem_alloc_ += after - before; }
  // tcp_clamp_window, from tcp_prune_queue: no more quickacks, and with
  // the queue over `rcvbuf` the window may grow to two segments at most.
  void ClampWindow(int64_t rcvbuf);
  // tcp_win_from_space(truesize) > len: an skb worth collapsing.
  bool Bloated(int64_t truesize, int64_t len) const { return WinFromSpace(truesize) > len; }
  // tcp_data_queue on data we already have (a retransmission): a D-SACK
  // is due and tcp_enter_quickack_mode ACKs the next segments at once
  // (TCP_MAX_QUICKACKS credit, pingpong ended, ato back to TCP_ATO_MIN).
  void OnDuplicateData();
  // tcp_fin: the FIN takes a sequence number and wants an ACK; the
  // connection is treated as interactive (pingpong) from then on.
  void OnFin();
  // tcp_event_data_sent: we sent data at `now_ms`. A reply sent within ato
  // of the last data received makes the connection interactive (pingpong;
  // tcp_pingpong_thresh is 1), which ends the quickack ACKs.
  void OnDataSent(int64_t now_ms);

  // __tcp_ack_snd_check: true to ACK at once, false to delay it.
  bool AckNowAfterData();
  // __tcp_cleanup_rbuf after a read of `copied` bytes: true to ACK now.
  bool AckNowAfterRead(int64_t copied, bool rcv_shutdown);
  // tcp_select_window + tcp_event_ack_sent: every segment we send carries
  // this ACK. Returns the right edge of the window it advertises (which
  // the 16-bit scaled window field may cap below edge()).
  uint64_t AckSent();
  // tcp_delack_timer_handler: the delayed ACK went out late.
  void OnDelackTimer();
  // When the delayed-ACK timer should fire, from now (tcp_send_delayed_ack):
  // ato, bounded by TCP_DELACK_MIN unless the smoothed RTT (`srtt_us`) is
  // longer. Under a delayedAck fault, FaultDelackMs: the fault's delay.
  int64_t DelackMs(int64_t srtt_us) const;
  int64_t FaultDelackMs(int64_t fault_ms) const;

  bool ack_pending() const { return ack_pending_; }
  uint64_t rcv_nxt() const { return rcv_nxt_; }
  uint64_t rcv_wup() const { return rcv_wup_; }
  uint64_t edge() const { return rcv_wup_ + static_cast<uint64_t>(rcv_wnd_); }
  int64_t rmem_alloc() const { return rmem_alloc_; }
  int64_t rcv_wnd() const { return rcv_wnd_; }  // tp->rcv_wnd: the window last advertised
  int32_t wscale() const { return wscale_; }
  void Describe(JsonWriter& json) const;

 private:
  int64_t WinFromSpace(int64_t space) const { return space <= 0 ? 0 : (space * scaling_ratio_) >> 8; }
  // tcp_space: what the buffer has left, less what waits in the backlog.
  int64_t TcpSpace() const { return WinFromSpace(rcvbuf_ - backlog_len_ - rmem_alloc_); }
  int64_t SelectWindowRaw();  // __tcp_select_window (may leave quickack mode)
  void SetWindowClamp(int64_t val);
  void IncrQuickAck(int max_quickacks);
  void MeasureRcvMss(int64_t len, int64_t seg, bool psh);
  void GrowWindow(int64_t len);
  int64_t SpaceFromWin(int64_t win) const { return win <= 0 ? 0 : (win << 8) / scaling_ratio_; }
  void RcvRttMeasure(const DrsClock& now);                  // tcp_rcv_rtt_measure
  void RcvRttUpdate(int64_t sample_us, bool win_dep);       // tcp_rcv_rtt_update
  bool RcvbufGrow(int64_t newval, bool locked, bool moderate);  // tcp_rcvbuf_grow

  int64_t rcvbuf_ = 0;
  int64_t tcp_rmem_max_ = 0;
  int32_t wscale_ = 0;
  int64_t rcv_wnd_ = 0;
  uint64_t rcv_wup_ = 0;       // rcv_nxt when the window was last advertised
  uint64_t rcv_nxt_ = 0;
  int64_t window_clamp_ = 0;
  int64_t rcv_ssthresh_ = 0;
  int64_t rmem_alloc_ = 0;     // truesize of what waits in the receive queue
  int64_t backlog_len_ = 0;    // sk_backlog.len
  int64_t scaling_ratio_ = 128;  // payload per 256 bytes of truesize (TCP_DEFAULT_SCALING_RATIO)
  int64_t rcv_mss_ = 536;      // icsk_ack.rcv_mss
  int64_t last_seg_size_ = 0;
  int quick_ = 0;              // quickack credit
  bool pingpong_ = false;
  int64_t ato_ms_ = 0;         // 0 until the first data
  int64_t lrcv_ms_ = 0;
  bool ack_pending_ = false;   // ICSK_ACK_SCHED
  bool pushed_ = false;        // ICSK_ACK_PUSHED: a short segment arrived
  bool pushed2_ = false;
  // DRS (tcp_rcv_space_adjust.cc).
  uint64_t copied_seq_ = 0;       // what the reader has taken (rcv_nxt's origin)
  int64_t rcvq_space_ = 0;        // rcvq_space.space: bytes per RTT last measured
  uint64_t rcvq_seq_ = 0;         // rcvq_space.seq
  DrsClock rcvq_time_;            // rcvq_space.time
  int64_t rcv_rtt_us8_ = 0;       // rcv_rtt_est.rtt_us (<< 3), 0 before a sample
  uint64_t rcv_rtt_seq_ = 0;      // rcv_rtt_est.seq
  DrsClock rcv_rtt_time_;         // rcv_rtt_est.time
  bool rcv_rtt_started_ = false;  // rcv_rtt_est.time != 0
  int64_t rcv_rtt_last_tsecr_ = -1;
};

}  // namespace edgeloop
