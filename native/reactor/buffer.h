// Buffer: a byte queue with a read index and a write index (muduo's Buffer
// without the prepend area). Reads go straight into its tail, writes come
// straight from its head, so a byte is copied once on each side.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace edgeloop {

class Buffer {
 public:
  size_t ReadableBytes() const { return write_index_ - read_index_; }
  const uint8_t* Peek() const { return data_.data() + read_index_; }

  void Append(const uint8_t* data, size_t len);
  // n must not exceed ReadableBytes(): consuming bytes that are not there is
  // the tutorial's Retrieve(-1) bug, so it throws std::out_of_range.
  void Retrieve(size_t n);
  void RetrieveAll() { read_index_ = write_index_ = 0; }

  // For reading from a socket into the tail without a bounce buffer.
  uint8_t* EnsureWritable(size_t len);
  void HasWritten(size_t n);

  // Bytes the buffer holds in memory, readable or not (what a snapshot reports).
  size_t Capacity() const { return data_.size(); }
  // Gives memory back once a burst has drained.
  void ShrinkIfIdle();

 private:
  std::vector<uint8_t> data_;
  size_t read_index_ = 0;
  size_t write_index_ = 0;
};

}  // namespace edgeloop
