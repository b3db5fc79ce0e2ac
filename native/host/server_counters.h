// ServerCounters: what a host counts while it runs (StatsKernel and
// AppRecorder write them; TcpServer counts its connections itself), shared
// by every reactor thread and read by the embedder at any time. Plain atomics; the close reasons, which
// are strings, sit behind a mutex (closing is rare next to reading).
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace edgeloop {

struct ServerCounters {
  std::atomic<uint64_t> bytes_in{0};        // read from connection sockets
  std::atomic<uint64_t> bytes_out{0};       // written to connection sockets
  std::atomic<uint64_t> epoll_waits{0};     // epoll_wait calls, every loop
  std::atomic<uint64_t> wakeups{0};         // ... of those, the ones that returned events
  std::atomic<uint64_t> high_water{0};      // high-water-mark crossings
  std::atomic<uint64_t> peak_send_buf{0};   // the largest send_buf_ one connection reached
  std::atomic<uint64_t> aborted{0};         // accepts failed ECONNABORTED by an injected fault

  void NotePeak(uint64_t bytes) {
    uint64_t seen = peak_send_buf.load(std::memory_order_relaxed);
    while (bytes > seen && !peak_send_buf.compare_exchange_weak(seen, bytes, std::memory_order_relaxed)) {
    }
  }

  void NoteClose(const std::string& reason) {
    std::lock_guard<std::mutex> lock(mu);
    ++close_reasons[reason];
  }

  std::map<std::string, uint64_t> CloseReasons() {
    std::lock_guard<std::mutex> lock(mu);
    return close_reasons;
  }

 private:
  std::mutex mu;
  std::map<std::string, uint64_t> close_reasons;  // guarded by mu; ordered: a stable JSON
};

}  // namespace edgeloop
