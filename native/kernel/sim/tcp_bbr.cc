#include "tcp_bbr.h"

#include <algorithm>

namespace edgeloop {

namespace {

// GSO_MAX_SIZE - 1 - MAX_TCP_HEADER: bbr_tso_segs_goal's byte cap, which
// loopback's pacing rate (>> sk_pacing_shift) always exceeds.
constexpr int64_t kTsoBytes = 65536 - 1 - 320;
// bbr_min_tso_segs at a pacing rate above bbr_min_tso_rate.
constexpr int64_t kMinTsoSegs = 2;
// bbr_bdp(bw, bbr_high_gain) with bw = 1 packet/us and min_rtt = 1 us:
// ceil(1 * 1 * 739 / 256) (BBR_UNIT 256, high gain 2885/1000 * 256 + 1).
constexpr int64_t kStartupBdp = 3;
constexpr int64_t kCwndMinTarget = 4;  // bbr_cwnd_min_target

}  // namespace

int64_t TcpBbr::TsoSegsGoal(int64_t mss_cache) {
  return std::min<int64_t>(std::max(kTsoBytes / mss_cache, kMinTsoSegs), 0x7f);
}

int64_t TcpBbr::TargetCwnd(int64_t mss_cache) {
  // bbr_quantization_budget: three full skbs more, rounded up to even.
  const int64_t cwnd = kStartupBdp + 3 * TsoSegsGoal(mss_cache);
  return (cwnd + 1) & ~int64_t{1};
}

void TcpBbr::OnAck(int64_t acked, int64_t mss_cache) {
  // tcp_clean_rtx_queue counts what is delivered before tcp_cong_control
  // runs, so the test below sees this ACK's packets already.
  delivered_ += acked;
  if (acked <= 0) return;  // no packet fully ACKed: nothing changes
  if (cwnd_ < TargetCwnd(mss_cache) || delivered_ < kInitCwnd) cwnd_ += acked;
  cwnd_ = std::max(cwnd_, kCwndMinTarget);
}

}  // namespace edgeloop
