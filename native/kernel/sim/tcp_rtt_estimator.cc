#include "tcp_rtt_estimator.h"

namespace edgeloop {

void TcpRttEstimator::Sample(int64_t rtt_ms) {
  // tcp_rtt_estimator: the first sample is srtt; later ones move it by an
  // eighth of the difference (srtt kept << 3, as the kernel does).
  int64_t m = rtt_ms > 0 ? rtt_ms * 1000 : kLoopbackRttUs;
  if (srtt_us8_ != 0) {
    m -= srtt_us8_ >> 3;
    srtt_us8_ += m;
  } else {
    srtt_us8_ = m << 3;
  }
  if (srtt_us8_ <= 0) srtt_us8_ = 1;
}

}  // namespace edgeloop
