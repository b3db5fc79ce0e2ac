// The sysctls and limits the simulated kernel reproduces. Defaults are the
// values of the Debian machines this project is verified on; every one of
// them is observable through getsockopt or errno sequences.
#pragma once

#include <cstdint>

namespace edgeloop {

struct SimConfig {
  int32_t wmem_default = 212992;  // net.core.wmem_default (AF_UNIX sndbuf)
  int32_t rmem_default = 212992;  // net.core.rmem_default (AF_UNIX rcvbuf)
  int32_t wmem_max = 4194304;     // net.core.wmem_max: SO_SNDBUF clamp
  int32_t rmem_max = 4194304;     // net.core.rmem_max: SO_RCVBUF clamp
  int32_t tcp_wmem[3] = {4096, 16384, 4194304};
  int32_t tcp_rmem[3] = {4096, 131072, 33554432};
  int32_t tcp_moderate_rcvbuf = 1;  // receive-buffer autotuning (tcp_rcv_space_adjust)
  // SO_SNDBUF of an established TCP socket whose sndbuf is not locked:
  // tcp_sndbuf_expand() = bbr's factor 3 * TCP_INIT_CWND 10 * per-MSS
  // truesize 131328 on the 64 KiB-MTU loopback.
  int32_t tcp_sndbuf_established = 3939840;
  int32_t somaxconn = 4096;
  int32_t max_fds = 1024;         // RLIMIT_NOFILE: EMFILE beyond it
  // A delayedAck fault (SimKernel::SetDelayedAckMs): the delayed-ACK timer
  // then fires tcp_delack_ms after it was armed, to the ms, once ato has
  // reached TCP_ATO_MIN (TcpRcvWindow::FaultDelackMs). Without it the timer
  // is the kernel's: TCP_DELACK_MIN (HZ/25, 10 jiffies) bounds ato, and the
  // wheel fires it at a jiffy boundary, 41 to 44 ms after it was armed
  // (jiffies.h).
  int32_t tcp_delack_ms = 40;
  bool tcp_delack_exact = false;
  // icsk_rto of a loopback connection once the handshake measured an RTT:
  // TCP_RTO_MIN (rttvar never drops below it) plus the few-microsecond srtt,
  // which usecs_to_jiffies rounds up to 51 jiffies at HZ=250 (`ss -ti` shows
  // rto:204). The persist timer starts from it (tcp_probe0_base).
  int32_t tcp_rto_ms = 204;
  uint16_t ephemeral_low = 32768;  // net.ipv4.ip_local_port_range
  uint16_t ephemeral_high = 60999;
};

// Sizes from the kernel's skb layout (x86_64, 4 KiB pages, 64-byte lines).
constexpr int32_t kPageSize = 4096;
constexpr int32_t kSkbSharedInfo = 320;    // SKB_DATA_ALIGN(sizeof(struct skb_shared_info))
constexpr int32_t kSkbStruct = 256;        // SKB_DATA_ALIGN(sizeof(struct sk_buff))
constexpr int32_t kSkbMaxHead0 = kPageSize - kSkbSharedInfo;  // SKB_MAX_HEAD(0)
constexpr int32_t kSockMinSndbuf = 2 * (2048 + kSkbStruct);   // SOCK_MIN_SNDBUF
constexpr int32_t kSockMinRcvbuf = 2048 + kSkbStruct;         // SOCK_MIN_RCVBUF

}  // namespace edgeloop
