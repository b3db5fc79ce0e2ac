#include "buffer.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>
#include <string>

namespace edgeloop {

namespace {
// Above this much idle capacity an empty buffer frees its storage: a 64 MiB
// response must not pin 64 MiB for the life of the connection.
constexpr size_t kKeepIdle = size_t{64} << 10;
}  // namespace

Buffer::~Buffer() { std::free(data_); }

uint8_t* Buffer::EnsureWritable(size_t len) {
  if (capacity_ - write_index_ >= len) return data_ + write_index_;
  const size_t readable = ReadableBytes();
  if (read_index_ + (capacity_ - write_index_) >= len && read_index_ > 0) {
    // Enough room if the readable bytes move to the front: no allocation.
    std::memmove(data_, data_ + read_index_, readable);
  } else {
    const size_t want = std::max(readable + len, capacity_ * 2);
    uint8_t* grown;
    if (read_index_ == 0) {
      // Everything held is readable: realloc keeps it (a large block's pages
      // are remapped, not copied).
      grown = static_cast<uint8_t*>(std::realloc(data_, want));
      if (grown == nullptr) throw std::bad_alloc();
    } else {
      grown = static_cast<uint8_t*>(std::malloc(want));
      if (grown == nullptr) throw std::bad_alloc();
      if (readable > 0) std::memcpy(grown, data_ + read_index_, readable);
      std::free(data_);
    }
    data_ = grown;
    capacity_ = want;
  }
  read_index_ = 0;
  write_index_ = readable;
  return data_ + write_index_;
}

void Buffer::HasWritten(size_t n) {
  if (n > capacity_ - write_index_) throw std::out_of_range("Buffer::HasWritten past the end");
  write_index_ += n;
}

void Buffer::Append(const uint8_t* data, size_t len) {
  if (len == 0) return;
  std::memcpy(EnsureWritable(len), data, len);
  write_index_ += len;
}

void Buffer::Retrieve(size_t n) {
  if (n > ReadableBytes()) {
    throw std::out_of_range("Buffer::Retrieve(" + std::to_string(n) + ") with " +
                            std::to_string(ReadableBytes()) + " readable bytes");
  }
  read_index_ += n;
  if (read_index_ == write_index_) read_index_ = write_index_ = 0;
}

void Buffer::ShrinkIfIdle() {
  if (ReadableBytes() == 0 && capacity_ > kKeepIdle) {
    std::free(data_);
    data_ = nullptr;
    capacity_ = 0;
    read_index_ = write_index_ = 0;
  }
}

}  // namespace edgeloop
