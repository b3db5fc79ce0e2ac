// The backlog's coalescing (net/ipv4/tcp_ipv4.c: tcp_add_backlog, with
// net/core/skbuff.c: skb_try_coalesce), and the timestamp a segment echoes
// (net/ipv4/tcp_input.c: tcp_replace_ts_recent, tcp_store_ts_recent), part
// of TcpSocket. A segment for a socket whose owner is inside a call waits
// in its backlog; before queueing it, tcp_add_backlog merges it into the
// backlog's tail skb when the two are consecutive, both ACK, with no
// SYN/RST/URG, the same ECN bits and byte-identical TCP options, and
// skb_try_coalesce accepts the tail: not a clone (loopback delivers clones
// of the data skbs a sender keeps on its write queue, but ACKs are skbs of
// their own) and room for the fragments. The merged skb takes the newer ACK
// and window, the flags of both, and the larger gso_size; the owner then
// processes it as one segment (TCPBacklogCoalesce in nstat). On loopback
// this is a writer's ACKs: the ACKs of the skbs one write() sends arrive
// while it holds the socket and reach tcp_ack as one, so only the last
// window counts for max_window (the MSS: half of it) and the cwnd grows
// once. Options are identical when the timestamps are: TSval is the
// sender's millisecond clock (the sim's virtual one), TSecr its ts_recent,
// which follows the TSval of a segment that arrives when every byte before
// it has been ACKed (seq <= rcv_wup). Simplified: the backlog's byte limit
// (TCPBacklogDrop) is not modelled, nor the tail room that lets a small
// payload be copied rather than take a fragment; a segment's fragments are
// counted as in QueueData (32 KiB page_frag pages).
#include <algorithm>

#include "tcp_socket.h"

namespace edgeloop {

namespace {

constexpr int64_t kMaxSkbFrags = 17;         // MAX_SKB_FRAGS
constexpr int64_t kPageFragSize = 32768;

int64_t Frags(int64_t frags, size_t len) {
  if (len == 0) return 0;
  return std::max<int64_t>(frags, (static_cast<int64_t>(len) + kPageFragSize - 1) / kPageFragSize);
}

}  // namespace

bool TcpSocket::BacklogCoalesce(Segment& seg) {
  if (backlog_.empty()) return false;
  Segment& tail = backlog_.back();
  // Consecutive in sequence space: loopback keeps order, so only a
  // retransmission (below the tail's end) or a zero-window probe
  // (snd_una - 1) is not; neither RST is ever merged.
  if (tail.rst || seg.rst || tail.probe || seg.probe || seg.retransmit || tail.retransmit) return false;
  // The same options: the timestamps, and no SACK block on either.
  if (tail.ts_val != seg.ts_val || tail.ts_ecr != seg.ts_ecr) return false;
  if (tail.dsack_len != 0 || seg.dsack_len != 0) return false;
  // skb_try_coalesce: never into a clone, and at most MAX_SKB_FRAGS.
  if (tail.cloned) return false;
  const int64_t tail_frags = Frags(tail.frags, tail.data.size());
  const int64_t seg_frags = Frags(seg.frags, seg.data.size());
  if (tail_frags + seg_frags > kMaxSkbFrags) return false;
  // The larger segment size ("gso_size ?: len" of each).
  const auto tail_gso = tail.gso_size ? tail.gso_size : static_cast<int64_t>(tail.data.size());
  const auto seg_gso = seg.gso_size ? seg.gso_size : static_cast<int64_t>(seg.data.size());
  tail.gso_size = std::max(tail_gso, seg_gso);
  tail.data.insert(tail.data.end(), seg.data.begin(), seg.data.end());
  tail.frags = tail_frags + seg_frags;
  if (seg.ack >= tail.ack) {
    tail.ack = seg.ack;
    tail.window_edge = seg.window_edge;
  }
  tail.fin = tail.fin || seg.fin;
  tail.psh = tail.psh || seg.psh;
  // sk_backlog.len grows by what the merge took over: the payload's pages.
  rcv_.AddBacklog(static_cast<int64_t>(seg.data.size()));
  return true;
}

void TcpSocket::ReplaceTsRecent(const Segment& seg) {
  // The segment's sequence number: rcv_nxt for one in order, the last
  // segment's start for the loss probe's duplicate.
  const uint64_t len = seg.data.size();
  const uint64_t seq = seg.retransmit && rcv_.rcv_nxt() >= len ? rcv_.rcv_nxt() - len : rcv_.rcv_nxt();
  if (seq <= rcv_.rcv_wup()) ts_recent_ = seg.ts_val;
}

}  // namespace edgeloop
