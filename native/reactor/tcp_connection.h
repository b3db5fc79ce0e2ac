// TcpConnection: one accepted socket (muduo's TcpConnection with the seed's
// Send / WriteNonBlocking). The write path the seed gets wrong, done right:
//   Send            writes directly only when nothing is queued and EPOLLOUT
//                   is off; the rest goes to send_buf_ and EPOLLOUT goes on.
//   WriteNonBlocking  on EPOLLOUT, writes until EAGAIN or drained; drained
//                   means EPOLLOUT off, write-complete, and a pending
//                   Shutdown() happens now.
//   HandleRead      ET: 64 KiB reads until EAGAIN (or, with short_reads, a
//                   short read); LT (edge_triggered off): one read per
//                   event, what is left is reported again; 0 = the peer
//                   half-closed: the pending output is still flushed, then
//                   the close.
// EPIPE / ECONNRESET close the connection with that reason. The tutorial's
// versions live in variants/ as subclasses; this class has no variant switch.
#pragma once

#include <any>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "../kernel/kernel.h"
#include "syscalls.h"
#include "buffer.h"
#include "callbacks.h"
#include "memory_budget.h"
#include "mutants.h"

namespace edgeloop {

class Channel;
class EventLoop;

struct ConnectionOptions {
  size_t high_water_mark = size_t{4} << 20;
  HighWaterPolicy high_water_policy = HighWaterPolicy::kPauseReading;
  // The real server's setting (HostEnvironment::real_sockets): register EPOLLRDHUP and end
  // an ET read loop at a short read unless a hangup is pending (nginx's
  // rule). A read that returns less than it asked for emptied the receive
  // queue, and anything that arrives later is a new edge; the one thing a
  // short read cannot tell is a FIN already queued behind the data, which
  // EPOLLRDHUP reports. It saves the read that returns EAGAIN, a syscall per
  // message. Off everywhere else: the simulation's traces keep that read.
  bool short_reads = false;
  // EPOLLET on the connection's and the listener's channels (the seed's
  // design). Off: level-triggered, muduo's own mode: one read (or accept)
  // per event, and epoll reports what is left on the next round.
  bool edge_triggered = true;
  // The server-wide cap on buffered output (memory_budget.h), shared by
  // every connection of a server; null: none (the simulation's default).
  // Charged by the edgeloop class's own paths; the tutorial's variants keep
  // their code as written and are charged only at their close.
  std::shared_ptr<MemoryBudget> budget;
#ifdef EDGELOOP_REACTOR_MUTANTS
  // The test build's planted bug (mutants.h); set by the mutant variants.
  Mutant mutant = Mutant::kNone;
#endif
};

class TcpConnection : public std::enable_shared_from_this<TcpConnection> {
 public:
  enum class State { kConnecting, kConnected, kDisconnecting, kDisconnected };

  TcpConnection(EventLoop* loop, uint64_t id, int32_t fd, const ConnectionOptions& options);
  virtual ~TcpConnection();
  TcpConnection(const TcpConnection&) = delete;
  TcpConnection& operator=(const TcpConnection&) = delete;

  void SetApp(App* app) { app_ = app; }
  // The server's hook: the connection is closed and can be released.
  void SetCloseCallback(CloseCallback cb) { server_close_ = std::move(cb); }

  // Registers the channel (ET read) and tells the app. Once, by the server.
  void ConnectEstablished();

  // False when the connection can no longer send (closed, or shutting down).
  virtual bool Send(const uint8_t* data, size_t len);
  // SHUT_WR once send_buf_ has drained; reading goes on until the peer closes.
  void Shutdown();
  // Closes now, dropping any pending output.
  void ForceClose(const std::string& reason);
  // Closes now with an RST (SO_LINGER 0, then close): the peer learns that
  // the stream was cut short, where a FIN would say it ended. For output
  // that will never be sent (a shutdown deadline, the memory budget).
  void Abort(const std::string& reason);
  // The server's graceful close, a look at the connection on its own loop,
  // as often as the caller likes: Shutdown() once the loop has seen no read
  // for `quiet_ms` of the kernel seam's clock since the first look, nothing
  // waits unread in the socket and no output is left to send (see the .cc).
  // True if it did.
  bool ShutdownIfQuiet(int64_t quiet_ms);
  // Reset by the memory budget's trim (memory_budget.h): the app hears it
  // (`used`: the server's total then), then Abort().
  void ResetForBudget(size_t used);
  // The server is back under half its budget (memory_budget.h): a connection
  // paused for it looks again whether it may read.
  void ResumeIfBudgetRelaxed();

