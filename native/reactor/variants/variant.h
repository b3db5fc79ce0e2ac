// The reactor's variants: the correct connection (`edgeloop`) and the
// tutorial's own behaviours, kept reproducible so bug and fix can be run side
// by side. Each is its own TcpConnection subclass; the server picks one here.
#pragma once

#include <cstdint>
#include <string>

#include "../callbacks.h"
#include "../mutants.h"

namespace edgeloop {

class EventLoop;
struct ConnectionOptions;

enum class Variant {
  kEdgeloop,        // the write path done right (tcp_connection.cc)
  kDay26AsWritten,  // day 26's code: EPOLLOUT never off, Retrieve(-1), `short` events
  kDay25WriteAll,   // day 25's code: Send writes in a loop, EAGAIN drops the rest
#ifdef EDGELOOP_REACTOR_MUTANTS
  // The test build's mutants (mutants.h): TcpConnection with one bug each.
  kMutantKeepsEpollout,
  kMutantNeverResumesReading,
  kMutantOneReadPerWakeup,
  kMutantEintrFatal,
  kMutantAcceptErrorFatal,
  kMutantNoSpareFd,
  kMutantClosesBeforeFlush,
  kMutantWritesPastQueue,
  kMutantClosesBeforeDel,
#endif
};

// "edgeloop", "day26-as-written", "day25-write-all" (and, in the test build
// only, the mutants: "mutant-keeps-epollout", ...).
bool ParseVariant(const std::string& name, Variant* out);
const char* VariantName(Variant v);

// The correct connection (TcpConnection), planted bug or not: what the
// edgeloop-only settings (level trigger, short reads) apply to.
inline bool EdgeloopBased(Variant v) {
#ifdef EDGELOOP_REACTOR_MUTANTS
  if (v >= Variant::kMutantKeepsEpollout) return true;
#endif
  return v == Variant::kEdgeloop;
}

#ifdef EDGELOOP_REACTOR_MUTANTS
// The bug a variant plants; Mutant::kNone for the real variants.
Mutant MutantOf(Variant v);
#endif

TcpConnectionPtr MakeConnection(Variant v, EventLoop* loop, uint64_t id, int32_t fd,
                                const ConnectionOptions& options);

}  // namespace edgeloop
