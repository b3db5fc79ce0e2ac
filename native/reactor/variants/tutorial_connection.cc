#include "tutorial_connection.h"

#include "../../kernel/errno_name.h"
#include "../event_loop.h"
#include "short_channel.h"

namespace edgeloop {

namespace {
constexpr size_t kReadBuffer = 1024;  // the tutorial's READ_BUFFER
}  // namespace

std::unique_ptr<Channel> TutorialConnection::MakeChannel() {
  return std::make_unique<ShortChannel>(loop(), fd());
}

void TutorialConnection::HandleRead() {
  if (state() == State::kDisconnected) return;
  uint8_t buf[kReadBuffer];
  for (;;) {
    SysResult r = kernel().Read(fd(), buf, sizeof buf);
    if (r.ok() && r.value > 0) {
      NoteRead();  // a graceful close's quiet check (TcpConnection::ShutdownIfQuiet) counts it
      input().Append(buf, static_cast<size_t>(r.value));
    } else if (!r.ok() && r.err == err::kEINTR) {
      continue;
    } else if (!r.ok() && r.err == err::kEAGAIN) {
      break;
    } else {
      // "read EOF, client fd %d disconnected" / "Other error": HandleClose()
      // right here, whatever is still buffered either way.
      HandleClose(r.ok() ? reason::kPeerClosed : ErrnoName(r.err));
      return;
    }
  }
  DeliverMessage();
}

}  // namespace edgeloop
