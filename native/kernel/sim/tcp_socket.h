// TCP over the loopback interface, after net/ipv4/tcp*.c. Loopback delivers
// in the sending call, so segments and ACKs are instantaneous here; what is
// modelled is what a program can observe: the connection states, the send
// queue and its writability rule (sk_stream_wspace >= sk_stream_min_wspace),
// the receive window, FIN and RST with Linux's errno for each state, and
// the SYN retransmission when a listener's accept queue is full.
// Byte counts that depend on ACK timing on a real host are approximations;
// docs/kernel-fidelity.md lists each deviation.
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "socket.h"

namespace edgeloop {

class TcpSocket final : public SocketFile {
 public:
  explicit TcpSocket(SimContext& ctx);
  ~TcpSocket() override;

  uint32_t Poll() override;
  SysResult Read(uint8_t* buf, size_t len) override;
  SysResult Write(const uint8_t* data, size_t len) override;
  SysResult Ioctl(IoctlRequest request) override;
  void Release() override;
  void Describe(JsonWriter& json) const override;

  SysResult Bind(const SockAddr& addr) override;
  SysResult Listen(int32_t backlog) override;
  SysResult Connect(const SockAddr& addr) override;
  SysResult Accept(std::shared_ptr<SocketFile>* out) override;
  SysResult GetSockName(std::string* out) override;
  SysResult Shutdown(int32_t how) override;
  bool AcceptReady() const override { return state_ == State::kListen && !accept_queue_.empty(); }

 protected:
  void WriteSpace() override;
  SysResult SetNoDelay(int32_t value) override;
  SysResult GetNoDelay() override { return SysResult::Ok(nodelay_ ? 1 : 0); }

 private:
  enum class State {
    kClose, kListen, kSynSent, kEstablished, kCloseWait, kFinWait, kLastAck, kTimeWait
  };
  // The BSD socket layer's view (sock->state), which connect() consults.
  enum class SockState { kUnconnected, kConnecting, kConnected };

  static const char* StateName(State s);
  std::shared_ptr<TcpSocket> Self() { return std::static_pointer_cast<TcpSocket>(shared_from_this()); }

  // Connection setup.
  bool TryHandshake();                    // SYN reaches the listener; false when it is dropped
  void ScheduleSynRetransmit();
  void Establish(const std::shared_ptr<TcpSocket>& peer);
  void ReleasePort();
  uint16_t PickEphemeralPort();

  // Data path.
  bool Writable() const;                  // __sk_stream_is_writeable
  int64_t ReceiveWindow() const;          // payload the receive queue may hold
  void Push();                            // move what the peer's window takes
  void OnQueueShrunk();                   // tcp_check_space
  void DeliverFin();                      // our FIN reaches the peer
  void OnFin();                           // tcp_fin
  void SendReset();                       // tell the peer RST
  void OnReset();                         // tcp_reset
  void Done();                            // tcp_done
  void SendFinWhenDrained();
  void CleanupRbuf();                     // tcp_cleanup_rbuf: window update after a read
  void StopListening();
  void Disconnect();
  void StateChange() { wait_queue().Wake(0); }
  void DataReady() { wait_queue().Wake(ev::kIn | ev::kPri | ev::kRdNorm | ev::kRdBand); }
  int64_t QueuedPayload() const { return static_cast<int64_t>(send_bytes_); }

  State state_ = State::kClose;
  SockState sock_state_ = SockState::kUnconnected;
  bool orphan_ = false;        // closed by the application, the connection lives on
  bool done_ = false;          // SOCK_DONE: a FIN or RST ended the receive side
  bool nospace_ = false;       // SOCK_NOSPACE: a writer found no room
  bool fin_pending_ = false;   // FIN queued behind the send queue
  bool fin_sent_ = false;
  bool nodelay_ = false;
  int syn_retries_ = 0;

  uint32_t local_ip_ = 0;
  uint16_t local_port_ = 0;
  bool port_held_ = false;
  uint32_t remote_ip_ = 0;
  uint16_t remote_port_ = 0;

  std::shared_ptr<TcpSocket> peer_;
  std::weak_ptr<TcpSocket> connect_target_;  // listener of a pending SYN

  // Send side: bytes written and not yet taken by the peer's window.
  std::deque<std::vector<uint8_t>> send_queue_;
  size_t send_head_offset_ = 0;
  size_t send_bytes_ = 0;
  int64_t send_skbs_ = 0;      // skbs the queued bytes occupy (for wmem_queued)
  uint64_t write_seq_ = 0;     // SIOCOUTQ = write_seq - snd_una
  uint64_t snd_una_ = 0;

  // Receive side.
  std::deque<std::vector<uint8_t>> receive_queue_;
  size_t receive_head_offset_ = 0;
  size_t receive_bytes_ = 0;
  int64_t rcv_nxt_ = 0;        // bytes received so far
  int64_t window_edge_ = 0;    // rcv_nxt + the window last advertised

  // Listener.
  int32_t max_ack_backlog_ = 0;
  std::deque<std::shared_ptr<TcpSocket>> accept_queue_;
};

}  // namespace edgeloop
