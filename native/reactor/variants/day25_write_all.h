// Day 25 as written: Send appends to send_buf_ and writes it all in a loop
// right away (EINTR: again; EAGAIN: stop; other errors: close), then resets
// the buffer. EPOLLOUT is never used, so whatever the socket did not take
// when EAGAIN came is silently dropped: the peer receives a prefix of the
// stream, with no error anywhere.
#pragma once

#include "tutorial_connection.h"

namespace edgeloop {

class Day25Connection final : public TutorialConnection {
 public:
  using TutorialConnection::TutorialConnection;

  bool Send(const uint8_t* data, size_t len) override;
};

}  // namespace edgeloop
