// FaultKernel: a Kernel decorator in the simulation host's reactor chain
//     reactor -> TracingKernel -> StatsKernel -> FaultKernel -> base kernel
// that makes some of the reactor's own calls fail or come back short the
// way Linux does under signals, fd exhaustion and memory pressure, when an
// embedder arms it (for a seeded bug search). The peers reach the base
// kernel through their own binding, never through this: only the reactor
// meets the faults. Above it, the tracer records what the reactor saw, and
// the stats count it; each firing adds one record of its own to the same
// log, just before the record of the call it changed:
//   {"t":12,"actor":"sim","call":"fault","args":{"fault":"shortWrite","fd":5,"maxBytes":1}}
// (args: FaultSpec::WriteArgs, the spec without its count).
//
// Unarmed it forwards every call unchanged and makes none of its own. Armed,
// a per-call fault fires only where the call would have gone its normal way,
// and only a firing uses up its count:
//   eintr           epoll_wait fails EINTR before looking at the ready list
//                   (ep_poll: signal_pending), so nothing is consumed.
//   acceptError     an accept that would have succeeded fails. EMFILE,
//                   ENFILE, ENOBUFS, ENOMEM leave the connection queued
//                   (do_accept: the fd and the socket are allocated before
//                   the dequeue); ECONNABORTED takes it, closes it and tells
//                   the host (SetAbortedCallback): the client was accepted
//                   by the kernel and is gone, unseen by the reactor.
//   shortWrite      a write of more than maxBytes on fd is offered only
//                   maxBytes (tcp_sendmsg_locked stopping at
//                   sk_stream_memory_free). Fired when the cut write took
//                   all of them: an error or a shorter write is what the
//                   socket gives anyway, and leaves the fault armed.
//   spuriousWakeup  epoll_wait on an epoll where fd is registered also
//                   reports it, with its registered data, though nothing is
//                   ready (epoll(7)); ORed into its entry when it is there
//                   already. Only the events of the registration's interest
//                   mask are reported (epoll never reports others); no room
//                   (maxevents), no registration, or no event of the fault
//                   in the mask: the call is left alone. Registrations are
//                   learned from the EpollCtl and Close calls that pass here
//                   (the reactor never dups an fd).
// The other two change the simulated kernel at once and fire when armed:
//   nofile      RLIMIT_NOFILE lowered: new fds from limit up fail EMFILE.
//   delayedAck  the TCP delayed-ACK timer's delay (TCP_DELACK_MIN).
//
// One thread: the simulation host runs one loop.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "../kernel/kernel.h"
#include "../kernel/trace_log.h"
#include "fault_spec.h"

namespace edgeloop {

class SimKernel;

class FaultKernel final : public Kernel {
 public:
  // `sim`: the base kernel when it is the simulated one, else null (the
  // simulation's linux engine): nofile and delayedAck need it.
  FaultKernel(Kernel& inner, SimKernel* sim, TraceLog& log) : inner_(inner), sim_(sim), log_(log) {}

  // Arms `spec`; nofile and delayedAck take effect now. Throws
  // std::invalid_argument when the base kernel cannot give the fault.
  void Arm(const FaultSpec& spec);
  // Called after an accept failed ECONNABORTED by a fault (the connection it took is closed).
  void SetAbortedCallback(std::function<void()> cb) { aborted_cb_ = std::move(cb); }

  // Faults fired so far (each firing once: a count of 3 fires three times).
  uint64_t fired() const { return fired_; }
  // Calls the reactor made on an fd after it closed it and before it got
  // that number back from a call of its own (socket, accept, eventfd,
  // epoll_create, dup): the number may be someone else's by then. The
  // first one, as "call(fd)", for the evidence.
  uint64_t closed_fd_uses() const { return closed_fd_uses_; }
  const std::string& first_closed_fd_use() const { return first_closed_fd_use_; }

  SysResult Socket(Family family) override { return Opened(inner_.Socket(family)); }
  SysResult Bind(int32_t fd, const std::string& addr) override { return inner_.Bind(Use(fd, "bind"), addr); }
  SysResult Listen(int32_t fd, int32_t backlog) override { return inner_.Listen(Use(fd, "listen"), backlog); }
  SysResult Connect(int32_t fd, const std::string& addr) override { return inner_.Connect(Use(fd, "connect"), addr); }
  SysResult Accept(int32_t fd) override;
  SysResult GetSockName(int32_t fd, std::string* addr) override { return inner_.GetSockName(Use(fd, "getsockname"), addr); }
  SysResult Read(int32_t fd, uint8_t* buf, size_t len) override { return inner_.Read(Use(fd, "read"), buf, len); }
  SysResult Write(int32_t fd, const uint8_t* data, size_t len) override;
  SysResult Shutdown(int32_t fd, ShutdownHow how) override { return inner_.Shutdown(Use(fd, "shutdown"), how); }
  SysResult Close(int32_t fd) override;
  SysResult Dup(int32_t fd) override { return Opened(inner_.Dup(Use(fd, "dup"))); }
  SysResult EventFd() override { return Opened(inner_.EventFd()); }
  SysResult SetSockOpt(int32_t fd, SockOpt opt, int32_t value) override { return inner_.SetSockOpt(Use(fd, "setsockopt"), opt, value); }
  SysResult GetSockOpt(int32_t fd, SockOpt opt) override { return inner_.GetSockOpt(Use(fd, "getsockopt"), opt); }
  SysResult Ioctl(int32_t fd, IoctlRequest request) override { return inner_.Ioctl(Use(fd, "ioctl"), request); }
  SysResult EpollCreate() override { return Opened(inner_.EpollCreate()); }
  SysResult EpollCtl(int32_t ep, int32_t op, int32_t fd, uint32_t events, uint64_t data) override;
  SysResult EpollWait(int32_t ep, EpollEvent* out, int32_t maxevents, int32_t timeout_ms) override;
  int64_t NowMs() override { return inner_.NowMs(); }
  void Advance(int64_t ms) override { inner_.Advance(ms); }

 protected:
  SysResult SocketPairUnix(int32_t fds[2]) override { return inner_.SocketPair(Family::kUnix, PairOptions{}, fds); }

 private:
  struct Registration {
    uint32_t events = 0;
    uint64_t data = 0;
  };
  static constexpr size_t kNone = static_cast<size_t>(-1);

  // The first armed fault of `type`, or kNone.
  size_t FirstArmed(FaultType type) const;
  // armed_[i] fired: its record, one count used up (gone at zero).
  void Fire(size_t i);
  void Record(const FaultSpec& spec);
  // Would Accept(fd) succeed now? Asked without taking anything.
  bool AcceptWouldSucceed(int32_t fd);
  // The events spuriousWakeup `spec` would add on `ep` (0: none, not applicable).
  uint32_t SpuriousEvents(int32_t ep, const FaultSpec& spec) const;
  // A call on `fd`: counted when the reactor closed it and has not had it back since.
  int32_t Use(int32_t fd, const char* call);
  // A call that made a new fd: that number is the reactor's again.
  SysResult Opened(SysResult r);

  Kernel& inner_;
  SimKernel* sim_;
  TraceLog& log_;
  std::function<void()> aborted_cb_;
  std::vector<FaultSpec> armed_;  // per-call faults in arming order; the first that applies fires
  std::map<std::pair<int32_t, int32_t>, Registration> registrations_;  // (epoll fd, fd)
  std::set<int32_t> closed_;  // fds the reactor closed and has not had back
  uint64_t fired_ = 0;
  uint64_t closed_fd_uses_ = 0;
  std::string first_closed_fd_use_;
};

}  // namespace edgeloop
