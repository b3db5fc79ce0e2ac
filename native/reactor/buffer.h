// Buffer: a byte queue with a read index and a write index (muduo's Buffer
// without the prepend area). Reads go straight into its tail, writes come
// straight from its head, so a byte is copied once on each side.
//
// The storage is malloc'd and grown with realloc, not a std::vector: a
// vector zero-fills every new byte and copies the old ones on each doubling,
// which for a large response handed to Send at once (the seed's case) costs
// more than sending it; realloc of a large block moves pages (mremap) and
// fills nothing.
#pragma once

#include <cstddef>
#include <cstdint>

namespace edgeloop {

class Buffer {
 public:
  Buffer() = default;
  ~Buffer();
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  size_t ReadableBytes() const { return write_index_ - read_index_; }
  const uint8_t* Peek() const { return data_ + read_index_; }

  void Append(const uint8_t* data, size_t len);
  // n must not exceed ReadableBytes(): consuming bytes that are not there is
  // the tutorial's Retrieve(-1) bug, so it throws std::out_of_range.
  void Retrieve(size_t n);
  void RetrieveAll() { read_index_ = write_index_ = 0; }

  // For reading from a socket into the tail without a bounce buffer.
  uint8_t* EnsureWritable(size_t len);
  void HasWritten(size_t n);

  // Gives memory back once a burst has drained.
  void ShrinkIfIdle();

 private:
  uint8_t* data_ = nullptr;  // malloc'd, capacity_ bytes
  size_t capacity_ = 0;
  size_t read_index_ = 0;
  size_t write_index_ = 0;
};

}  // namespace edgeloop
