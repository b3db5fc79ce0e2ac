#include "bulk_app.h"

#include <algorithm>
#include <vector>

#include "../tcp_connection.h"

namespace edgeloop {

namespace {
// A multiple of 256, so every chunk starts the pattern at the same phase.
constexpr uint64_t kChunk = uint64_t{1} << 20;
}  // namespace

void BulkApp::OnConnection(const TcpConnectionPtr& conn) {
  std::vector<uint8_t> chunk(static_cast<size_t>(std::min(kChunk, std::max<uint64_t>(total_, 1))));
  for (size_t i = 0; i < chunk.size(); ++i) chunk[i] = static_cast<uint8_t>(i & 0xff);
  uint64_t sent = 0;
  while (sent < total_ && conn->connected()) {
    const uint64_t n = std::min<uint64_t>(kChunk, total_ - sent);
    conn->Send(chunk.data(), static_cast<size_t>(n));
    sent += n;
  }
  conn->Shutdown();
}

}  // namespace edgeloop
