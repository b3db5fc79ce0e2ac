#include "day25_write_all.h"

#include "../../kernel/errno_name.h"

namespace edgeloop {

bool Day25Connection::Send(const uint8_t* msg, size_t len) {
  if (state() != State::kConnected) return false;
  send_buf_.Append(msg, static_cast<int>(len));
  // Write() = WriteNonBlocking(); send_buf_->ReSetIndex();
  const int data_size = send_buf_.readablebytes();
  int data_left = data_size;
  while (data_left > 0) {
    SysResult r = kernel().Write(fd(), send_buf_.Peek() + (data_size - data_left), static_cast<size_t>(data_left));
    if (!r.ok() && r.err == err::kEINTR) continue;
    if (!r.ok() && r.err == err::kEAGAIN) break;
    if (!r.ok()) {
      HandleClose(ErrnoName(r.err));
      return true;
    }
    data_left -= static_cast<int>(r.value);
  }
  send_buf_.RetrieveAll();
  // Everything "went out": the deferred SHUT_WR every variant shares.
  MaybeFinishShutdown();
  return true;
}

}  // namespace edgeloop
