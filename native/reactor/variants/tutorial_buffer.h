// The tutorial's Buffer, as far as its send path shows: int indexes behind an
// 8-byte prepend area, and
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
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace edgeloop {

class TutorialBuffer {
 public:
  TutorialBuffer() : buffer_(kPrePendIndex + kInitialSize) {}

  int readablebytes() const { return write_index_ - read_index_; }
  const uint8_t* Peek() const { return buffer_.data() + read_index_; }
  void Append(const uint8_t* data, int len);
  void Retrieve(int len);
  void RetrieveAll() { read_index_ = write_index_ = kPrePendIndex; }
  size_t Capacity() const { return buffer_.size(); }

 private:
  static constexpr int kPrePendIndex = 8;
  static constexpr int kInitialSize = 1024;

  std::vector<uint8_t> buffer_;
  int read_index_ = kPrePendIndex;
  int write_index_ = kPrePendIndex;
};

}  // namespace edgeloop
