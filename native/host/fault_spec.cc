#include "fault_spec.h"

#include <stdexcept>
#include <vector>

#include "../kernel/epoll_bits.h"
#include "../kernel/errno_codes.h"
#include "../kernel/errno_name.h"
#include "../util/flat_json.h"
#include "../util/json_writer.h"

namespace edgeloop {

namespace {

constexpr int64_t kMaxCount = 1000000;
constexpr int64_t kInt32Max = 0x7fffffff;
// NR_OPEN's default (fs.nr_open): no fd number or RLIMIT_NOFILE goes beyond it.
constexpr int64_t kNrOpen = 1048576;
// Linux's delayed ACK on loopback: TCP_DELACK_MIN (40 ms), give or take a
// jiffy at HZ=250.
constexpr int64_t kDelackMinMs = 36;
constexpr int64_t kDelackMaxMs = 40;  // tcp_send_delayed_ack clamps to TCP_DELACK_MIN on loopback (docs/explore.md)

const char kPrefix[] = "fault spec: ";

struct FaultKind {
  const char* name;
  FaultType type;
  std::vector<const char*> fields;  // besides "fault"
};

const std::vector<FaultKind>& Kinds() {
  static const std::vector<FaultKind> kinds = {
      {"eintr", FaultType::kEintr, {"count"}},
      {"acceptError", FaultType::kAcceptError, {"errno", "count"}},
      {"shortWrite", FaultType::kShortWrite, {"fd", "maxBytes", "count"}},
      {"spuriousWakeup", FaultType::kSpuriousWakeup, {"fd", "events", "count"}},
      {"nofile", FaultType::kNoFile, {"limit"}},
      {"delayedAck", FaultType::kDelayedAck, {"ms"}},
  };
  return kinds;
}

const FaultKind& KindOf(FaultType type) {
  for (const FaultKind& k : Kinds()) {
    if (k.type == type) return k;
  }
  return Kinds().front();
}

std::invalid_argument Bad(const std::string& what) { return std::invalid_argument(kPrefix + what); }

// FlatJson names the field but calls the document "options".
std::invalid_argument Reworded(const std::invalid_argument& e) {
  static const std::string kOptions = "options: ";
  std::string message = e.what();
  if (message.compare(0, kOptions.size(), kOptions) == 0) message.erase(0, kOptions.size());
  return Bad(message);
}

const char* EventsName(uint32_t events) {
  if (events == (ev::kIn | ev::kOut)) return "EPOLLIN|EPOLLOUT";
  return events == ev::kOut ? "EPOLLOUT" : "EPOLLIN";
}

FaultSpec Parse(const FlatJson& o) {
  if (!o.Has("fault")) throw Bad("\"fault\" is required");
  const std::string name = o.String("fault", "");
  const FaultKind* kind = nullptr;
  for (const FaultKind& k : Kinds()) {
    if (name == k.name) kind = &k;
  }
  if (kind == nullptr) {
    throw Bad("unknown fault \"" + name +
              "\" (expected \"eintr\", \"acceptError\", \"shortWrite\", \"spuriousWakeup\", \"nofile\" or \"delayedAck\")");
  }
  for (const std::string& key : o.Keys()) {
    bool known = key == "fault";
    for (const char* field : kind->fields) known = known || key == field;
    if (!known) throw Bad("unknown field \"" + key + "\" for fault \"" + name + "\"");
  }
  auto required = [&](const char* field) {
    if (!o.Has(field)) throw Bad(std::string("\"") + field + "\" is required for fault \"" + name + "\"");
  };
  FaultSpec spec;
  spec.type = kind->type;
  switch (spec.type) {
    case FaultType::kEintr:
      break;
    case FaultType::kAcceptError: {
      required("errno");
      const std::string e = o.String("errno", "");
      for (int32_t n : {err::kEMFILE, err::kENFILE, err::kECONNABORTED, err::kENOBUFS, err::kENOMEM}) {
        if (e == ErrnoName(n)) spec.err = n;
      }
      if (spec.err == 0) {
        throw Bad("\"errno\" must be \"EMFILE\", \"ENFILE\", \"ECONNABORTED\", \"ENOBUFS\" or \"ENOMEM\", got \"" + e + "\"");
      }
      break;
    }
    case FaultType::kShortWrite:
      required("fd");
      required("maxBytes");
      spec.fd = static_cast<int32_t>(o.Integer("fd", 0, 0, kNrOpen - 1));
      spec.max_bytes = o.Integer("maxBytes", 1, 1, kInt32Max);
      break;
    case FaultType::kSpuriousWakeup: {
      required("fd");
      spec.fd = static_cast<int32_t>(o.Integer("fd", 0, 0, kNrOpen - 1));
      const std::string events = o.String("events", "EPOLLIN");
      if (events == "EPOLLIN") {
        spec.events = ev::kIn;
      } else if (events == "EPOLLOUT") {
        spec.events = ev::kOut;
      } else if (events == "EPOLLIN|EPOLLOUT") {
        spec.events = ev::kIn | ev::kOut;
      } else {
        throw Bad("\"events\" must be \"EPOLLIN\", \"EPOLLOUT\" or \"EPOLLIN|EPOLLOUT\", got \"" + events + "\"");
      }
      break;
    }
    case FaultType::kNoFile:
      required("limit");
      spec.limit = static_cast<int32_t>(o.Integer("limit", 0, 0, kNrOpen));
      break;
    case FaultType::kDelayedAck:
      required("ms");
      spec.ms = static_cast<int32_t>(o.Integer("ms", 0, kDelackMinMs, kDelackMaxMs));
      break;
  }
  spec.count = o.Integer("count", 1, 1, kMaxCount);
  return spec;
}

}  // namespace

const char* FaultSpec::name() const { return KindOf(type).name; }

void FaultSpec::WriteArgs(JsonWriter& json) const {
  json.BeginObject();
  json.FieldString("fault", name());
  switch (type) {
    case FaultType::kEintr:
      break;
    case FaultType::kAcceptError:
      json.FieldString("errno", ErrnoName(err));
      break;
    case FaultType::kShortWrite:
      json.Field("fd", fd);
      json.Field("maxBytes", max_bytes);
      break;
    case FaultType::kSpuriousWakeup:
      json.Field("fd", fd);
      json.FieldString("events", EventsName(events));
      break;
    case FaultType::kNoFile:
      json.Field("limit", limit);
      break;
    case FaultType::kDelayedAck:
      json.Field("ms", ms);
      break;
  }
  json.EndObject();
}

FaultSpec ParseFaultSpec(const std::string& json) {
  try {
    return Parse(FlatJson(json));
  } catch (const std::invalid_argument& e) {
    const std::string message = e.what();
    if (message.compare(0, sizeof kPrefix - 1, kPrefix) == 0) throw;
    throw Reworded(e);
  }
}

}  // namespace edgeloop
