// Coalescing on the backlog (net/ipv4/tcp_ipv4.c: tcp_add_backlog;
// net/core/skbuff.c: skb_try_coalesce), part of TcpSocket. A segment that
// reaches a socket its owner holds joins the backlog's last skb when it
// follows it in sequence with the same flags and TCP options, and when
// skb_try_coalesce may append to that skb: not when it is cloned. On
// loopback an skb the sender transmitted is a clone of the one it keeps for
// retransmission, so only an skb cut by software GSO (skb_gso_segment.cc,
// a new skb) can take the segments that follow it. Those are then processed
// as one skb when the owner releases the socket: one ACK decision, one
// receive-queue skb, and tcp_measure_rcv_mss sees the largest segment size
// as its gso_size and the whole length over the whole truesize, which sets
// scaling_ratio (a reader whose read releases a window of two 32742-byte
// segments gets them while it holds the socket: 65482 bytes over 66314 of
// truesize, ratio 252, where one segment alone makes 249).
//
// Simplified: the skbs compared are the sim's segments; TCP options are
// the same when neither carries a D-SACK (the timestamps of segments in one
// backlog are taken within the same millisecond); the backlog's byte count
// grows by the payload (skb_try_coalesce's delta: the frags' truesize).
// Not modelled: pure ACKs, whose skbs are not clones either, coalescing
// into each other in a sender's backlog.
#include <algorithm>

#include "tcp_socket.h"

namespace edgeloop {

namespace {

constexpr int64_t kMaxSkbFrags = 17;     // MAX_SKB_FRAGS
constexpr int64_t kPageFragSize = 32768;  // the sender's page_frag (see QueueData)

int64_t Frags(int64_t len) { return std::max<int64_t>(1, (len + kPageFragSize - 1) / kPageFragSize); }

}  // namespace

bool TcpSocket::CoalesceBacklog(Segment& seg) {
  if (backlog_.empty()) return false;
  Segment& tail = backlog_.back();
  // skb_try_coalesce: never into a clone.
  if (!tail.gso_segmented || tail.data.empty()) return false;
  // tcp_add_backlog: end_seq == seq (a FIN's sequence number or a
  // retransmission's old one breaks it), no SYN/RST/URG, the same options.
  if (tail.fin || tail.rst || tail.probe || tail.retransmit) return false;
  if (seg.rst || seg.probe || seg.retransmit) return false;
  if (tail.dsack_len != 0 || seg.dsack_len != 0) return false;
  const auto tail_len = static_cast<int64_t>(tail.data.size());
  const auto len = static_cast<int64_t>(seg.data.size());
  if (tail.backlog_frags + Frags(len) > kMaxSkbFrags) return false;
  // "Not as strict as GRO. We only need to carry mss max value."
  const int64_t tail_gso = tail.gso_size ? tail.gso_size : tail_len;
  const int64_t gso = seg.gso_size ? seg.gso_size : len;
  tail.data.insert(tail.data.end(), seg.data.begin(), seg.data.end());
  if (len > 0) tail.backlog_frags += Frags(len);
  tail.gso_size = std::max(tail_gso, gso);
  tail.psh = tail.psh || seg.psh;
  tail.fin = seg.fin;
  if (seg.ack > tail.ack) {
    tail.ack = seg.ack;
    tail.window_edge = seg.window_edge;
  }
  rcv_.AddBacklog(len);  // sk_backlog.len += delta
  return true;
}

}  // namespace edgeloop
