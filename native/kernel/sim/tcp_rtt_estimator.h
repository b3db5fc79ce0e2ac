// The smoothed RTT (net/ipv4/tcp_input.c: tcp_rtt_estimator, fed by
// tcp_ack_update_rtt from tcp_clean_rtx_queue), which sets when the tail
// loss probe fires (tcp_schedule_loss_probe: 2 * srtt). On loopback a
// segment ACKed at once takes some microseconds; the sim's clock has
// milliseconds, so a sample taken in the same virtual millisecond counts
// as kLoopbackRttUs (what `ss -ti` shows for a fresh loopback connection:
// 17-23 us). A segment ACKed by the delayed-ACK timer, or after the
// program let time pass, brings a sample of that many milliseconds: that
// is how delayed ACKs inflate srtt on Linux, and they do here.
// The RTO itself stays SimConfig::tcp_rto_ms (rttvar is not modelled).
#pragma once

#include <cstdint>

namespace edgeloop {

class TcpRttEstimator {
 public:
  static constexpr int64_t kLoopbackRttUs = 20;

  // A sample of `rtt_ms` virtual milliseconds (0: the same millisecond).
  void Sample(int64_t rtt_ms);
  // srtt in microseconds, 0 before the first sample.
  int64_t srtt_us() const { return srtt_us8_ >> 3; }
  bool has_sample() const { return srtt_us8_ != 0; }

 private:
  int64_t srtt_us8_ = 0;  // tp->srtt_us: srtt << 3
};

}  // namespace edgeloop
