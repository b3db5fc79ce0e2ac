#include "day26_as_written.h"

#include "../channel.h"

namespace edgeloop {

bool Day26Connection::Send(const uint8_t* msg, size_t length) {
  if (state() != State::kConnected) return false;
  const int len = static_cast<int>(length);
  int remaining = len;
  int send_size = 0;
  if (send_buf_.readablebytes() == 0) {
    SysResult r = kernel().Write(fd(), msg, length);
    send_size = r.ok() ? static_cast<int>(r.value) : -1;
    if (send_size >= 0) {
      remaining -= send_size;
    } else if (r.err == err::kEAGAIN) {
      send_size = 0;
    } else {
      // LOG_ERROR << "TcpConnection::Send - TcpConnection Send ERROR"; return;
      return true;
    }
  }
  if (remaining > 0) {
    send_buf_.Append(msg + send_size, remaining);
    channel().EnableWrite();
  }
  return true;
}

void Day26Connection::WriteNonBlocking() {
  if (state() == State::kDisconnected) return;
  int remaining = send_buf_.readablebytes();
  SysResult r = kernel().Write(fd(), send_buf_.Peek(), static_cast<size_t>(remaining));
  int send_size = r.ok() ? static_cast<int>(r.value) : -1;
  if (send_size == -1 && r.err == err::kEAGAIN) {
    send_size = 0;
  }
  // else if (send_size == -1): LOG_ERROR, and send_size stays -1.
  remaining -= send_size;
  send_buf_.Retrieve(send_size);
  // Not in the tutorial (it has no Shutdown): the deferred SHUT_WR every
  // variant shares, so a bulk response ends the same way on each.
  MaybeFinishShutdown();
}

}  // namespace edgeloop
