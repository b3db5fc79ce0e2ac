#include "buffer.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

namespace edgeloop {

namespace {
// Above this much idle capacity an empty buffer frees its storage: a 64 MiB
// response must not pin 64 MiB for the life of the connection.
constexpr size_t kKeepIdle = size_t{64} << 10;
}  // namespace

uint8_t* Buffer::EnsureWritable(size_t len) {
  if (data_.size() - write_index_ >= len) return data_.data() + write_index_;
  const size_t readable = ReadableBytes();
  if (read_index_ + (data_.size() - write_index_) >= len && read_index_ > 0) {
    // Enough room if the readable bytes move to the front: no allocation.
    std::memmove(data_.data(), data_.data() + read_index_, readable);
  } else {
    std::vector<uint8_t> grown(std::max(readable + len, data_.size() * 2));
    if (readable > 0) std::memcpy(grown.data(), data_.data() + read_index_, readable);
    data_.swap(grown);
  }
  read_index_ = 0;
  write_index_ = readable;
  return data_.data() + write_index_;
}

void Buffer::HasWritten(size_t n) {
  if (n > data_.size() - write_index_) throw std::out_of_range("Buffer::HasWritten past the end");
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
  if (ReadableBytes() == 0 && data_.size() > kKeepIdle) {
    std::vector<uint8_t>().swap(data_);
    read_index_ = write_index_ = 0;
  }
}

}  // namespace edgeloop
