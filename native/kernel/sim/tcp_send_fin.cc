// A FIN on an skb of its own (net/ipv4/tcp_output.c: tcp_send_fin,
// tcp_event_new_data_sent, tcp_send_loss_probe; tcp_input.c:
// tcp_clean_rtx_queue, tcp_data_queue), part of TcpSocket. When shutdown()
// or close() finds nothing unsent, tcp_send_fin queues a new skb that
// carries only the FIN (tcp_init_nondata_skb: one packet, tcp_skb_pcount
// 1), and sending it counts that packet in packets_out like data. Two
// things follow. The loss probe's timeout depends on packets_out (2 * srtt
// + 2 ms with two or more out, + TCP_RTO_MIN with one), so a FIN sent behind
// data the peer has not ACKed yet brings the probe forward to 4 to 8 ms;
// and the probe, finding no new data, sends the last skb of the
// retransmission queue again, which is the FIN's. The peer, past that FIN
// (CLOSE_WAIT, LAST_ACK), takes the copy as a duplicate (tcp_data_queue:
// D-SACK of its one sequence number, quickack mode, an ACK at once), and
// the copy carries our current window: a window the reader reopened after
// the FIN went out (tcp_cleanup_rbuf sends no update once the receive side
// is shut) reaches the peer this way. Measured (seed 1290 of the claimed
// campaign): SHUT_RDWR with 4098 bytes unACKed, the peer's data waits for
// our window; 50 ms later Linux has sent the FIN again (`ss`: unacked 2,
// then `dsack_dups` 1), the peer's data arrived on a socket whose receive
// side is shut, and both ends were reset. The sim counted no packet for the
// FIN, so its probe, due with one packet out, waited for the RTO.
// Like data, the FIN's skb passes tcp_write_xmit's tcp_cwnd_test: Linux 6.10
// removed its exception ("tcp: remove dubious FIN exception from
// tcp_cwnd_test()"), so behind a cwnd full of unACKed packets the FIN waits
// for an ACK, or for the loss probe, which forces one new packet out (push_one
// 2). Measured (seeds 1085, 1915): the peer polls no RDHUP meanwhile, and its
// write to an orphan still in FIN_WAIT1 draws RST: ECONNRESET, where a FIN
// already received (CLOSE_WAIT) would have made it EPIPE (tcp_reset).
// Simplified: the FIN's skb is not a TxSkb (it holds no data); the RTO that
// would also send it again is not modelled (the peer's delayed ACK, 40 ms,
// always comes first on loopback).
#include "tcp_socket.h"

namespace edgeloop {

void TcpSocket::SendFin() {
  fin_sent_ = true;
  snd_nxt_ = fin_seq_ + 1;
  ClearProbeTimer();  // the RTO timer takes over
  // tcp_event_new_data_sent: the FIN's skb is one packet in flight.
  fin_skb_out_ = true;
  fin_sent_ms_ = ctx_.now_ms;
  fin_retrans_ = false;
  packets_out_ += 1;
  Segment seg;
  seg.cloned = true;  // the FIN's skb stays on the write queue
  seg.fin = true;
  TransmitWithAck(std::move(seg));
}

int64_t TcpSocket::FinSkbAcked(uint64_t ack) {
  // tcp_clean_rtx_queue frees the FIN's skb once the ACK covers its
  // sequence number: one packet acknowledged (and delivered).
  if (!fin_skb_out_ || ack <= fin_seq_) return 0;
  fin_skb_out_ = false;
  return 1;
}

void TcpSocket::RetransmitFin() {
  // tcp_send_loss_probe -> __tcp_retransmit_skb of the FIN's skb: the FIN
  // again, with our ACK and current window.
  Segment seg;
  seg.cloned = true;
  seg.fin = true;
  seg.retransmit = true;
  fin_retrans_ = true;
  fin_sent_ms_ = ctx_.now_ms;
  ++total_retrans_;
  tlp_high_seq_ = snd_nxt_;
  TransmitWithAck(std::move(seg));
}

}  // namespace edgeloop
