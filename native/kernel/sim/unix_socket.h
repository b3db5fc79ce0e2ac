// AF_UNIX SOCK_STREAM, after net/unix/af_unix.c. Data travels in skbs that
// stay charged to the *sender* (sk_wmem_alloc, truesize) until the reader
// has consumed a whole skb; writability is wmem_alloc*4 <= sndbuf.
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "socket.h"

namespace edgeloop {

class UnixSocket final : public SocketFile {
 public:
  explicit UnixSocket(SimContext& ctx);

  // socketpair(2): both ends connected to each other.
  static void Connect(const std::shared_ptr<UnixSocket>& a, const std::shared_ptr<UnixSocket>& b);

  uint32_t Poll() override;
  SysResult Read(uint8_t* buf, size_t len) override;
  SysResult Write(const uint8_t* data, size_t len) override;
  SysResult Ioctl(IoctlRequest request) override;
  void Release() override;
  void Describe(JsonWriter& json) const override;
  void DescribeBrief(JsonWriter& json) const override;

  SysResult Bind(const SockAddr& addr) override;
  SysResult Listen(int32_t backlog) override;
  SysResult Connect(const SockAddr& addr) override;
  SysResult Accept(std::shared_ptr<SocketFile>* out) override;
  SysResult GetSockName(std::string* out) override;
  SysResult Shutdown(int32_t how) override;
  bool AcceptReady() const override { return state_ == State::kListen && !embryos_.empty(); }

 protected:
  void WriteSpace() override;
  SysResult SetNoDelay(int32_t) override { return SysResult::Fail(err::kEOPNOTSUPP); }
  SysResult GetNoDelay() override { return SysResult::Fail(err::kEOPNOTSUPP); }

 private:
  enum class State { kClose, kListen, kEstablished };

  struct Skb {
    std::vector<uint8_t> bytes;
    size_t consumed = 0;
    int32_t truesize = 0;
    std::shared_ptr<UnixSocket> owner;  // charged sender (skb_set_owner_w)
    size_t remaining() const { return bytes.size() - consumed; }
  };

  bool Writable() const;
  int64_t WritableUpTo() const;
  int64_t ReceiveQueueBytes() const;
  const char* StateText() const;
  // sock_wfree: an skb charged to us was freed.
  void FreeCharge(int32_t truesize);
  // unix_write_space with sk_wmem_alloc's refcount at wmem + refs.
  void WriteSpaceWithRefs(int64_t refs);
  // unix_release_sock; `embryo` when a never-accepted connection dies with its listener.
  void ReleaseSock(bool embryo);
  void StateChange() { wait_queue().Wake(0); }
  void DataReady() { wait_queue().Wake(ev::kIn | ev::kPri | ev::kRdNorm | ev::kRdBand); }

  State state_ = State::kClose;
  bool released_ = false;
  UnixSocket* peer_ = nullptr;  // unix_peer(sk); kept after the peer dies, like Linux
  std::shared_ptr<UnixSocket> peer_ref_;
  std::string name_;            // abstract name, empty when unbound
  bool bound_ = false;
  int32_t max_ack_backlog_ = 0;
  int64_t wmem_alloc_ = 0;      // sk_wmem_alloc minus its initial 1
  std::deque<Skb> receive_queue_;
  std::deque<std::shared_ptr<UnixSocket>> embryos_;  // a listener's pending connections
};

}  // namespace edgeloop
