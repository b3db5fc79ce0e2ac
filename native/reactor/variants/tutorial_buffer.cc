#include "tutorial_buffer.h"

#include <cstring>

namespace edgeloop {

void TutorialBuffer::Append(const uint8_t* data, int len) {
  if (len <= 0) return;
  const int writable = static_cast<int>(buffer_.size()) - write_index_;
  if (writable < len) {
    const int readable = readablebytes();
    if (writable + read_index_ - kPrePendIndex < len || read_index_ < kPrePendIndex) {
      buffer_.resize(static_cast<size_t>(write_index_ + len));
    } else {
      std::memmove(buffer_.data() + kPrePendIndex, buffer_.data() + read_index_, static_cast<size_t>(readable));
      read_index_ = kPrePendIndex;
      write_index_ = kPrePendIndex + readable;
    }
  }
  std::memcpy(buffer_.data() + write_index_, data, static_cast<size_t>(len));
  write_index_ += len;
}

void TutorialBuffer::Retrieve(int len) {
  if (len + read_index_ < write_index_) {
    read_index_ += len;
    if (read_index_ < 0) read_index_ = 0;  // where the model stops (see the header)
  } else {
    RetrieveAll();
  }
}

}  // namespace edgeloop
