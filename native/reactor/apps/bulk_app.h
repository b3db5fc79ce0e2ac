// BulkApp: answers each new connection with `total` bytes (a repeating
// 0..255 pattern: byte i of the stream is i & 0xff, the kernel API's filler,
// so a reader can check order and completeness byte by byte), then shuts
// down its write side (SHUT_WR once drained); what the peer sends is read
// and dropped. Two ways to produce it:
//   one Send      (stream_chunk 0, the simulation's): the whole response in
//                 one Send, so send_buf_ holds what the socket did not take
//                 and one EPOLLOUT registration drains it (the tutorial's
//                 large-response scenario shows exactly that);
//   streamed      (the real server's): one chunk per call, the next at
//                 write-complete, so a connection holds at most a chunk in
//                 user space and one event does at most a chunk's work.
//                 A response of 32 MiB to 100 clients at once was 3.2 GB of
//                 send_buf_ and 13-27 ms of copying per connection on one
//                 loop; streamed it is 100 chunks and well under a
//                 millisecond per event.
#pragma once

#include <cstdint>
#include <vector>

#include "../buffer.h"
#include "../callbacks.h"

namespace edgeloop {

class BulkApp final : public App {
 public:
  BulkApp(uint64_t total, uint64_t stream_chunk);

  void OnConnection(const TcpConnectionPtr& conn) override;
  void OnMessage(const TcpConnectionPtr&, Buffer& input) override { input.RetrieveAll(); }
  void OnWriteComplete(const TcpConnectionPtr& conn) override;
  bool WantsWriteComplete() const override { return stream_chunk_ > 0; }

 private:
  // Sends the next chunk (or, unstreamed, everything); Shutdown() after the last.
  void Produce(const TcpConnectionPtr& conn);

  const uint64_t total_;
  const uint64_t stream_chunk_;
  std::vector<uint8_t> pattern_;  // one chunk of the pattern, shared by every connection (read-only)
};

}  // namespace edgeloop
