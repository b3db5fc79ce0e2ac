// Coalescing in the socket backlog (net/ipv4/tcp_ipv4.c: tcp_add_backlog;
// net/core/skbuff.c: skb_try_coalesce), part of TcpSocket. A segment for a
// socket its owner holds (inside read() or write()) waits in the backlog,
// and tcp_add_backlog first tries to append it to the backlog's tail skb:
// the two must be in sequence, both ACKs without SYN/RST/URG, with the same
// TCP options (on loopback: the timestamp option, equal when both left in
// the same millisecond, and no SACK block in either), and the tail must not
// be a clone (skb_try_coalesce). The merged skb is later processed as one
// segment: its data and FIN, the ACK and window of the later segment, the
// largest segment size as its gso_size. So one ACK, one
// tcp_data_snd_check and one ACK decision stand for several segments.
//
// On loopback the tail is a clone whenever it is a data (or FIN) segment
// as the sender transmitted it (tcp_transmit_skb clones; the original
// waits for its ACK in the sender's retransmission queue), so coalescing
// starts only behind a fresh skb: a pure ACK (tcp_send_ack allocates its
// own) or a segment cut by software GSO (skb_gso_segment.cc). Measured:
// seed 862 of the claimed campaign, shrunk: a reader whose window was
// closed drains; its window update lets the peer (FIN_WAIT1, receive side
// shut) send 187959 bytes and its FIN, cut into 65483 + 65483 + 56993
// (`nstat`: TCPBacklogCoalesce); the reader takes them as one segment, so
// the data it then sends ACKs all of them and the FIN, and the peer, reset
// by that data, has SIOCOUTQ 0 on Linux; the sim, one segment at a time,
// sent after the first and left 93804.
//
// Simplified: the fragment count is the sim's estimate (one per 32 KiB of
// payload, as in QueueData); a small segment copied into the tail's
// tailroom is charged its payload like a fragment.
#include <algorithm>

#include "tcp_socket.h"

namespace edgeloop {

namespace {

constexpr int64_t kMaxSkbFrags = 17;     // MAX_SKB_FRAGS
constexpr int64_t kPageFragSize = 32768;

int64_t Frags(const std::vector<uint8_t>& data) {
  return (static_cast<int64_t>(data.size()) + kPageFragSize - 1) / kPageFragSize;
}

}  // namespace

bool TcpSocket::BacklogCoalesce(const Segment& seg) {
  if (backlog_.empty()) return false;
  Segment& tail = backlog_.back();
  // Flags and options: RST never; a zero-window probe or a retransmission
  // is out of sequence (its data is below what the tail ends at); a SACK
  // block makes the options differ; the timestamps must be equal.
  const auto special = [](const Segment& s) { return s.rst || s.probe || s.retransmit || s.dsack_len > 0; };
  if (special(tail) || special(seg) || tail.tsval_ms != seg.tsval_ms) return false;
  // In sequence: nothing follows a FIN.
  if (tail.fin) return false;
  // skb_try_coalesce: never into a clone of the sender's skb.
  const bool tail_fresh = tail.gso_segmented || tail.data.empty();
  if (!tail_fresh) return false;
  if (Frags(tail.data) + Frags(seg.data) > kMaxSkbFrags) return false;
  const auto seg_size = [](const Segment& s) {
    return s.gso_size > 0 ? s.gso_size : static_cast<int64_t>(s.data.size());
  };
  const int64_t gso = std::max(seg_size(tail), seg_size(seg));
  tail.data.insert(tail.data.end(), seg.data.begin(), seg.data.end());
  tail.gso_size = gso;
  // The later segment's ACK and window, unless its ACK is older.
  if (seg.ack >= tail.ack) {
    tail.ack = seg.ack;
    tail.window_edge = seg.window_edge;
  }
  tail.fin = seg.fin;
  tail.psh = tail.psh || seg.psh;  // tcp_flags |=
  tail.gso_segmented = true;       // still the tail's own skb: no clone
  // sk_backlog.len grows by the fragments' truesize: the payload.
  rcv_.AddBacklog(static_cast<int64_t>(seg.data.size()));
  return true;
}

}  // namespace edgeloop
