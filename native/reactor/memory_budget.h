// MemoryBudget: a server-wide cap on the output its connections hold in user
// space (the sum of every send_buf_), shared by every loop. The per-connection
// high-water mark bounds one connection; nothing bounded a thousand of them
// (1,000 clients that send and never read took the server to 4 GB).
//
// The policy, applied by TcpConnection and TcpServer:
//   pause point the limit less an eighth (pause_at). The eighth is headroom
//               for what crosses it before everyone has stopped (each
//               connection that held nothing may still read one small
//               chunk, 4 KiB) and for the connections' own structures, so
//               that the server's growth stays within the limit the user
//               set: 1,000 clients that never read, each paused after one
//               small read at most, add 4 MiB; 64 MiB's eighth is 8 MiB.
//               At or above it, a connection that adds output to its
//               send_buf_ stops reading (the offender: for an echo-like app
//               its reads are what feed its output, and a peer that cannot
//               send into a full receive window stops sending). Reading
//               resumes once its own send_buf_ is empty, or the server is
//               back under half the limit and the connection under half its
//               high-water mark (the server tells paused connections when the
//               total falls under half, since one whose peer is not reading
//               has no write event of its own to look again at). Connections
//               that hold nothing keep reading (a small chunk at a time).
//   hard limit  limit + limit / 4. Pausing cannot stop an app that sends
//               without reading (a handler on a timer, a streamed response
//               that ignores send()'s answer); past the hard limit the server
//               resets (RST) the connection holding the most output, then the
//               next, until it is back under the limit. Reset, not closed:
//               its peer must know the stream was cut short.
// Counted with atomics (loops on several threads charge it); the charges are
// each connection's own send_buf_ size, so the sum is exact once every loop
// has run.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>

namespace edgeloop {

class MemoryBudget {
 public:
  // limit 0: no budget (every call is a no-op but the counting).
  explicit MemoryBudget(size_t limit) : limit_(limit), pause_at_(limit - limit / 8), hard_limit_(limit + limit / 4) {}
  MemoryBudget(const MemoryBudget&) = delete;
  MemoryBudget& operator=(const MemoryBudget&) = delete;

  bool enabled() const { return limit_ > 0; }
  size_t limit() const { return limit_; }
  size_t pause_at() const { return pause_at_; }
  size_t hard_limit() const { return hard_limit_; }
  size_t used() const { return used_.load(std::memory_order_relaxed); }
  size_t peak() const { return peak_.load(std::memory_order_relaxed); }
  uint64_t pauses() const { return pauses_.load(std::memory_order_relaxed); }
  uint64_t resets() const { return resets_.load(std::memory_order_relaxed); }

  // At or over the pause point: a connection adding output stops reading.
  bool Exceeded() const { return enabled() && used() >= pause_at_; }
  // Under half the limit: paused connections may resume before they are empty.
  bool Relaxed() const { return !enabled() || used() < limit_ / 2; }

  // A connection's charge goes from `before` to `after` bytes. A growth that
  // leaves the total at or past the hard limit calls the over-limit callback
  // (on this thread).
  void Recharge(size_t before, size_t after);

  // A connection stopped reading for the budget, or started again (or closed while paused).
  void NotePause() {
    pauses_.fetch_add(1, std::memory_order_relaxed);
    paused_now_.fetch_add(1, std::memory_order_relaxed);
  }
  void NoteResume() { paused_now_.fetch_sub(1, std::memory_order_relaxed); }
  void NoteReset() { resets_.fetch_add(1, std::memory_order_relaxed); }

  // The server's trim (TcpServer::TrimToBudget, queued onto its base loop).
  void SetOverLimitCallback(std::function<void()> cb) { over_limit_ = std::move(cb); }
  // A decrease took the total under half the limit while connections were
  // paused for the budget: the server lets each look again (on this thread).
  void SetRelaxedCallback(std::function<void()> cb) { relaxed_ = std::move(cb); }

 private:
  const size_t limit_;
  const size_t pause_at_;
  const size_t hard_limit_;
  std::atomic<size_t> used_{0};
  std::atomic<size_t> peak_{0};
  std::atomic<uint64_t> pauses_{0};
  std::atomic<uint64_t> resets_{0};
  std::atomic<int64_t> paused_now_{0};
  std::function<void()> over_limit_;
  std::function<void()> relaxed_;
};

}  // namespace edgeloop
