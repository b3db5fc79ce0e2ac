// D-SACK on loopback (RFC 2883; net/ipv4/tcp_input.c: tcp_dsack_set,
// tcp_check_dsack, tcp_dsack_seen; net/ipv4/tcp_output.c:
// tcp_options_write), part of TcpSocket. Loopback loses nothing, so the
// only duplicates are the tail loss probe's retransmissions. The receiver
// reports one in the SACK option of the next segment it sends (at once if
// the duplicate draws an ACK, else with its delayed ACK or its data; the
// option shortens that side's MSS meanwhile, tcp_current_mss.cc). The
// sender counts the duplicated segments as delivered ("a spurious
// retransmission is delivered"), so BBR's STARTUP cwnd grows by one packet
// more than the ACK's newly acknowledged ones: `pair(65536, 16384)`, 20480
// written, the last 4096 probed again, 50 ms: the delayed ACK that carries
// the D-SACK takes the cwnd from 11 to 14 (`ss -ti`), not 13, and a later
// write's skbs merge (tcp_grow_skb, half the cwnd) into one more.
#include "tcp_socket.h"

namespace edgeloop {

void TcpSocket::DsackSet(int64_t len) {
  // tcp_dsack_set (tcp_data_queue's "a retransmit" branch): the duplicate's
  // range waits for the next segment's SACK option.
  dsack_pending_ = true;
  dsack_len_ = len;
}

int64_t TcpSocket::DsackSeen(int64_t len) {
  // tcp_check_dsack -> tcp_dsack_seen: how many segments the D-SACK says
  // were duplicated (0: none, or a dubious block: wider than the largest
  // window, or more duplicates than this side ever retransmitted).
  if (len <= 0 || len > max_window_) return 0;
  const int64_t dup_segs = len > mss_cache_ ? (len + mss_cache_ - 1) / mss_cache_ : 1;
  dsack_dups_ += dup_segs;
  if (dsack_dups_ > total_retrans_) return 0;
  return dup_segs;
}

}  // namespace edgeloop
