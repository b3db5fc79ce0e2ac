// FaultSpec: one fault for FaultKernel (fault_kernel.h), parsed and checked
// from the JSON an embedder arms it with. Every field is checked here, so a
// bad spec never reaches the kernel chain; errors are std::invalid_argument
// naming the field ("fault spec: \"count\" must be an integer from 1 to 1000000").
//
//   {"fault":"eintr","count":N}
//   {"fault":"acceptError","errno":"EMFILE"|"ENFILE"|"ECONNABORTED"|"ENOBUFS"|"ENOMEM","count":N}
//   {"fault":"shortWrite","fd":F,"maxBytes":M,"count":N}
//   {"fault":"spuriousWakeup","fd":F,"events":"EPOLLIN"|"EPOLLOUT"|"EPOLLIN|EPOLLOUT","count":N}
//   {"fault":"nofile","limit":L}
//   {"fault":"delayedAck","ms":D}
// count: 1..1000000, default 1 (the faults that fire per call only);
// events: default "EPOLLIN".
#pragma once

#include <cstdint>
#include <string>

namespace edgeloop {

class JsonWriter;

enum class FaultType { kEintr, kAcceptError, kShortWrite, kSpuriousWakeup, kNoFile, kDelayedAck };

struct FaultSpec {
  FaultType type = FaultType::kEintr;
  int64_t count = 1;        // calls it still fires on (the per-call faults)
  int32_t err = 0;          // acceptError: the errno number
  int32_t fd = -1;          // shortWrite, spuriousWakeup
  int64_t max_bytes = 0;    // shortWrite
  uint32_t events = 0;      // spuriousWakeup: EPOLLIN and/or EPOLLOUT
  int32_t limit = 0;        // nofile
  int32_t ms = 0;           // delayedAck

  const char* name() const;
  // The trace record's args: {"fault":NAME, then the spec's fields but count}.
  void WriteArgs(JsonWriter& json) const;
};

// Throws std::invalid_argument naming the bad field.
FaultSpec ParseFaultSpec(const std::string& json);

}  // namespace edgeloop
