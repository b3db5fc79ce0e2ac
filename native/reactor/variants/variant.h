// The reactor's variants: the correct connection (`edgeloop`) and the
// tutorial's own behaviours, kept reproducible so bug and fix can be run side
// by side. Each is its own TcpConnection subclass; the server picks one here.
#pragma once

#include <cstdint>
#include <string>

#include "../callbacks.h"

namespace edgeloop {

class EventLoop;
struct ConnectionOptions;

enum class Variant {
  kEdgeloop,        // the write path done right (tcp_connection.cc)
  kDay26AsWritten,  // day 26's code: EPOLLOUT never off, Retrieve(-1), `short` events
  kDay25WriteAll,   // day 25's code: Send writes in a loop, EAGAIN drops the rest
};

// "edgeloop", "day26-as-written", "day25-write-all".
bool ParseVariant(const std::string& name, Variant* out);
const char* VariantName(Variant v);

TcpConnectionPtr MakeConnection(Variant v, EventLoop* loop, uint64_t id, int32_t fd,
                                const ConnectionOptions& options);

}  // namespace edgeloop
