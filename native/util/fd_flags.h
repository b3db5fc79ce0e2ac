// FdFlags: one bit of state per fd number (LinuxKernel: "this fd is ours";
// StatsKernel: "this fd is an eventfd"), read on every read and write of
// every reactor thread. A mutex and a hash set there cost more than the
// bookkeeping of an echo, so reads take no lock: the flags live in chunks
// of 4096 atomics that are allocated on first use and never move or go
// away before the table does. Setting and clearing are atomic stores too;
// only allocating a chunk locks.
//
// fd numbers are bounded by RLIMIT_NOFILE (at most fs.nr_open, 2^20 by
// default); the table covers 2^24 and Set() refuses anything beyond.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>

namespace edgeloop {

class FdFlags {
 public:
  static constexpr int32_t kLimit = int32_t{1} << 24;

  FdFlags() {
    for (auto& chunk : chunks_) chunk.store(nullptr, std::memory_order_relaxed);
  }
  ~FdFlags() {
    for (auto& chunk : chunks_) delete[] chunk.load(std::memory_order_relaxed);
  }
  FdFlags(const FdFlags&) = delete;
  FdFlags& operator=(const FdFlags&) = delete;

  bool Test(int32_t fd) const {
    if (fd < 0 || fd >= kLimit) return false;
    const Flag* chunk = chunks_[Index(fd)].load(std::memory_order_acquire);
    return chunk != nullptr && chunk[Offset(fd)].load(std::memory_order_acquire) != 0;
  }

  // False if `fd` is beyond the table.
  bool Set(int32_t fd) {
    if (fd < 0 || fd >= kLimit) return false;
    Chunk(fd)[Offset(fd)].store(1, std::memory_order_release);
    return true;
  }

  // True if it was set.
  bool Clear(int32_t fd) {
    if (fd < 0 || fd >= kLimit) return false;
    Flag* chunk = chunks_[Index(fd)].load(std::memory_order_acquire);
    return chunk != nullptr && chunk[Offset(fd)].exchange(0, std::memory_order_acq_rel) != 0;
  }

  // Calls fn(fd) for every fd set, in increasing order (not concurrently with Set/Clear).
  template <typename Fn>
  void ForEach(Fn fn) const {
    for (size_t i = 0; i < kChunks; ++i) {
      const Flag* chunk = chunks_[i].load(std::memory_order_acquire);
      if (chunk == nullptr) continue;
      for (size_t j = 0; j < kChunkSize; ++j) {
        if (chunk[j].load(std::memory_order_relaxed) != 0) fn(static_cast<int32_t>(i * kChunkSize + j));
      }
    }
  }

 private:
  using Flag = std::atomic<uint8_t>;
  static constexpr size_t kChunkBits = 12;
  static constexpr size_t kChunkSize = size_t{1} << kChunkBits;
  static constexpr size_t kChunks = static_cast<size_t>(kLimit) >> kChunkBits;

  static size_t Index(int32_t fd) { return static_cast<size_t>(fd) >> kChunkBits; }
  static size_t Offset(int32_t fd) { return static_cast<size_t>(fd) & (kChunkSize - 1); }

  Flag* Chunk(int32_t fd) {
    std::atomic<Flag*>& slot = chunks_[Index(fd)];
    Flag* chunk = slot.load(std::memory_order_acquire);
    if (chunk != nullptr) return chunk;
    std::lock_guard<std::mutex> lock(grow_);
    chunk = slot.load(std::memory_order_acquire);
    if (chunk == nullptr) {
      chunk = new Flag[kChunkSize]();  // value-initialized: all clear
      slot.store(chunk, std::memory_order_release);
    }
    return chunk;
  }

  std::atomic<Flag*> chunks_[kChunks];
  std::mutex grow_;
};

}  // namespace edgeloop
