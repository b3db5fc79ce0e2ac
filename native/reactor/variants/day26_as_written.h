// Day 26 as written (the seed, /work/shared/seed/day26-write-events.md):
//  - Send writes once when send_buf_ is empty, appends the rest and enables
//    EPOLLOUT; a write error is only logged (the connection stays open).
//  - WriteNonBlocking writes once per EPOLLOUT and never disables EPOLLOUT:
//    with ET lost to the `short`, the drained socket reports EPOLLOUT on every
//    epoll_wait and each wakeup writes 0 bytes (a busy loop).
//  - on a write error send_size stays -1 and Retrieve(-1) runs: the buffer
//    grows by one stale byte per wakeup.
//  - no high-water mark and no write-complete callback.
#pragma once

#include "tutorial_connection.h"

namespace edgeloop {

class Day26Connection final : public TutorialConnection {
 public:
  using TutorialConnection::TutorialConnection;

  bool Send(const uint8_t* data, size_t len) override;

 protected:
  void WriteNonBlocking() override;
};

}  // namespace edgeloop
