// Software GSO on loopback (net/core/dev.c: validate_xmit_skb,
// netif_skb_features, gso_features_check; net/core/gso.c: skb_gso_segment;
// net/ipv4/tcp_offload.c: tcp_gso_segment), part of TcpSocket. lo offers
// TSO, so a GSO skb normally crosses it whole and the receiver queues it
// as one (its gso_size is the MSS it measures). But an skb whose packet,
// headers included, is gso_max_size (65536 on lo) or more loses the
// device's GSO features and is cut in software into gso_size segments,
// each delivered, and ACKed, on its own. With the MSS at its loopback
// maximum (65483) every multi-segment skb is that large: BBR keeps two
// segments per skb (bbr_min_tso_segs), so a 65538-byte skb reaches the
// receiver as 65483 + 55 (a packet capture on lo shows it), and the second
// packet is one more ACK decision (a quickack spent, a window update).
#include <algorithm>

#include "tcp_socket.h"

namespace edgeloop {

namespace {

constexpr int64_t kLoopbackGsoMaxSize = 65536;  // lo's gso_max_size (GSO_LEGACY_MAX_SIZE)
// What precedes the payload in the skb gso_features_check measures: by
// then (validate_xmit_skb, from __dev_queue_xmit) neigh_hh_output has pushed
// lo's link-layer header (loopback_setup: hard_header_len ETH_HLEN), then
// the IPv4 header and the TCP header with the timestamp option every
// loopback segment carries (a pending SACK block adds 12, see
// tcp_current_mss.cc). So two 32741-byte segments (65482 bytes: the MSS of
// a 65536-byte receive buffer's window) already lose GSO: 14 + 52 + 65482
// is 65548.
constexpr int64_t kEthHeader = 14;
constexpr int64_t kIpHeader = 20;
constexpr int64_t kTcpHeader = 20 + 12;

}  // namespace

void TcpSocket::XmitOnLoopback(Segment seg) {
  const auto len = static_cast<int64_t>(seg.data.size());
  const int64_t options = dsack_pending_ ? 12 : 0;
  if (seg.gso_size == 0 || len <= seg.gso_size || kEthHeader + kIpHeader + kTcpHeader + options + len < kLoopbackGsoMaxSize) {
    Transmit(std::move(seg));
    return;
  }
  // skb_segment: gso_size payloads, the last with what is left; tcp_gso_segment
  // keeps PSH and FIN for the last segment only. Each is a new skb, no clone
  // of what the sender keeps (the receiver may coalesce into it).
  for (int64_t off = 0; off < len; off += seg.gso_size) {
    const int64_t n = std::min(seg.gso_size, len - off);
    Segment part;
    part.data.assign(seg.data.begin() + static_cast<std::ptrdiff_t>(off),
                     seg.data.begin() + static_cast<std::ptrdiff_t>(off + n));
    part.ack = seg.ack;
    part.window_edge = seg.window_edge;
    part.retransmit = seg.retransmit;
    part.seq = seg.seq + static_cast<uint64_t>(off);
    part.frags = FragsOf(part.seq, part.seq + static_cast<uint64_t>(n));
    part.cloned = false;  // skb_segment's new skbs
    const bool last = off + n >= len;
    part.psh = last && seg.psh;
    part.fin = last && seg.fin;
    Transmit(std::move(part));
  }
}

}  // namespace edgeloop
