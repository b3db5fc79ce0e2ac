// The tutorial's Buffer, as far as its send path shows: int indexes behind an
// 8-byte prepend area, muduo's makeSpace in Append (when the tail is too
// short, move the readable bytes back to the prepend area if that makes
// room, else resize to exactly what is needed), and
//
//   void Buffer::Retrieve(int len) {
//     assert(readablebytes() > len);            // `>`: a full write would abort...
//     if (len + read_index_ < write_index_) read_index_ += len;
//     else RetrieveAll();
//   }
//
// built with NDEBUG (with the assert in, every complete write would abort).
// Retrieve(-1), which day 26's error path calls, moves read_index_ back one
// byte: a byte already sent (or a prepend byte) becomes "readable" again and
// will be sent twice. At index 0 the real code would go on reading before
// its buffer; this model stops there instead of invoking undefined behaviour.
//
// The indexes and sizes are the tutorial's, exactly (they decide what
// Retrieve(-1) exposes, so they show in a trace); the bytes are not stored
// at those offsets. The tutorial's makeSpace moves every readable byte each
// time a few KiB have been sent: a connection whose send_buf_ grows (a client
// that floods and reads slowly) pays O(send_buf_) per Append, and a run
// O(steps^2) -- 50% of a 300,000-event run's time went to that memmove. Here
// the move is only renumbering (physical offset = logical index + shift_),
// and the bytes move for real only when the storage is full and the dead
// space in front is at least half of what would move, so the moves cost at
// most two bytes per byte sent.
#pragma once

#include <cstddef>
#include <cstdint>

namespace edgeloop {

class TutorialBuffer {
 public:
  TutorialBuffer();
  ~TutorialBuffer();
  TutorialBuffer(const TutorialBuffer&) = delete;
  TutorialBuffer& operator=(const TutorialBuffer&) = delete;

  int readablebytes() const { return write_index_ - read_index_; }
  const uint8_t* Peek() const { return store_ + shift_ + static_cast<size_t>(read_index_); }
  void Append(const uint8_t* data, int len);
  void Retrieve(int len);
  void RetrieveAll();
  // The tutorial's buffer_.size().
  size_t Capacity() const { return size_; }
  // Bytes moved inside the buffer so far (compaction, growth): at most about
  // twice the bytes ever appended. What a test checks instead of a time.
  uint64_t BytesMoved() const { return bytes_moved_; }

 private:
  static constexpr int kPrePendIndex = 8;
  static constexpr int kInitialSize = 1024;

  // Room in store_ for logical indexes [0, end).
  void Reserve(size_t end);

  // Logical index i is store_[shift_ + i]. Logical [0, kPrePendIndex) is the
  // prepend area, always zero in the tutorial (nothing writes there);
  // Retrieve zeroes the part of it that a negative len exposes. store_ is
  // malloc'd and grown with realloc (as Buffer is, for the same reason: a
  // vector zero-fills and copies on every doubling, which for a 256 MiB
  // send_buf_ in wasm was a quarter of the run).
  uint8_t* store_ = nullptr;
  size_t store_size_ = 0;
  size_t shift_ = 0;
  size_t size_;  // the tutorial's buffer_.size()
  int read_index_ = kPrePendIndex;
  int write_index_ = kPrePendIndex;
  uint64_t bytes_moved_ = 0;
};

}  // namespace edgeloop
