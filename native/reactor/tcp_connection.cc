#include "tcp_connection.h"

#include "../kernel/errno_name.h"
#include "channel.h"
#include "event_loop.h"

namespace edgeloop {

namespace {
// One read's size. Large, so an ET drain of a big message takes few calls
// (the tutorial read 1 KiB at a time); small enough to keep per-connection
// memory modest when the app consumes as it goes.
constexpr size_t kReadChunk = size_t{64} << 10;
// One read's size while the server is over its memory budget. Each
// connection that still holds nothing may read (it is not an offender), and
// an echo-like app may have to buffer all of what it read: 1,000 of them at
// 64 KiB would overshoot a 64 MiB budget by as much again.
constexpr size_t kBudgetReadChunk = size_t{4} << 10;
}  // namespace

TcpConnection::TcpConnection(EventLoop* loop, uint64_t id, int32_t fd, const ConnectionOptions& options)
    : loop_(loop), kernel_(loop->syscalls()), id_(id), fd_(fd), options_(options) {}

TcpConnection::~TcpConnection() {
  // A server closes its connections before letting go of them; this only
  // guards an embedder that did not.
  if (state_ != State::kDisconnected) {
    if (channel_) channel_->Remove();
    kernel_.Close(fd_);
  }
}

const char* TcpConnection::StateName(State s) {
  switch (s) {
    case State::kConnecting: return "connecting";
    case State::kConnected: return "connected";
    case State::kDisconnecting: return "disconnecting";
    case State::kDisconnected: return "disconnected";
  }
  return "unknown";
}

std::unique_ptr<Channel> TcpConnection::MakeChannel() { return std::make_unique<Channel>(loop_, fd_); }

bool TcpConnection::IsReading() const { return channel_ && channel_->IsReading(); }
bool TcpConnection::IsWriting() const { return channel_ && channel_->IsWriting(); }
uint32_t TcpConnection::interest() const { return channel_ ? channel_->events() : 0; }

void TcpConnection::ConnectEstablished() {
  loop_->AssertInLoopThread();
  state_ = State::kConnected;
  channel_ = MakeChannel();
  // `this` is safe in these: the channel is tied to the connection, so the
  // callbacks never run once it is gone.
  channel_->SetReadCallback([this] { HandleRead(); });
  channel_->SetWriteCallback([this] { WriteNonBlocking(); });
  channel_->SetCloseCallback([this] { HandleClose(reason::kPeerClosed); });
  channel_->SetErrorCallback([this] { HandleError(); });
  channel_->Tie(shared_from_this());
  if (options_.edge_triggered) channel_->UseEt();
  if (options_.short_reads && options_.edge_triggered) channel_->UseRdHup();
  channel_->EnableRead();
  if (app_) app_->OnConnection(shared_from_this());
}

bool TcpConnection::Send(const uint8_t* data, size_t len) {
  loop_->AssertInLoopThread();
  if (state_ != State::kConnected) return false;
  if (len == 0) return true;
  size_t written = 0;
  // Only when nothing is queued: writing past queued bytes would reorder the stream.
  if ((!channel_->IsWriting() && output_.ReadableBytes() == 0) || EDGELOOP_MUTANT(options_.mutant, kWritesPastQueue)) {
    SysResult r = kernel_.Write(fd_, data, len);
    if (r.ok()) {
      written = static_cast<size_t>(r.value);
      if (written == len) QueueWriteComplete();
    } else if (r.err != err::kEAGAIN && r.err != err::kEINTR) {
      // EPIPE, ECONNRESET: the peer is gone. The close event reports it;
      // the caller did nothing wrong, so this is not a failed Send.
      HandleClose(ErrnoName(r.err));
      return true;
    }
  }
  if (written < len) {
    const size_t before = output_.ReadableBytes();
    output_.Append(data + written, len - written);
    // The forced EPOLLOUT of EPOLL_CTL_MOD (the seed's point) reports the
    // socket at once if it became writable in the meantime.
    if (!channel_->IsWriting()) channel_->EnableWrite();
    CheckHighWater(before, output_.ReadableBytes());
    Recharge();
    CheckBudget();
  }
  return true;
}

void TcpConnection::Recharge() {
  if (!options_.budget) return;
  const size_t now = state_ == State::kDisconnected ? 0 : OutputBytes();
  options_.budget->Recharge(charged_, now);
  charged_ = now;
}

void TcpConnection::CheckBudget() {
  MemoryBudget* budget = options_.budget.get();
  if (!budget || !budget->Exceeded() || state_ == State::kDisconnected) return;
  if (!channel_->IsReading() || peer_half_closed_) return;
  channel_->DisableRead();
  paused_for_budget_ = true;
  budget->NotePause();
  TcpConnectionPtr self = shared_from_this();
  const size_t used = budget->used();
  loop_->QueueInLoop([self, used] {
    if (self->state_ != State::kDisconnected && self->app_) self->app_->OnMemoryBudget(self, used, BudgetAction::kPause);
  });
}

void TcpConnection::CheckHighWater(size_t before, size_t after) {
  const size_t mark = options_.high_water_mark;
  if (!(before < mark && after >= mark)) return;  // once per crossing, as muduo
  TcpConnectionPtr self = shared_from_this();
  loop_->QueueInLoop([self, after] {
    if (self->state_ != State::kDisconnected && self->app_) self->app_->OnHighWaterMark(self, after);
  });
  // Reading is what feeds an echo-like app's output: stopping it makes the
  // peer's own writes block, which bounds our memory.
  if (channel_->IsReading() && !peer_half_closed_) {
    channel_->DisableRead();
    paused_for_high_water_ = true;
  }
  if (options_.high_water_policy == HighWaterPolicy::kClose) {
    loop_->QueueInLoop([self] { self->ForceClose(reason::kHighWaterMark); });
  }
}

void TcpConnection::ResumeReadingIfDrained() {
  if ((!paused_for_high_water_ && !paused_for_budget_) || state_ == State::kDisconnected) return;
  if (paused_for_high_water_) {
    if (EDGELOOP_MUTANT(options_.mutant, kNeverResumesReading)) return;
    if (OutputBytes() >= options_.high_water_mark / 2) return;
    paused_for_high_water_ = false;
  }
  if (paused_for_budget_) {
    // The budget's rule (memory_budget.h): empty, or the server has room again.
    const bool relaxed = options_.budget->Relaxed() && OutputBytes() < options_.high_water_mark / 2;
    if (OutputBytes() > 0 && !relaxed) return;
    ClearBudgetPause();
  }
  if (options_.high_water_policy == HighWaterPolicy::kClose || peer_half_closed_) return;
  // EPOLL_CTL_MOD polls at once, so bytes that arrived while paused are
  // reported even under ET.
  channel_->EnableRead();
}

void TcpConnection::QueueWriteComplete() {
  if (!app_ || !app_->WantsWriteComplete()) return;
  // One pending at a time: the sends of one round that each went out whole
  // are one completion, not one each.
  if (write_complete_queued_) return;
  write_complete_queued_ = true;
  TcpConnectionPtr self = shared_from_this();
  // Queued, not called: an app that sends again from it must not recurse into Send.
  loop_->QueueInLoop([self] {
    self->write_complete_queued_ = false;
    // Not after Shutdown() (or a close): the app said it has nothing more to send.
    if (self->state_ != State::kConnected || !self->app_) {
      self->CloseIfPeerDone();
      return;
    }
    // Output queued since (a later Send the socket did not take) means it is
    // not complete after all; the drain in WriteNonBlocking queues the
    // completion that is. So an app that sends until Send leaves bytes in
    // send_buf_ and goes on at write-complete never runs ahead of the socket.
    if (self->OutputBytes() > 0) return;
    self->app_->OnWriteComplete(self);
    // The peer finished sending earlier: the app had its last chance to say more.
    self->CloseIfPeerDone();
  });
}

void TcpConnection::CloseIfPeerDone() {
  // After the peer's end of file the connection closes once its output has
  // drained, but not while a write-complete is pending: an app that produces
  // from onWriteComplete (a streamed response) is not done until it returns
  // without sending more. Closing at the drain itself cut such a response
  // short when the client half-closed after its request (found by Explore's
  // producer app).
  if (!peer_half_closed_ || state_ == State::kDisconnected || OutputBytes() > 0 || write_complete_queued_) return;
  HandleClose(reason::kPeerClosed);
}

void TcpConnection::WriteNonBlocking() {
  if (state_ == State::kDisconnected) return;
  while (output_.ReadableBytes() > 0) {
    SysResult r = kernel_.Write(fd_, output_.Peek(), output_.ReadableBytes());
    if (r.ok()) {
      if (r.value == 0) break;
      output_.Retrieve(static_cast<size_t>(r.value));  // only what was written, never -1
      continue;
    }
    if (r.err == err::kEAGAIN) break;
    if (r.err == err::kEINTR) continue;
    HandleClose(ErrnoName(r.err));
    return;
  }
  Recharge();
  if (output_.ReadableBytes() > 0) {
    ResumeReadingIfDrained();
    return;
  }
  // Drained. Left on, a level-triggered EPOLLOUT would wake the loop on
  // every round for nothing (the tutorial's busy loop).
  if (channel_->IsWriting() && !EDGELOOP_MUTANT(options_.mutant, kKeepsEpollout)) channel_->DisableWrite();
  output_.ShrinkIfIdle();
  QueueWriteComplete();
  ResumeReadingIfDrained();
  if (peer_half_closed_) {
    CloseIfPeerDone();
    return;
  }
  MaybeFinishShutdown();
}

namespace {
// Holds the loop's shared read buffer for one read and its delivery
// (event_loop.h); gives it back, emptied, on every way out.
class SharedRead {
 public:
  // A null loop: not wanted (the read goes to the connection's own buffer).
  explicit SharedRead(EventLoop* loop) : loop_(loop), buffer_(loop ? loop->AcquireReadBuffer() : nullptr) {}
  ~SharedRead() {
    if (buffer_) loop_->ReleaseReadBuffer();
  }
  SharedRead(const SharedRead&) = delete;
  SharedRead& operator=(const SharedRead&) = delete;
  Buffer* get() const { return buffer_; }

