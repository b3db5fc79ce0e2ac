// What an embedder (the Node addon, the wasm module) configures, parsed from
// one flat JSON document:
//   family        "unix" | "tcp"                       (default "unix")
//   address       "@name" | "A.B.C.D:PORT" | "[IPV6]:PORT" (default "@edgeloop" / "127.0.0.1:0")
//   backlog, sndbuf, rcvbuf                             (0: leave the kernel's)
//   variant       "edgeloop" | "day26-as-written" | "day25-write-all"
//   app           "echo" | "discard" | "bulk" | "js"   (js: events go to the embedder)
//   bulkBytes     bytes the bulk app sends per connection
//   highWaterMark bytes; highWaterPolicy "pause-reading" | "close"
//   trigger       "edge" (EPOLLET, default) | "level" (variant "edgeloop" only)
//   trace         record syscalls and app events (default true)
//   maxConnections open connections at most (0, default: no limit)
//   reusePort     SO_REUSEPORT on the listener, before bind (tcp; default false):
//                 several servers share one port
//   memoryBudget  bytes of output buffered server-wide before connections
//                 are paused, then reset (memory_budget.h; 0, default: no cap)
//   threads       sub-reactor threads (0, default: everything on one loop;
//                 only where the embedder can make threads)
#pragma once

#include <cstdint>
#include <string>

#include "../reactor/tcp_server.h"

namespace edgeloop {

enum class AppKind { kEcho, kDiscard, kBulk, kJs };

struct HostConfig {
  ServerOptions server;
  AppKind app = AppKind::kEcho;
  uint64_t bulk_bytes = 0;
  bool trace = true;
  int32_t threads = 0;
};

constexpr int32_t kMaxThreads = 256;

// Throws std::invalid_argument naming the bad field.
HostConfig ParseHostConfig(const std::string& json);

}  // namespace edgeloop
