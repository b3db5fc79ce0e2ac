#include "host_config.h"

#include <stdexcept>

#include "../util/flat_json.h"

namespace edgeloop {

namespace {

constexpr int64_t kInt32Max = 0x7fffffff;
// A response larger than this cannot be buffered by any embedder we have.
constexpr int64_t kMaxBulk = int64_t{1} << 40;
// Connection ids and counts travel as JS numbers.
constexpr int64_t kMaxSafeInteger = (int64_t{1} << 53) - 1;

std::invalid_argument Bad(const std::string& field, const std::string& expected, const std::string& got) {
  return std::invalid_argument("options: \"" + field + "\" must be " + expected + ", got \"" + got + "\"");
}

}  // namespace

HostConfig ParseHostConfig(const std::string& json) {
  static const char* const kKnown[] = {"family", "address", "backlog", "sndbuf", "rcvbuf",
                                       "variant", "app", "bulkBytes", "highWaterMark",
                                       "highWaterPolicy", "trigger", "trace", "maxConnections", "threads",
                                       "reusePort", "memoryBudget"};
  FlatJson o(json);
  o.RequireOnly(kKnown, sizeof kKnown / sizeof kKnown[0]);
  HostConfig c;
  const std::string family = o.String("family", "unix");
  if (family == "unix") {
    c.server.family = Family::kUnix;
    c.server.address = "@edgeloop";
  } else if (family == "tcp") {
    c.server.family = Family::kTcp;
    c.server.address = "127.0.0.1:0";
  } else {
    throw Bad("family", "\"unix\" or \"tcp\"", family);
  }
  c.server.address = o.String("address", c.server.address);
  c.server.backlog = static_cast<int32_t>(o.Integer("backlog", c.server.backlog, 1, kInt32Max));
  c.server.sndbuf = static_cast<int32_t>(o.Integer("sndbuf", 0, 0, kInt32Max));
  c.server.rcvbuf = static_cast<int32_t>(o.Integer("rcvbuf", 0, 0, kInt32Max));
  const std::string variant = o.String("variant", "edgeloop");
  if (!ParseVariant(variant, &c.server.variant)) {
#ifdef EDGELOOP_REACTOR_MUTANTS
    throw Bad("variant", "\"edgeloop\", \"day26-as-written\", \"day25-write-all\" or a mutant-* name", variant);
#else
    throw Bad("variant", "\"edgeloop\", \"day26-as-written\" or \"day25-write-all\" (mutant-* variants exist only in the test build: scripts/build-mutants.sh)", variant);
#endif
  }
  const std::string app = o.String("app", "echo");
  if (app == "echo") {
    c.app = AppKind::kEcho;
  } else if (app == "discard") {
    c.app = AppKind::kDiscard;
  } else if (app == "bulk") {
    c.app = AppKind::kBulk;
  } else if (app == "js") {
    c.app = AppKind::kJs;
  } else {
    throw Bad("app", "\"echo\", \"discard\", \"bulk\" or \"js\"", app);
  }
  c.bulk_bytes = static_cast<uint64_t>(o.Integer("bulkBytes", 0, 0, kMaxBulk));
  c.server.connection.high_water_mark = static_cast<size_t>(
      o.Integer("highWaterMark", static_cast<int64_t>(c.server.connection.high_water_mark), 1, kMaxBulk));
  const std::string policy = o.String("highWaterPolicy", "pause-reading");
  if (policy == "pause-reading") {
    c.server.connection.high_water_policy = HighWaterPolicy::kPauseReading;
  } else if (policy == "close") {
    c.server.connection.high_water_policy = HighWaterPolicy::kClose;
  } else {
    throw Bad("highWaterPolicy", "\"pause-reading\" or \"close\"", policy);
  }
  const std::string trigger = o.String("trigger", "edge");
  if (trigger == "edge") {
    c.server.connection.edge_triggered = true;
  } else if (trigger == "level") {
    // The tutorial's variants are its code as written (EPOLLET, or the short
    // that drops it): the switch is the correct reactor's.
    if (!EdgeloopBased(c.server.variant)) {
      throw std::invalid_argument("options: \"trigger\" \"level\" needs variant \"edgeloop\" (the tutorial's variants run as written), got variant \"" + variant + "\"");
    }
    c.server.connection.edge_triggered = false;
  } else {
    throw Bad("trigger", "\"edge\" or \"level\"", trigger);
  }
  c.trace = o.Bool("trace", true);
  c.server.max_connections = static_cast<uint64_t>(o.Integer("maxConnections", 0, 0, kMaxSafeInteger));
  c.threads = static_cast<int32_t>(o.Integer("threads", 0, 0, kMaxThreads));
  c.server.reuse_port = o.Bool("reusePort", false);
  c.server.memory_budget = static_cast<size_t>(o.Integer("memoryBudget", 0, 0, kMaxBulk));
  if (c.server.reuse_port && c.server.family != Family::kTcp) {
    // Linux refuses SO_REUSEPORT on AF_UNIX sockets (EOPNOTSUPP).
    throw std::invalid_argument("options: \"reusePort\" needs family \"tcp\"");
  }
  if (c.threads > 0 && c.app == AppKind::kJs) {
    throw std::invalid_argument(
        "options: \"threads\" must be 0 with JS handlers (they run on the embedder's thread); sub-reactor threads are "
        "for the built-in apps");
  }
  return c;
}

}  // namespace edgeloop
