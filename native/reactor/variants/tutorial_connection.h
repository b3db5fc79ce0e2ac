// What day 25 and day 26 of the tutorial share: the `short` channel, the
// int-indexed send buffer, and ReadNonBlocking, which reads 1 KiB at a time
// until EAGAIN and, on end of file, closes at once: bytes read in the same
// call are never handed to the app, and pending output is dropped.
#pragma once

#include "../tcp_connection.h"
#include "tutorial_buffer.h"

namespace edgeloop {

class TutorialConnection : public TcpConnection {
 public:
  using TcpConnection::TcpConnection;

  size_t OutputBytes() const override { return static_cast<size_t>(send_buf_.readablebytes()); }

 protected:
  std::unique_ptr<Channel> MakeChannel() override;
  void HandleRead() override;

  TutorialBuffer send_buf_;
};

}  // namespace edgeloop