  uint64_t id() const { return id_; }
  int32_t fd() const { return fd_; }
  State state() const { return state_; }
  static const char* StateName(State s);
  bool connected() const { return state_ == State::kConnected; }
  // Shut down by the server's graceful close rather than by the app.
  bool shut_down_by_server() const { return shut_down_by_server_; }
  bool peer_half_closed() const { return peer_half_closed_; }
  const std::string& close_reason() const { return close_reason_; }
  bool IsReading() const;
  bool IsWriting() const;
  uint32_t interest() const;
  // Bytes waiting in send_buf_ / the input buffer.
  virtual size_t OutputBytes() const { return output_.ReadableBytes(); }
  // After a Send: everything handed over is in the kernel, and the
  // connection is still open (a Send that found the peer gone closed it).
  bool AllOutputInKernel() const { return state_ != State::kDisconnected && OutputBytes() == 0; }
  size_t InputBytes() const { return input_.ReadableBytes(); }
  // A write-complete is queued: an app that produces from it (a streamed
  // response) may not be done, though send_buf_ is empty.
  bool WriteCompletePending() const { return write_complete_queued_; }
  EventLoop* loop() const { return loop_; }
  // The app's per-connection state (muduo's TcpConnection::setContext).
  std::any& context() { return context_; }

 protected:
  // The channel class; the tutorial's variants keep events in a `short`.
  virtual std::unique_ptr<Channel> MakeChannel();
  virtual void HandleRead();
  virtual void WriteNonBlocking();
  virtual void HandleError();

  // Closes the fd (after EPOLL_CTL_DEL) and tells the app and the server. Idempotent.
  void HandleClose(const std::string& reason);
  // The app's OnMessage with input_ (or, for a read into the loop's shared
  // buffer, that buffer), or the bytes dropped when there is no app.
  void DeliverMessage();
  void DeliverMessage(Buffer& input);
  // The read side saw end of file.
  void OnPeerHalfClose();
  // SHUT_WR if a Shutdown() is pending and nothing is left to send.
  void MaybeFinishShutdown();
  // Closes after the peer's end of file once nothing more can be sent (see the .cc).
  void CloseIfPeerDone();
  void QueueWriteComplete();
  void CheckHighWater(size_t before, size_t after);
  // A read returned data (ShutdownIfQuiet's count); subclasses with their own HandleRead call it too.
  void NoteRead() { ++reads_; }
  // Brings this connection's charge on the memory budget to OutputBytes().
  void Recharge();
  // Over the budget after adding output: stop reading (memory_budget.h).
  void CheckBudget();
  // Not paused for the budget any more (resumed, half-closed or closed).
  void ClearBudgetPause();

  const Syscalls& kernel() const { return kernel_; }
  Channel& channel() const { return *channel_; }
  Buffer& input() { return input_; }
  Buffer& output() { return output_; }
  const ConnectionOptions& options() const { return options_; }
  void set_state(State s) { state_ = s; }

 private:
  void ResumeReadingIfDrained();

  EventLoop* loop_;
  Syscalls kernel_;
  const uint64_t id_;
  const int32_t fd_;
  ConnectionOptions options_;
  State state_ = State::kConnecting;
  std::unique_ptr<Channel> channel_;
  Buffer input_;
  Buffer output_;  // the seed's send_buf_
  App* app_ = nullptr;
  CloseCallback server_close_;
  bool peer_half_closed_ = false;
  bool shutdown_pending_ = false;
  bool write_shut_ = false;
  bool paused_for_high_water_ = false;
  bool paused_for_budget_ = false;
  bool write_complete_queued_ = false;
  bool shut_down_by_server_ = false;
  size_t charged_ = 0;                   // this connection's share of the memory budget
  uint64_t reads_ = 0;                   // reads that returned data
  // ShutdownIfQuiet's bookkeeping, on the loop's clock: whether it has looked
  // yet, reads_ at its last look, and since when the loop has seen no read.
  bool quiet_looked_ = false;
  uint64_t reads_at_quiet_look_ = 0;
  int64_t quiet_since_ms_ = 0;
  std::any context_;
  std::string close_reason_;
};

}  // namespace edgeloop
