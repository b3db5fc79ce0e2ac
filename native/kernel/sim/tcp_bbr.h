// BBR's congestion window (net/ipv4/tcp_bbr.c) as far as loopback exercises
// it: the reference machine's congestion control. What a program can see of
// it is how many segments may be in flight (tcp_cwnd_test), hence how many
// small writes still leave as segments of their own and from which one on
// they pile into the tail skb (and share its overhead).
//
// Modelled: STARTUP's bbr_set_cwnd. The cwnd grows by what each ACK
// delivers while fewer than TCP_INIT_CWND packets have been delivered or
// while it is below the target bbr_bdp + bbr_quantization_budget, and
// stays there otherwise. The bandwidth and min-RTT filters run on
// microsecond clocks the sim does not have; on loopback they read what the
// reference machine shows in `ss -ti` for every connection of the campaign:
// bw 1 packet per us (one packet per ACK, the us clock's granularity),
// min_rtt 1 us, so bbr_bdp with STARTUP's high gain (2/ln 2) is 3 packets.
// Not modelled: leaving STARTUP (bbr_check_full_bw_reached needs three
// rounds of samples that are not application-limited), DRAIN, PROBE_BW,
// PROBE_RTT, pacing, loss recovery, ack aggregation (after STARTUP only).
#pragma once

#include <cstdint>

namespace edgeloop {

class TcpBbr {
 public:
  static constexpr int64_t kInitCwnd = 10;  // TCP_INIT_CWND

  int64_t cwnd() const { return cwnd_; }
  int64_t delivered() const { return delivered_; }

  // bbr_main -> bbr_set_cwnd for an ACK that delivered `acked` packets;
  // `mss_cache` is the sender's current MSS (bbr_tso_segs_goal).
  void OnAck(int64_t acked, int64_t mss_cache);

  // The target cwnd bbr_set_cwnd slow-starts towards.
  static int64_t TargetCwnd(int64_t mss_cache);
  // bbr_tso_segs_goal: segments per skb at loopback's pacing rate.
  static int64_t TsoSegsGoal(int64_t mss_cache);

 private:
  int64_t cwnd_ = kInitCwnd;
  // tp->delivered: the handshake counts one (the SYN acknowledged by the
  // SYN-ACK; on the passive side tcp_rcv_state_process counts the SYN-ACK).
  int64_t delivered_ = 1;
};

}  // namespace edgeloop
