// The MSS a segment is cut to now (net/ipv4/tcp_output.c: tcp_current_mss,
// tcp_established_options), part of
// TcpSocket. mss_cache is the MSS for a header with the options every
// segment carries (timestamps); a segment that carries more options has that
// much less room for data. On loopback the only such option is a D-SACK: a
// receiver that got data it already had (the tail loss probe's
// retransmission) reports it in the SACK option of the next segment it
// sends (tcp_dsack.cc), and until that segment leaves (tcp_options_write clears
// rx_opt.dsack) every MSS it computes is one SACK block shorter: 4 bytes of
// option header (two NOPs, kind, length) and 8 per block. When the
// duplicate draws an ACK at once that costs nothing; when the ACK is delayed
// (the receiver is not in quickack mode for it: see tcp_rcv_window.cc), a
// write in between is cut to MSS - 12: `pair(2304, 8192)`, the peer's fill
// leaves a segment unACKed, its loss probe resends it, and our write of
// 28672 returns 4084 instead of 4096.
#include <algorithm>

#include "tcp_socket.h"

namespace edgeloop {

namespace {

constexpr int64_t kSackBaseAligned = 4;  // TCPOLEN_SACK_BASE_ALIGNED
constexpr int64_t kSackPerBlock = 8;     // TCPOLEN_SACK_PERBLOCK

}  // namespace

int64_t TcpSocket::CurrentMss() const {
  // tcp_current_mss: mss_cache less what tcp_established_options adds beyond
  // tcp_header_len (rx_opt.num_sacks is 0 on loopback, which never reorders).
  const int64_t sack_blocks = dsack_pending_ ? 1 : 0;
  const int64_t extra = sack_blocks ? kSackBaseAligned + sack_blocks * kSackPerBlock : 0;
  return std::max<int64_t>(1, mss_cache_ - extra);
}

}  // namespace edgeloop
