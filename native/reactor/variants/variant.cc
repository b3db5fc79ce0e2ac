#include "variant.h"

#include <memory>

#include "../tcp_connection.h"
#include "day25_write_all.h"
#include "day26_as_written.h"

namespace edgeloop {

bool ParseVariant(const std::string& name, Variant* out) {
  if (name == "edgeloop") {
    *out = Variant::kEdgeloop;
  } else if (name == "day26-as-written") {
    *out = Variant::kDay26AsWritten;
  } else if (name == "day25-write-all") {
    *out = Variant::kDay25WriteAll;
  } else {
    return false;
  }
  return true;
}

const char* VariantName(Variant v) {
  switch (v) {
    case Variant::kEdgeloop: return "edgeloop";
    case Variant::kDay26AsWritten: return "day26-as-written";
    case Variant::kDay25WriteAll: return "day25-write-all";
  }
  return "unknown";
}

TcpConnectionPtr MakeConnection(Variant v, EventLoop* loop, uint64_t id, int32_t fd,
                                const ConnectionOptions& options) {
  switch (v) {
    case Variant::kDay26AsWritten:
      return std::make_shared<Day26Connection>(loop, id, fd, options);
    case Variant::kDay25WriteAll:
      return std::make_shared<Day25Connection>(loop, id, fd, options);
    case Variant::kEdgeloop:
      break;
  }
  return std::make_shared<TcpConnection>(loop, id, fd, options);
}

}  // namespace edgeloop
