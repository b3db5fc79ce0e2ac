// TCP over the loopback interface, after net/ipv4/tcp*.c. Segments travel
// through SimContext::Loopback in order and arrive before the sending call
// returns, as on a real host; what is modelled is what a program can
// observe: the connection states, the write queue (unsent and
// unacknowledged skbs, charged until ACKed) and its writability rule
// (sk_stream_wspace >= sk_stream_min_wspace), the receive window and the
// delayed-ACK engine (TcpRcvWindow), the socket lock (ACKs that arrive
// while the owner is inside write() or read() wait in the backlog until
// release_sock), Nagle, FIN and RST with Linux's errno for each state, the
// persist timer that probes a window too small for the next segment, and
// the SYN retransmission when a listener's accept queue is full.
// docs/kernel-fidelity.md lists where byte counts still differ from Linux.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "socket.h"
#include "tcp_bbr.h"
#include "tcp_rcv_window.h"
#include "tcp_rtt_estimator.h"

namespace edgeloop {

class TcpSocket final : public SocketFile {
 public:
  explicit TcpSocket(SimContext& ctx);
  ~TcpSocket() override;

  uint32_t Poll() override;
  SysResult Read(uint8_t* buf, size_t len) override;
  SysResult Write(const uint8_t* data, size_t len) override;
  SysResult Ioctl(IoctlRequest request) override;
  void Release() override;
  void Describe(JsonWriter& json) const override;
  void DescribeBrief(JsonWriter& json) const override;
  // SIOCOUTQ's answer (an established or closing socket).
  int64_t OutQ() const;

  SysResult Bind(const SockAddr& addr) override;
  SysResult Listen(int32_t backlog) override;
  SysResult Connect(const SockAddr& addr) override;
  SysResult Accept(std::shared_ptr<SocketFile>* out) override;
  SysResult GetSockName(std::string* out) override;
  SysResult Shutdown(int32_t how) override;
  bool AcceptReady() const override { return state_ == State::kListen && !accept_queue_.empty(); }

 protected:
  void WriteSpace() override;
  void RcvBufChanged() override;
  SysResult SetNoDelay(int32_t value) override;
  SysResult GetNoDelay() override { return SysResult::Ok(nodelay_ ? 1 : 0); }

 private:
  enum class State {
    kClose, kListen, kSynSent, kEstablished, kCloseWait, kFinWait1, kFinWait2, kClosing, kLastAck
  };
  // The BSD socket layer's view (sock->state), which connect() consults.
  enum class SockState { kUnconnected, kConnecting, kConnected, kDisconnecting };

  // One segment on the wire. Every segment but a RST carries an ACK and
  // the sender's receive window (its right edge).
  struct Segment {
    std::vector<uint8_t> data;
    int64_t gso_size = 0;  // skb_shinfo()->gso_size: the sender's MSS when data is larger
    uint64_t ack = 0;
    uint64_t window_edge = 0;
    bool fin = false;
    bool rst = false;
    bool psh = false;  // the end of a write (tcp_mark_push), or a window probe's data
    // A zero-window probe (tcp_xmit_probe_skb): no data, sequence number
    // snd_una - 1, below the receiver's window, so it only draws an ACK.
    bool probe = false;
    // A retransmission (the tail loss probe's): data the receiver already
    // has, since loopback loses nothing.
    bool retransmit = false;
    // A D-SACK block in the SACK option: the length of the duplicate it
    // reports (0: none).
    int64_t dsack_len = 0;
    // skb_cloned: a clone of an skb the sender keeps on its write queue
    // (data, a FIN, a retransmission: tcp_transmit_skb clones them), which
    // nothing may coalesce into. ACKs, window probes and software GSO's
    // segments are skbs of their own.
    bool cloned = false;
    // The timestamp option (every loopback segment carries one): TSval, the
    // sender's clock in ms when it left, and TSecr, its ts_recent.
    int64_t ts_val = 0;
    int64_t ts_ecr = 0;
    // Page fragments of a segment tcp_add_backlog merged from several (0:
    // counted from its length, as for any segment).
    int64_t frags = 0;
    // The sequence number of the first payload byte (only for counting its
    // page fragments: skb_page_frag_refill.cc).
    uint64_t seq = 0;
    std::weak_ptr<TcpSocket> from;  // who to answer with RST when we are closed
  };
  // An skb of the write queue: [seq, seq + data.size()).
  struct TxSkb {
    uint64_t seq = 0;
    std::vector<uint8_t> data;
    int64_t pcount = 0;  // segments it went out as (0: not sent)
    bool psh = false;    // TCPHDR_PSH: tcp_mark_push marked it
    bool fin = false;    // tcp_send_fin put the FIN on it (it takes the sequence number after the data)
    int64_t sent_ms = 0;  // when it was (last) transmitted: tcp_skb_timestamp_us
    bool retrans = false;  // TCPCB_RETRANS: retransmitted, so its ACK is no RTT sample (Karn)
    uint64_t end() const { return seq + data.size(); }
    uint64_t end_seq() const { return end() + (fin ? 1 : 0); }
  };

