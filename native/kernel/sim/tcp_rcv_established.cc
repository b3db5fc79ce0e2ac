// Header prediction, after net/ipv4/tcp_input.c (tcp_rcv_established's fast
// path, tcp_ack_update_window, tcp_data_queue) and include/net/tcp.h
// (tcp_fast_path_check, __tcp_fast_path_on), net/ipv4/tcp_output.c
// (tcp_select_window), part of TcpSocket.
//
// tcp_rcv_established takes a segment the fast way when its header is what
// tp->pred_flags predicts (only ACK, and PSH, set; only the timestamp
// option; the window field equal to snd_wnd), it is the next in sequence
// and acknowledges nothing beyond snd_nxt. A data segment that also
// acknowledges nothing new (ack_seq == snd_una) is then queued with
// tcp_update_wl alone: no tcp_ack (so no tcp_ack_probe re-arming the
// persist timer, no icsk_probes_out reset) and no tcp_data_snd_check, so no
// tcp_write_xmit and none of its tcp_grow_skb. The slow path does both. Seed
// 1007 (claimed regime): a writer whose peer's window is closed has filled
// its queue to [46593, 6912] (the last skb full at size_goal 6912); the
// peer writes 215 bytes; on the slow path tcp_write_xmit would have grown
// the head by 1791 bytes from the tail, leaving 1791 bytes of room in it
// for the next write (the sim, before); Linux took the fast path
// (TcpExtTCPHPHits +1), the tail stayed full, and the next write found no
// room and no free memory: EAGAIN.
//
// pred_flags is cleared when we advertise a zero window (tcp_select_window)
// and when the peer's window changes (tcp_ack_update_window), which then
// turns it on again through tcp_fast_path_check, as does tcp_data_queue
// after queueing in order, if the out-of-order queue is empty (loopback
// keeps order), our last advertised window is not zero and the receive
// queue is under sk_rcvbuf. The connecting side starts with it on only if
// the peer does not scale its window (tcp_finish_connect); the accepted
// side with it on (tcp_rcv_state_process).
//
// The fast path also needs the segment's truesize to fit sk_forward_alloc
// (else step5: the slow path's tcp_ack and tcp_data_snd_check), so in
// practice only small segments take it. Simplified: the sim keeps no
// sk_forward_alloc; it is taken as what the socket's last charged page has
// left, -(sk_wmem_queued + sk_rmem_alloc) mod PAGE_SIZE, which is what it
// is while every charge schedules whole pages and every uncharge reclaims
// down to less than one (sk_mem_charge, __sk_mem_schedule, sk_mem_uncharge
// -> sk_mem_reclaim, Linux 6.0 on). A receive skb coalesced after
// tcp_try_rmem_schedule scheduled its whole truesize leaves more (up to a
// page) until the next uncharge, which this misses: on seed 366's first
// fill Linux counted 20 fast-path data segments (TcpExtTCPHPHits), the sim
// 17. Without the test, seeds 366 and 825 diverged (large segments taken
// on the fast path, their tcp_data_snd_check skipped). Only the
// difference above is modelled: a predicted segment that acknowledges new
// data is processed as before (the fast path calls tcp_ack and
// tcp_data_snd_check for it too), and the fast path's other shortcuts (no
// tcp_try_rmem_schedule before queueing) are not.
#include "tcp_socket.h"

namespace edgeloop {

namespace {

constexpr int64_t kPage = 4096;  // PAGE_SIZE: sk_forward_alloc's unit

}  // namespace

void TcpSocket::FastPathCheck() {
  // tcp_fast_path_check -> tcp_fast_path_on (urgent data: never here).
  if (rcv_.rcv_wnd() != 0 && rcv_.rmem_alloc() < rcvbuf_) pred_flags_ = true;
}

bool TcpSocket::FastPathData(const Segment& seg) const {
  if (state_ != State::kEstablished || !pred_flags_) return false;
  // The flags and header length pred_flags holds: a FIN, an RST, a SACK
  // option (the D-SACK block) do not match; a window probe is below the
  // window, a retransmission not the next in sequence.
  if (seg.fin || seg.rst || seg.probe || seg.retransmit || seg.dsack_len != 0 || seg.data.empty()) return false;
  if (seg.seq != rcv_.rcv_nxt() || seg.ack > snd_nxt_) return false;
  // The window field, as pred_flags holds snd_wnd.
  if (seg.window_edge < seg.ack || static_cast<int64_t>(seg.window_edge - seg.ack) != snd_wnd_) return false;
  // The skb's truesize must fit sk_forward_alloc (else step5).
  const int64_t used = WmemQueued() + rcv_.rmem_alloc();
  const int64_t forward_alloc = (kPage - used % kPage) % kPage;
  return static_cast<int64_t>(seg.data.size()) + TcpRcvWindow::kSkbOverhead <= forward_alloc;
}

}  // namespace edgeloop
