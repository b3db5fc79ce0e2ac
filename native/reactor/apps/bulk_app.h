// bulk: on connect, sends `total` bytes, then Shutdown() (SHUT_WR once they
// have drained). Byte i of the stream is i & 0xff, the kernel API's filler
// pattern, so a reader can check order and completeness byte by byte.
//
// The whole response is handed to Send at once, as the tutorial's server
// would: how much of it the reactor buffers, how it drains and whether it
// arrives is exactly what the variants differ in. Input is discarded.
#pragma once

#include <cstdint>

#include "../buffer.h"
#include "../callbacks.h"

namespace edgeloop {

class BulkApp final : public App {
 public:
  explicit BulkApp(uint64_t total) : total_(total) {}

  void OnConnection(const TcpConnectionPtr& conn) override;
  void OnMessage(const TcpConnectionPtr&, Buffer& input) override { input.RetrieveAll(); }
  bool WantsWriteComplete() const override { return false; }

 private:
  uint64_t total_;
};

}  // namespace edgeloop