  static const char* StateName(State s);
  std::shared_ptr<TcpSocket> Self() { return std::static_pointer_cast<TcpSocket>(shared_from_this()); }

  // Connection setup.
  bool TryHandshake();                    // SYN reaches the listener; false when it is dropped
  void ScheduleSynRetransmit();
  void Establish(const std::shared_ptr<TcpSocket>& peer);
  void ReleasePort();
  uint16_t PickEphemeralPort();

  // The socket lock: segments for an owned socket wait in the backlog.
  void LockSock() { owned_ = true; }
  void ReleaseSock();                     // release_sock: run the backlog
  void RunBacklog();                      // __release_sock's loop over the backlog
  void ReleaseCb();                       // tcp_release_cb: a deferred ACK
  void Transmit(Segment seg);             // onto the loopback, to the peer
  // dev_queue_xmit on lo: a GSO skb too large for the device's GSO is cut
  // into segments first (skb_gso_segment.cc).
  void XmitOnLoopback(Segment seg);
  void Receive(Segment seg);              // from the loopback
  // tcp_add_backlog (tcp_add_backlog.cc): a segment for an owned socket
  // merges into the backlog's tail when it can; false: queue it.
  bool BacklogCoalesce(Segment& seg);
  // tcp_replace_ts_recent / tcp_store_ts_recent: the TSval we echo.
  void ReplaceTsRecent(const Segment& seg);
  void ProcessSegment(const Segment& seg);  // tcp_rcv_established / tcp_rcv_state_process

