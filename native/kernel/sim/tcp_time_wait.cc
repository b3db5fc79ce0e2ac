// An orphan in FIN_WAIT2 becomes a TIME_WAIT mini-socket (net/ipv4/tcp.c:
// __tcp_close; tcp_input.c: tcp_rcv_state_process, TCP_FIN_WAIT1 of a dead
// socket; tcp_minisocks.c: tcp_time_wait, tcp_timewait_state_process; tcp.c:
// tcp_done), part of TcpSocket. close() of a socket in FIN_WAIT2, or the ACK
// of an orphan's FIN (a segment without data or FIN, not from the backlog),
// does not keep the full socket: tcp_fin_time is tcp_fin_timeout, 60 s, not
// more than TCP_TIMEWAIT_LEN, so tcp_time_wait hands the connection to an
// inet_timewait_sock of substate FIN_WAIT2 and tcp_done ends the full
// socket with its timers. A delayed ACK it owed is never sent: the peer's
// data stays unACKed until its own timer sends it again (on loopback the
// loss probe; with one packet out that is 2 * srtt + TCP_RTO_MIN later). The
// mini-socket answers by tcp_timewait_state_process: a segment below its
// window (the probe's copy, a window probe) with a plain ACK (no SACK),
// which tcp_oow_rate_limited limits for segments without data only; a pure
// ACK with nothing; new data with RST; the peer's FIN with an ACK, moving
// to TIME_WAIT (which the sim has as a closed socket, as for both FINs).
// Measured (seed 2597): close() in FIN_WAIT2 with the peer's last 65483
// bytes unACKed; 50 ms later the peer's SIOCOUTQ is still 65483 (the sim
// before: 0, the orphan's delayed ACK) and it polls no EPOLLOUT; 190 to
// 210 ms after the close it is 0 (nstat: TW 1, TCPLossProbes 1,
// TCPLossProbeRecovery 1), and its next byte draws RST (EPIPE).
// Simplified: the mini-socket stays the TcpSocket in state FIN_WAIT2 with
// its timers off; its 60 s lifetime is not modelled.
#include "tcp_socket.h"

namespace edgeloop {

void TcpSocket::TimeWait() {
  // tcp_time_wait -> tcp_done: inet_csk_clear_xmit_timers (the delayed
  // ACK, the persist and loss-probe timers); a deferred ACK finds the
  // socket closed (__tcp_send_ack). The mini-socket's oow clock starts at 0.
  time_wait_ = true;
  delack_armed_ = false;
  ++delack_gen_;
  ack_deferred_ = false;
  dsack_pending_ = false;
  ClearProbeTimer();
  ClearLossProbe();
  oow_acked_ = false;
}

void TcpSocket::TimeWaitSegment(const Segment& seg) {
  // tcp_timewait_state_process, substate FIN_WAIT2 (a RST was taken
  // before: the mini-socket is killed).
  if (seg.probe) {
    OnWindowProbe();  // below the window, no data: a rate-limited ACK
    return;
  }
  if (seg.retransmit) {
    SendAck();  // below the window, with data: an ACK, never rate-limited
    return;
  }
  if (seg.data.empty() && !seg.fin) return;  // a duplicate ACK
  if (!seg.data.empty()) {
    // New data after a half-duplex close: RST, and the mini-socket goes.
    SendReset();
    Done();
    return;
  }
  OnFin();  // the peer's FIN: ACKed, TIME_WAIT
}

}  // namespace edgeloop
