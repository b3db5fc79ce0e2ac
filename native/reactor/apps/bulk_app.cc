#include "bulk_app.h"

#include <algorithm>
#include <any>

#include "../tcp_connection.h"

namespace edgeloop {

namespace {
// The unstreamed Send's piece: a multiple of 256, so every piece starts the
// pattern at the same phase.
constexpr uint64_t kPiece = uint64_t{1} << 20;
}  // namespace

BulkApp::BulkApp(uint64_t total, uint64_t stream_chunk) : total_(total), stream_chunk_(stream_chunk) {
  // The stream chunk (server_host.cc) is a multiple of 256 too.
  const uint64_t piece = stream_chunk_ > 0 ? stream_chunk_ : kPiece;
  pattern_.resize(static_cast<size_t>(std::min(piece, std::max<uint64_t>(total_, 1))));
  for (size_t i = 0; i < pattern_.size(); ++i) pattern_[i] = static_cast<uint8_t>(i & 0xff);
}

void BulkApp::OnConnection(const TcpConnectionPtr& conn) {
  conn->context() = uint64_t{0};  // bytes sent so far
  Produce(conn);
}

void BulkApp::OnWriteComplete(const TcpConnectionPtr& conn) {
  if (stream_chunk_ > 0) Produce(conn);
}

void BulkApp::Produce(const TcpConnectionPtr& conn) {
  uint64_t* sent = std::any_cast<uint64_t>(&conn->context());
  if (!sent || !conn->connected()) return;
  if (stream_chunk_ == 0) {
    while (*sent < total_ && conn->connected()) {
      const uint64_t n = std::min<uint64_t>(pattern_.size(), total_ - *sent);
      conn->Send(pattern_.data(), static_cast<size_t>(n));
      *sent += n;
    }
  } else if (*sent < total_) {
    // One chunk; the write-complete that follows (at once if the socket took
    // it, after the drain if not) brings the next.
    const uint64_t n = std::min<uint64_t>(pattern_.size(), total_ - *sent);
    conn->Send(pattern_.data(), static_cast<size_t>(n));
    *sent += n;
  }
  if (*sent >= total_) conn->Shutdown();
}

}  // namespace edgeloop