 private:
  EventLoop* loop_;
  Buffer* buffer_;
};
}  // namespace

void TcpConnection::HandleRead() {
  if (state_ == State::kDisconnected || peer_half_closed_) return;
  for (;;) {
    // Over the memory budget, a connection still holding output is an
    // offender: it stops reading before it reads more (memory_budget.h).
    if (charged_ > 0) CheckBudget();
    // The high-water mark (or the budget) may have paused reading, from inside the app too.
    if (!channel_->IsReading()) return;
    const size_t chunk = options_.budget && options_.budget->Exceeded() ? kBudgetReadChunk : kReadChunk;
    // Bytes left over from earlier reads stay first in input_; with none,
    // read into the loop's shared buffer and keep what the app leaves.
    SharedRead shared(input_.ReadableBytes() == 0 ? loop_ : nullptr);
    Buffer& into = shared.get() ? *shared.get() : input_;
    uint8_t* dst = into.EnsureWritable(chunk);
    SysResult r = kernel_.Read(fd_, dst, chunk);
    if (r.ok() && r.value > 0) {
      NoteRead();
      into.HasWritten(static_cast<size_t>(r.value));
      DeliverMessage(into);
      if (state_ == State::kDisconnected) return;
      if (&into != &input_ && into.ReadableBytes() > 0) input_.Append(into.Peek(), into.ReadableBytes());
      // LT: one read per event; epoll reports the socket again while bytes remain.
      if (!options_.edge_triggered || EDGELOOP_MUTANT(options_.mutant, kOneReadPerWakeup)) return;
      // Drained, unless a FIN may be queued behind the data (see ConnectionOptions).
      if (options_.short_reads && static_cast<size_t>(r.value) < chunk && !(channel_->revents() & ev::kRdHup)) {
        return;
      }
      continue;
    }
    if (r.ok()) {
      OnPeerHalfClose();
      return;
    }
    if (r.err == err::kEAGAIN) return;  // drained; the next edge (or level) will come
    if (r.err == err::kEINTR) continue;
    HandleClose(ErrnoName(r.err));
    return;
  }
}

void TcpConnection::DeliverMessage() { DeliverMessage(input_); }

void TcpConnection::DeliverMessage(Buffer& input) {
  if (app_) {
    app_->OnMessage(shared_from_this(), input);
  } else {
    input.RetrieveAll();
  }
}

void TcpConnection::OnPeerHalfClose() {
  peer_half_closed_ = true;
  paused_for_high_water_ = false;
  ClearBudgetPause();
  if ((OutputBytes() == 0 && !write_complete_queued_) || EDGELOOP_MUTANT(options_.mutant, kClosesBeforeFlush)) {
    HandleClose(reason::kPeerClosed);
    return;
  }
  // The pending output (or the pending write-complete) is still flushed;
  // CloseIfPeerDone closes after. At
  // end of file the socket stays readable: under ET every EPOLLOUT would
  // re-report it, under LT it would wake us forever.
  if (channel_->IsReading()) channel_->DisableRead();
}

void TcpConnection::HandleError() {
  if (state_ == State::kDisconnected) return;
  SysResult r = kernel_.GetSockOpt(fd_, SockOpt::kError);
  if (r.ok() && r.value != 0) HandleClose(ErrnoName(static_cast<int32_t>(r.value)));
}

void TcpConnection::Shutdown() {
  loop_->AssertInLoopThread();
  if (state_ != State::kConnected) return;
  state_ = State::kDisconnecting;
  shutdown_pending_ = true;
  MaybeFinishShutdown();
}

void TcpConnection::MaybeFinishShutdown() {
  if (!shutdown_pending_ || write_shut_ || OutputBytes() > 0 || state_ == State::kDisconnected) return;
  write_shut_ = true;
  kernel_.Shutdown(fd_, ShutdownHow::kWr);
}

bool TcpConnection::ShutdownIfQuiet(int64_t quiet_ms) {
  loop_->AssertInLoopThread();
  // Quiet: this loop has seen no read for quiet_ms of the kernel seam's
  // clock, nothing waits unread in the socket, nothing is left to send, no
  // write-complete is pending (a streamed response is not done). A peer
  // still sending gets its answers: shutting down under it would leave its
  // next request unanswerable (nginx's lingering close waits for a quiet
  // client the same way).
  //
  // Measured here, on the loop that reads, not by the caller's pace: a look
  // that finds new reads restarts the quiet period at its own time (never
  // before the read itself), so looks that come back to back, or late, or
  // while this loop was starved cannot make a talking peer look quiet. It
  // used to compare the read count with the previous look's, and two looks
  // with no read of this loop's between them (the loop busy or starved, the
  // peer's bytes waiting in the socket) shut the peer down mid-stream.
  const int64_t now = kernel_.NowMs();
  if (!quiet_looked_ || reads_ != reads_at_quiet_look_) {
    quiet_looked_ = true;  // the first look starts the period (a graceful close began)
    reads_at_quiet_look_ = reads_;
    quiet_since_ms_ = now;
  }
  if (state_ != State::kConnected || now - quiet_since_ms_ < quiet_ms || OutputBytes() > 0 || write_complete_queued_) {
    return false;
  }
  // Bytes the peer sent that this loop has not read yet (it was busy, or
  // starved): the peer is talking. Asked only when all else says quiet, so a
  // traced close records the one SIOCINQ that let the connection go; one that
  // fails (a fault) cannot tell, and the close's deadline still bounds it.
  const SysResult unread = kernel_.Ioctl(fd_, IoctlRequest::kInq);
  if (!unread.ok() || unread.value > 0) {
    quiet_since_ms_ = now;
    return false;
  }
  Shutdown();
  shut_down_by_server_ = true;
  return true;
}

void TcpConnection::ForceClose(const std::string& why) {
  loop_->AssertInLoopThread();
  HandleClose(why);
}

void TcpConnection::ClearBudgetPause() {
  if (!paused_for_budget_) return;
  paused_for_budget_ = false;
  options_.budget->NoteResume();
}

void TcpConnection::ResumeIfBudgetRelaxed() {
  loop_->AssertInLoopThread();
  if (paused_for_budget_) ResumeReadingIfDrained();
}

void TcpConnection::ResetForBudget(size_t used) {
  loop_->AssertInLoopThread();
  if (state_ == State::kDisconnected) return;
  options_.budget->NoteReset();  // here, not when it was decided: it may have closed meanwhile
  if (app_) app_->OnMemoryBudget(shared_from_this(), used, BudgetAction::kReset);
  Abort(reason::kMemoryBudget);
}

void TcpConnection::Abort(const std::string& why) {
  loop_->AssertInLoopThread();
  if (state_ == State::kDisconnected) return;
  // SO_LINGER {on, 0}: close() sends RST and drops what the kernel still holds.
  kernel_.SetSockOpt(fd_, SockOpt::kLinger, 0);
  HandleClose(why);
}

void TcpConnection::HandleClose(const std::string& why) {
  if (state_ == State::kDisconnected) return;
  state_ = State::kDisconnected;
  close_reason_ = why;
  TcpConnectionPtr self = shared_from_this();
  // DEL before close: with a dup of the fd alive somewhere, close alone
  // would leave the registration behind (epoll keys items by file).
  if (EDGELOOP_MUTANT(options_.mutant, kClosesBeforeDel)) {
    kernel_.Close(fd_);  // the planted bug: the DEL below acts on a closed fd
    if (channel_) channel_->Remove();
  } else {
    if (channel_) channel_->Remove();
    kernel_.Close(fd_);
  }
  input_.RetrieveAll();
  input_.ShrinkIfIdle();
  output_.RetrieveAll();
  output_.ShrinkIfIdle();
  ClearBudgetPause();
  Recharge();
  if (app_) app_->OnClose(self, why);
  if (server_close_) server_close_(self, why);
}

}  // namespace edgeloop