  // Send side.
  int64_t WmemQueued() const;
  size_t SendHead() const;                // index of tcp_send_head in write_queue_
  bool MemoryFree() const { return WmemQueued() < sndbuf_; }  // sk_stream_memory_free
  bool Writable() const;                  // __sk_stream_is_writeable
  int64_t WritableUpTo() const;           // the largest queue Writable() allows
  int64_t BoundToHalfWindow(int64_t size) const;
  int64_t SizeGoal(int64_t mss_now) const;  // tcp_xmit_size_goal
  // tcp_current_mss (tcp_current_mss.cc): mss_cache less a pending D-SACK's
  // option bytes.
  int64_t CurrentMss() const;
  // D-SACK (tcp_dsack.cc): the receiver's pending block, and the segments
  // the sender learns were duplicated (delivered, for the cwnd).
  void DsackSet(int64_t len);             // tcp_dsack_set
  int64_t DsackSeen(int64_t len);         // tcp_check_dsack -> tcp_dsack_seen
  void OnWindowUpdate(uint64_t edge, uint64_t ack);  // tcp_ack_update_window (+ tcp_sync_mss)
  // tcp_write_xmit; `push` ignores Nagle (TCP_NAGLE_PUSH), `push_one`
  // sends at most one skb (tcp_push_one). `mss_now` is the caller's
  // tcp_current_mss (tcp_sendmsg_locked keeps the one it started with); 0:
  // computed now.
  void XmitPending(bool push, bool push_one, int64_t mss_now = 0);
  bool NagleCheck(bool partial, bool push) const;  // tcp_nagle_check
  void GrowSkb(size_t index, int64_t amount);      // tcp_grow_skb
  void FastPathCheck();                            // tcp_fast_path_check
  bool FastPathData(const Segment& seg) const;     // tcp_rcv_established: the header-predicted data path
  void SplitSkb(size_t index, size_t at);  // tso_fragment
  void SendSkb(size_t index, int64_t mss_now);  // tcp_transmit_skb + tcp_event_new_data_sent
  void OnAck(uint64_t ack, uint64_t edge, int64_t dsack_len, int64_t ts_ecr);  // tcp_ack
  void CheckSpace();                      // tcp_check_space
  // tcp_sndbuf_expand.cc: an unlocked send buffer follows the cwnd.
  bool ShouldExpandSndbuf() const;        // tcp_should_expand_sndbuf
  void SndbufExpand();                    // tcp_sndbuf_expand
  void DataSndCheck();                    // tcp_data_snd_check
  uint64_t DataEnd() const { return fin_queued_ ? fin_seq_ : write_seq_; }
  // Every byte is sent and the FIN waits for the window (tcp_snd_wnd_test).
  bool FinHeld() const { return fin_queued_ && !fin_sent_ && snd_nxt_ == fin_seq_; }
  bool FinFitsWindow() const { return fin_seq_ < snd_wnd_edge_; }
  // Something waits to be sent: data past snd_nxt, or a held FIN (Linux's
  // send head, which may be the FIN's own skb).
  bool SendPending() const { return SendHead() < write_queue_.size() || FinHeld(); }
  // tcp_send_fin.cc: a FIN on an skb of its own is a packet in flight
  // (packets_out), which the loss probe may send again.
  void SendFin();                         // tcp_write_xmit of the FIN's skb
  int64_t FinSkbAcked(uint64_t ack);      // tcp_clean_rtx_queue: its packet, if `ack` covers it
  void RetransmitFin();                   // tcp_send_loss_probe -> __tcp_retransmit_skb
  void MarkPushTail();                    // tcp_push's tcp_mark_push
  // Sends `seg` with our ACK and window, ending a pending delayed ACK.
  void TransmitWithAck(Segment seg);
  // tcp_disconnect sends RST from this state (tcp_need_reset; CLOSING or
  // LAST_ACK only with data unsent).
  bool DisconnectResets(State old_state) const;

  // Receive side.
  void QueueData(const Segment& seg);     // tcp_data_queue
  void AckSndCheck();                     // tcp_ack_snd_check
  void SendAck();                         // tcp_send_ack
  void ScheduleDelack();                  // tcp_send_delayed_ack
  void CleanupRbuf(int64_t copied);       // tcp_cleanup_rbuf
  void OnWindowProbe();                   // an out-of-window segment: tcp_send_dupack, rate-limited
  // tcp_time_wait.cc: an orphan in FIN_WAIT2 is a TIME_WAIT mini-socket.
  void TimeWait();                                // tcp_time_wait -> tcp_done
  void TimeWaitSegment(const Segment& seg);       // tcp_timewait_state_process
  bool time_wait_ = false;

