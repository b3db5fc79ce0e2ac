// Send-buffer growth (net/ipv4/tcp_input.c: tcp_check_space, tcp_new_space,
// tcp_should_expand_sndbuf, tcp_sndbuf_expand, tcp_rcv_established,
// tcp_data_snd_check; tcp_output.c: tcp_event_new_data_sent), part of
// TcpSocket. An unlocked SO_SNDBUF is sized for the congestion window: three
// (BBR's sndbuf_expand factor) worst-case skbs per segment of
// max(TCP_INIT_CWND, cwnd, reordering + 1), a worst-case skb being a
// power-of-two head for one MSS and its headers plus the sk_buff (131328
// bytes on loopback's 64 KiB MTU). At establishment that is 3 * 10 * 131328 =
// 3939840 (SimConfig::tcp_sndbuf_established). It grows, for a writer that
// ran out of room (SOCK_NOSPACE) while the cwnd is not full, whenever
// tcp_check_space runs: once BBR's cwnd passes 10, 3 * 11 * 131328 is over
// tcp_wmem[2], so the buffer becomes 4194304. tcp_check_space runs from
// tcp_data_snd_check after an incoming segment (tcp_rcv_established; not for
// the fast path's data that acknowledges nothing: tcp_rcv_established.cc)
// and from tcp_event_new_data_sent after each skb sent (tcp_output.c),
// whether or not anything was freed: Linux dropped SOCK_QUEUE_SHRUNK, so a
// window update that frees nothing but lets a full queue move grows the
// buffer too (seeds 105 and 406 of the unlocked regime).
#include <algorithm>

#include "tcp_socket.h"

namespace edgeloop {

namespace {

constexpr int64_t kInitCwnd = 10;        // TCP_INIT_CWND
constexpr int64_t kReordering = 3;       // sysctl_tcp_reordering (tp->reordering)
constexpr int64_t kBbrSndbufExpand = 3;  // bbr_sndbuf_expand
constexpr int64_t kMaxTcpHeader = 320;   // MAX_TCP_HEADER

int64_t RoundupPowOfTwo(int64_t n) {
  int64_t p = 1;
  while (p < n) p <<= 1;
  return p;
}

}  // namespace

bool TcpSocket::ShouldExpandSndbuf() const {
  // tcp_should_expand_sndbuf: not if SO_SNDBUF locked it (no memory
  // pressure on loopback), nor if the cwnd is full.
  return !sndbuf_locked_ && packets_out_ < bbr_.cwnd();
}

void TcpSocket::SndbufExpand() {
  // tcp_sndbuf_expand: per_mss from the larger of mss_clamp and mss_cache.
  const int64_t mss = std::max<int64_t>(TcpRcvWindow::kAdvMssNoTimestamps, mss_cache_);
  const int64_t per_mss = RoundupPowOfTwo(mss + kMaxTcpHeader + kSkbSharedInfo) + kSkbStruct;
  const int64_t nr_segs = std::max({kInitCwnd, bbr_.cwnd(), kReordering + 1});
  const int64_t sndmem = kBbrSndbufExpand * nr_segs * per_mss;
  if (sndbuf_ < sndmem) sndbuf_ = static_cast<int32_t>(std::min<int64_t>(sndmem, ctx_.config.tcp_wmem[2]));
}

}  // namespace edgeloop
