#include "tutorial_buffer.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

namespace edgeloop {

TutorialBuffer::TutorialBuffer()
    : store_(static_cast<uint8_t*>(std::calloc(kPrePendIndex + kInitialSize, 1))),
      store_size_(kPrePendIndex + kInitialSize),
      size_(kPrePendIndex + kInitialSize) {
  if (store_ == nullptr) throw std::bad_alloc();
}

TutorialBuffer::~TutorialBuffer() { std::free(store_); }

void TutorialBuffer::Reserve(size_t end) {
  if (shift_ + end <= store_size_) return;
  const size_t live_from = kPrePendIndex;
  const size_t live = static_cast<size_t>(write_index_) - live_from;
  if (shift_ > 0 && 2 * shift_ >= live) {
    // The dead space in front is at least half of what moves: move the bytes that
    // logical indexes still reach (they may be exposed again by Retrieve(-1))
    // to where shift_ 0 puts them.
    std::memmove(store_ + live_from, store_ + shift_ + live_from, live);
    bytes_moved_ += live;
    shift_ = 0;
    if (end <= store_size_) return;
  }
  // Counted as moved, though realloc of a large block may only remap it.
  bytes_moved_ += shift_ + static_cast<size_t>(write_index_);
  const size_t want = std::max(shift_ + end, store_size_ * 2);
  auto* grown = static_cast<uint8_t*>(std::realloc(store_, want));
  if (grown == nullptr) throw std::bad_alloc();
  store_ = grown;
  store_size_ = want;
}

void TutorialBuffer::Append(const uint8_t* data, int len) {
  if (len <= 0) return;
  const int writable = static_cast<int>(size_) - write_index_;
  if (writable < len) {
    const int readable = readablebytes();
    if (writable + read_index_ - kPrePendIndex < len || read_index_ < kPrePendIndex) {
      size_ = static_cast<size_t>(write_index_ + len);  // buffer_.resize(write_index_ + len)
    } else {
      // The tutorial's memmove(begin + kPrePendIndex, begin + read_index_, readable),
      // as a renumbering: the readable bytes stay where they are.
      shift_ += static_cast<size_t>(read_index_ - kPrePendIndex);
      read_index_ = kPrePendIndex;
      write_index_ = kPrePendIndex + readable;
    }
  }
  Reserve(static_cast<size_t>(write_index_ + len));
  std::memcpy(store_ + shift_ + static_cast<size_t>(write_index_), data, static_cast<size_t>(len));
  write_index_ += len;
}

void TutorialBuffer::Retrieve(int len) {
  if (len + read_index_ < write_index_) {
    const int from = read_index_;
    read_index_ += len;
    if (read_index_ < 0) read_index_ = 0;  // where the model stops (see the header)
    // A negative len exposed part of the prepend area: zero, as the tutorial's is.
    if (read_index_ < kPrePendIndex) {
      const int to = std::min(from, kPrePendIndex);
      if (to > read_index_) std::memset(store_ + shift_ + static_cast<size_t>(read_index_), 0, static_cast<size_t>(to - read_index_));
    }
  } else {
    RetrieveAll();
  }
}

void TutorialBuffer::RetrieveAll() {
  read_index_ = write_index_ = kPrePendIndex;
  // Nothing below write_index_ is reachable now but the prepend area: put
  // logical 0 back at the front of the storage, whose first bytes are zero
  // (only logical indexes >= kPrePendIndex are ever written at shift_ 0).
  shift_ = 0;
}

}  // namespace edgeloop