  // The persist timer (ICSK_TIME_PROBE0): nothing in flight and the next
  // segment does not fit the peer's window.
  int64_t ProbeBaseMs() const;            // tcp_probe0_base
  int64_t ProbeWhenMs() const;            // tcp_probe0_when(sk, TCP_RTO_MAX)
  void CheckProbeTimer();                 // tcp_check_probe_timer
  void ResetProbeTimer(int64_t delay_ms);  // tcp_reset_xmit_timer(ICSK_TIME_PROBE0)
  void ClearProbeTimer();
  // The tail loss probe (tcp_loss_probe.cc): armed while data is in
  // flight, it sends new data or the last segment again, which the peer
  // answers at once (a duplicate puts it in quickack mode).
  void ScheduleLossProbe(bool advancing_rto);  // tcp_schedule_loss_probe
  void ClearLossProbe();
  void ScheduleLossProbeEvent(int64_t at);
  void SendLossProbe();                        // tcp_send_loss_probe
  void RttSample(uint64_t ack, int64_t ts_ecr);  // tcp_clean_rtx_queue -> tcp_ack_update_rtt
  // Receive memory (tcp_prune_queue.cc): a queue over sk_rcvbuf is
  // collapsed into compact skbs before more data is queued.
  void PruneQueue();                           // tcp_try_rmem_schedule -> tcp_prune_queue
  void CollapseQueue();                        // tcp_collapse
  void AckProbe();                        // tcp_ack_probe
  void OnProbeTimer();                    // tcp_probe_timer
  void SendProbe0();                      // tcp_send_probe0
  void WriteWakeup();                     // tcp_write_wakeup
  void WriteErr();                        // tcp_write_err

  // Connection end.
  void QueueFin();                        // tcp_send_fin
  void OnFin();                           // tcp_fin
  void OnFinAcked();
  void SendReset();                       // tcp_send_active_reset
  void OnReset();                         // tcp_reset
  void Done();                            // tcp_done
  void CloseState();                      // tcp_close_state + FIN
  void StopListening();
  void Disconnect(State old_state);       // tcp_disconnect
  void StateChange() { wait_queue().Wake(0); }
  void DataReady() { wait_queue().Wake(ev::kIn | ev::kPri | ev::kRdNorm | ev::kRdBand); }
  bool Synchronized() const;              // a state that exchanges data segments

  State state_ = State::kClose;
  SockState sock_state_ = SockState::kUnconnected;
  bool orphan_ = false;        // closed by the application, the connection lives on
  bool done_ = false;          // SOCK_DONE: a FIN ended the receive side
  bool nospace_ = false;       // SOCK_NOSPACE: a writer found no room
  bool nodelay_ = false;
  int syn_retries_ = 0;

  uint32_t local_ip_ = 0;
  uint16_t local_port_ = 0;
  bool port_held_ = false;
  bool addr_bound_ = false;    // bind() chose the local address
  uint32_t remote_ip_ = 0;
  uint16_t remote_port_ = 0;

  std::shared_ptr<TcpSocket> peer_;

  // The socket lock.
  bool owned_ = false;
  std::deque<Segment> backlog_;
  int64_t ts_recent_ = 0;      // rx_opt.ts_recent: the TSval our segments echo
  bool ack_deferred_ = false;  // TCP_ACK_DEFERRED

