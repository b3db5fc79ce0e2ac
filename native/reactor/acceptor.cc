#include "acceptor.h"

#include <stdexcept>

#include "../kernel/errno_name.h"
#include "channel.h"
#include "event_loop.h"

namespace edgeloop {

namespace {
std::runtime_error Failure(const std::string& what, const SysResult& r) {
  return std::runtime_error(what + ": " + ErrnoName(r.err));
}
}  // namespace

Acceptor::Acceptor(EventLoop* loop, Family family, std::string addr, int32_t backlog, bool edge_triggered)
    : loop_(loop),
      kernel_(loop->syscalls()),
      family_(family),
      addr_(std::move(addr)),
      backlog_(backlog),
      edge_triggered_(edge_triggered) {}

Acceptor::~Acceptor() { Stop(); }

void Acceptor::Stop() {
  // The Channel itself stays until the destructor: Stop() may run inside
  // its read callback (a handler stopping the server from its connection
  // event), and the loop frees the stopped acceptor only after the round.
  if (channel_ && fd_ >= 0) channel_->Remove();
  if (fd_ >= 0) kernel_.Close(fd_);
  if (spare_fd_ >= 0) kernel_.Close(spare_fd_);
  fd_ = -1;
  spare_fd_ = -1;
}

void Acceptor::Listen() {
  loop_->AssertInLoopThread();
  SysResult r = kernel_.Socket(family_);
  if (!r.ok()) throw Failure("socket", r);
  fd_ = static_cast<int32_t>(r.value);
  if (family_ == Family::kTcp) {
    if (reuse_addr_ && !(r = kernel_.SetSockOpt(fd_, SockOpt::kReuseAddr, 1)).ok()) {
      throw Failure("setsockopt SO_REUSEADDR", r);
    }
    if (reuse_port_ && !(r = kernel_.SetSockOpt(fd_, SockOpt::kReusePort, 1)).ok()) {
      throw Failure("setsockopt SO_REUSEPORT", r);
    }
  }
  if (!(r = kernel_.Bind(fd_, addr_)).ok()) throw Failure("bind " + addr_, r);
  if (!(r = kernel_.Listen(fd_, backlog_)).ok()) throw Failure("listen", r);
  if (!(r = kernel_.GetSockName(fd_, &bound_)).ok()) throw Failure("getsockname", r);
  // The spare is taken last so a failed setup has nothing extra to undo.
  if (!(r = kernel_.EventFd()).ok()) throw Failure("eventfd (spare fd)", r);
  spare_fd_ = static_cast<int32_t>(r.value);
  channel_ = std::make_unique<Channel>(loop_, fd_);
  channel_->SetReadCallback([this] { HandleRead(); });
  if (edge_triggered_) channel_->UseEt();
  channel_->EnableRead();
}

void Acceptor::HandleRead() {
  // fd_ < 0: a callback stopped this acceptor (a handler closing the server
  // from its connection event); the object lives on until the loop's round ends.
  while (fd_ >= 0) {
    SysResult r = kernel_.Accept(fd_);
    if (r.ok()) {
      failed_rounds_ = 0;
      if (new_connection_) {
        new_connection_(static_cast<int32_t>(r.value));
      } else {
        kernel_.Close(static_cast<int32_t>(r.value));
      }
      // LT: one per event; epoll reports the listener again while the queue has more.
      if (!edge_triggered_) return;
      continue;
    }
    if (r.err == err::kEAGAIN) {
      failed_rounds_ = 0;
      return;  // the edge is drained
    }
    if (EDGELOOP_MUTANT(mutant_, kAcceptErrorFatal)) {
      Stop();  // the tutorial's errif: one failed accept and the listener is gone
      return;
    }
    // Errors that concern one connection (aborted before we got it, refused
    // by a firewall rule) must not end the loop: under ET the rest of the
    // queue would wait for an edge that may never come.
    if (r.err == err::kEINTR || r.err == err::kECONNABORTED || r.err == err::kEPERM) continue;
    if (r.err == err::kEMFILE || r.err == err::kENFILE) {
      if (EDGELOOP_MUTANT(mutant_, kNoSpareFd)) return;
      if (!DropOne()) {
        RetryNextRound();
        return;
      }
      continue;
    }
    // Anything else (ENOMEM, ENOBUFS) is not ours to fix, but the queue must
    // not be stranded: under ET the next edge would need a new connection.
    RetryNextRound();
    return;
  }
}

void Acceptor::RetryNextRound() {
  // LT reports the listener again on its own while the queue is non-empty.
  if (!edge_triggered_ || retry_queued_) return;
  // A bounded number of rounds in a row: a failure that lasts (fs.file-max
  // reached, memory gone) would otherwise wake the loop every round for
  // nothing. Past it the queue waits for the next connection's edge, as an
  // ET acceptor without retries always did. (nginx backs off on a 500 ms
  // timer instead; this reactor has no timers yet.)
  if (++failed_rounds_ > kMaxRetryRounds) return;
  retry_queued_ = true;
  std::weak_ptr<Acceptor*> weak = self_;
  loop_->QueueInLoop([weak] {
    std::shared_ptr<Acceptor*> alive = weak.lock();
    if (!alive) return;
    Acceptor* a = *alive;
    a->retry_queued_ = false;
    if (a->fd_ >= 0 && a->channel_) a->channel_->EnableRead();
  });
}

bool Acceptor::DropOne() {
  if (spare_fd_ < 0) return false;
  kernel_.Close(spare_fd_);
  spare_fd_ = -1;
  SysResult r = kernel_.Accept(fd_);
  if (r.ok()) {
    // The client sees an orderly close instead of a connection that hangs.
    kernel_.Close(static_cast<int32_t>(r.value));
    ++dropped_;
    if (dropped_cb_) dropped_cb_();
  }
  SysResult spare = kernel_.EventFd();
  if (spare.ok()) spare_fd_ = static_cast<int32_t>(spare.value);
  // EAGAIN from that accept means the queue is empty: this edge is done.
  return r.ok() && spare_fd_ >= 0;
}

}  // namespace edgeloop
