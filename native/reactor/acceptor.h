// Acceptor: the listening socket. Edge-triggered, so each readiness edge
// must be drained: it accepts until EAGAIN. When the process is out of fds
// (EMFILE) a pending connection would stay queued and, under ET, never be
// reported again; muduo's remedy keeps one spare fd (here an eventfd), gives
// it up to accept and close the connection, then takes it back.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "../kernel/kernel.h"
#include "syscalls.h"
#include "mutants.h"

namespace edgeloop {

class Channel;
class EventLoop;

class Acceptor {
 public:
  using NewConnectionCallback = std::function<void(int32_t fd)>;

  // edge_triggered: EPOLLET and accept until EAGAIN; off: LT, one accept per event.
  Acceptor(EventLoop* loop, Family family, std::string addr, int32_t backlog, bool edge_triggered = true);
  ~Acceptor();
  Acceptor(const Acceptor&) = delete;
  Acceptor& operator=(const Acceptor&) = delete;

  // Socket options set on the listener before bind (tcp only). SO_REUSEADDR
  // lets a restarted server bind its port while connections of the last run
  // sit in TIME_WAIT (Node and muduo set it on every listener); SO_REUSEPORT
  // lets several processes listen on one port, the kernel spreading new
  // connections among them.
  void SetReuse(bool reuse_addr, bool reuse_port) {
    reuse_addr_ = reuse_addr;
    reuse_port_ = reuse_port;
  }
  void SetNewConnectionCallback(NewConnectionCallback cb) { new_connection_ = std::move(cb); }
  // A connection was accepted and closed at once for lack of fds.
  void SetDroppedCallback(std::function<void()> cb) { dropped_cb_ = std::move(cb); }
  // socket, setsockopt (SetReuse), bind, listen, register. Throws
  // std::runtime_error naming the failed call and the errno.
  void Listen();
  // Unregisters and closes the listening socket (and the spare): new
  // connects are refused from here on. Safe from inside this acceptor's own
  // new-connection callback: the accept loop ends there.
  void Stop();

  int32_t fd() const { return fd_; }
  // The bound address as getsockname reports it ("127.0.0.1:PORT" or "@name").
  const std::string& address() const { return bound_; }
  uint64_t dropped() const { return dropped_; }  // connections refused for EMFILE
#ifdef EDGELOOP_REACTOR_MUTANTS
  void set_mutant(Mutant m) { mutant_ = m; }  // the test build's planted bug (mutants.h)
#endif

 private:
  void HandleRead();
  // Accepts one connection on the spare fd's slot and closes it. False when
  // the spare cannot be had back (someone took the slot): stop for this edge.
  bool DropOne();
  // An accept failed in a way this round cannot fix (ENFILE, ENOMEM, the
  // spare lost): under ET no new edge comes for what is still queued, so
  // the listener is re-armed (EPOLL_CTL_MOD re-polls it) once the round's
  // callbacks are done, and the next round tries again; at most
  // kMaxRetryRounds rounds in a row (see the .cc).
  void RetryNextRound();

  EventLoop* loop_;
  Syscalls kernel_;
  Family family_;
  std::string addr_;
  int32_t backlog_;
  bool edge_triggered_;
  bool reuse_addr_ = false;
  bool reuse_port_ = false;
  int32_t fd_ = -1;
  int32_t spare_fd_ = -1;
  std::string bound_;
  std::unique_ptr<Channel> channel_;
  NewConnectionCallback new_connection_;
  std::function<void()> dropped_cb_;
  uint64_t dropped_ = 0;
  bool retry_queued_ = false;
  // Rounds in a row whose accepts failed for good (RetryNextRound).
  int failed_rounds_ = 0;
  static constexpr int kMaxRetryRounds = 8;
  // Outlives nothing: a queued retry holds a weak_ptr to it, so one that
  // runs after the acceptor is gone does nothing.
  std::shared_ptr<Acceptor*> self_ = std::make_shared<Acceptor*>(this);
#ifdef EDGELOOP_REACTOR_MUTANTS
  Mutant mutant_ = Mutant::kNone;
#endif
};

}  // namespace edgeloop