  // Send side: every skb not yet fully acknowledged, in sequence order.
  std::deque<TxSkb> write_queue_;
  // Where a new page fragment begins in our byte stream (skb_page_frag_refill.cc):
  // a copy into another page, or one that does not continue the last.
  std::deque<uint64_t> frag_starts_;
  // Copies up to `n` bytes of a write into the task's page_frag and onto the
  // tail skb (sk_page_frag_refill, skb_can_coalesce); returns how many.
  size_t PageFragCopy(TxSkb& tail, const uint8_t* data, size_t n);
  // Page fragments of our payload [begin, end) in one skb.
  int64_t FragsOf(uint64_t begin, uint64_t end) const;
  // Whether our queues still reference payload of ours below `end`.
  bool HoldsPayloadBelow(uint64_t end) const;
  uint64_t write_seq_ = 0;     // next sequence number to queue (a FIN counts one)
  uint64_t snd_una_ = 0;
  uint64_t snd_nxt_ = 0;
  uint64_t snd_wnd_edge_ = 0;  // right edge of the peer's window
  int64_t max_window_ = 0;
  // Header prediction (tcp_rcv_established.cc): tp->pred_flags != 0, and
  // tp->snd_wnd, the window of the last ACK taken, which pred_flags holds.
  bool pred_flags_ = false;
  int64_t snd_wnd_ = 0;
  int64_t mss_cache_ = TcpRcvWindow::kAdvMss;
  // rx_opt.dsack: a duplicate arrived and the next segment we send reports
  // it (a D-SACK block), which takes option space from its data.
  bool dsack_pending_ = false;
  int64_t dsack_len_ = 0;      // the pending block's length
  int64_t dsack_dups_ = 0;     // tp->dsack_dups: duplicated segments the peer reported
  int64_t total_retrans_ = 0;  // tp->total_retrans: segments this side retransmitted
  uint64_t snd_sml_ = 0;       // end of the last short segment sent (Minshall's Nagle)
  uint64_t pushed_seq_ = 0;    // write_seq at the last push mark (forced_push)
  int64_t packets_out_ = 0;    // segments sent and not yet acknowledged
  TcpBbr bbr_;                 // the congestion window (BBR on the reference machine)
  TcpRttEstimator rtt_;
  bool tlp_armed_ = false;
  int64_t tlp_at_ = 0;
  uint64_t tlp_gen_ = 0;
  bool tlp_scheduled_ = false;  // an event is pending at tlp_sched_at_
  int64_t tlp_sched_at_ = 0;
  uint64_t tlp_high_seq_ = 0;  // snd_nxt when a probe went out (0: none outstanding)
  bool fin_queued_ = false;
  bool fin_sent_ = false;
  // The FIN went out on an skb of its own (no data on it) and is not ACKed
  // yet: packets_out_ counts it, as tcp_event_new_data_sent does.
  bool fin_skb_out_ = false;
  int64_t fin_sent_ms_ = 0;    // its tcp_skb_timestamp_us
  bool fin_retrans_ = false;   // TCPCB_RETRANS on it (Karn)
  uint64_t fin_seq_ = 0;
  // The persist timer. It shares icsk_retransmit_timer with the RTO, which
  // is not modelled (loopback loses nothing): sending data disarms it.
  bool probe_armed_ = false;
  int64_t probe_at_ = 0;
  uint64_t probe_gen_ = 0;
  int backoff_ = 0;            // icsk_backoff
  int probes_out_ = 0;         // icsk_probes_out: probes no ACK has answered yet

  // Receive side.
  TcpRcvWindow rcv_;
  // A received skb; segments that arrive behind it are coalesced into it
  // (tcp_try_coalesce), which charges only their payload.
  struct RxSkb {
    std::vector<uint8_t> data;
    int64_t truesize = 0;
    uint64_t own_end = 0;  // end of the segment the skb arrived as (its sender's clone)
    int64_t frags = 0;     // page fragments it holds (MAX_SKB_FRAGS bounds coalescing)
  };
  std::deque<RxSkb> receive_queue_;
  uint64_t rx_freed_ = 0;  // payload bytes whose receive skbs were consumed (and freed)
  size_t receive_head_offset_ = 0;
  size_t receive_bytes_ = 0;
  uint64_t delack_gen_ = 0;
  bool delack_armed_ = false;
  int64_t delack_timeout_ = 0;  // icsk_ack.timeout, in ms (a jiffy boundary; under a delayedAck fault, any ms)
  int64_t delack_at_ = 0;       // when the wheel fires it, in ms
  // The one pending timer event for the delayed ACK (as for the loss probe):
  // re-arming later keeps it and it re-schedules itself when it fires early;
  // re-arming earlier schedules anew. Without it, every ACK sent before its
  // timer left a stale event behind (40 a step in a 40-connection echo while
  // the virtual clock stood still: 240,000 after 6,000 steps).
  bool delack_scheduled_ = false;
  int64_t delack_sched_at_ = 0;
  uint64_t delack_event_gen_ = 0;
  void ScheduleDelackEvent(int64_t at);
  // tcp_oow_rate_limited: out-of-window segments get at most one ACK per
  // tcp_invalid_ratelimit.
  bool oow_acked_ = false;
  int64_t last_oow_ack_ms_ = 0;

  // Listener.
  int32_t max_ack_backlog_ = 0;
  std::deque<std::shared_ptr<TcpSocket>> accept_queue_;
};

}  // namespace edgeloop
