#include "variant.h"

#include <memory>

#include "../tcp_connection.h"
#include "day25_write_all.h"
#include "day26_as_written.h"

namespace edgeloop {

#ifdef EDGELOOP_REACTOR_MUTANTS
namespace {
struct MutantVariant {
  Variant variant;
  Mutant mutant;
  const char* name;
};
constexpr MutantVariant kMutants[] = {
    {Variant::kMutantKeepsEpollout, Mutant::kKeepsEpollout, "mutant-keeps-epollout"},
    {Variant::kMutantNeverResumesReading, Mutant::kNeverResumesReading, "mutant-never-resumes-reading"},
    {Variant::kMutantOneReadPerWakeup, Mutant::kOneReadPerWakeup, "mutant-one-read-per-wakeup"},
    {Variant::kMutantEintrFatal, Mutant::kEintrFatal, "mutant-eintr-fatal"},
    {Variant::kMutantAcceptErrorFatal, Mutant::kAcceptErrorFatal, "mutant-accept-error-fatal"},
    {Variant::kMutantNoSpareFd, Mutant::kNoSpareFd, "mutant-no-spare-fd"},
    {Variant::kMutantClosesBeforeFlush, Mutant::kClosesBeforeFlush, "mutant-closes-before-flush"},
    {Variant::kMutantWritesPastQueue, Mutant::kWritesPastQueue, "mutant-writes-past-queue"},
    {Variant::kMutantClosesBeforeDel, Mutant::kClosesBeforeDel, "mutant-closes-before-del"},
};
}  // namespace

Mutant MutantOf(Variant v) {
  for (const MutantVariant& m : kMutants) {
    if (m.variant == v) return m.mutant;
  }
  return Mutant::kNone;
}
#endif

bool ParseVariant(const std::string& name, Variant* out) {
  if (name == "edgeloop") {
    *out = Variant::kEdgeloop;
  } else if (name == "day26-as-written") {
    *out = Variant::kDay26AsWritten;
  } else if (name == "day25-write-all") {
    *out = Variant::kDay25WriteAll;
  } else {
#ifdef EDGELOOP_REACTOR_MUTANTS
    for (const MutantVariant& m : kMutants) {
      if (name == m.name) {
        *out = m.variant;
        return true;
      }
    }
#endif
    return false;
  }
  return true;
}

const char* VariantName(Variant v) {
  switch (v) {
    case Variant::kEdgeloop: return "edgeloop";
    case Variant::kDay26AsWritten: return "day26-as-written";
    case Variant::kDay25WriteAll: return "day25-write-all";
#ifdef EDGELOOP_REACTOR_MUTANTS
    default:
      for (const MutantVariant& m : kMutants) {
        if (m.variant == v) return m.name;
      }
      break;
#endif
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
#ifdef EDGELOOP_REACTOR_MUTANTS
    default: {
      // A mutant is the edgeloop connection with its one bug switched on.
      ConnectionOptions planted = options;
      planted.mutant = MutantOf(v);
      return std::make_shared<TcpConnection>(loop, id, fd, planted);
    }
#endif
  }
  return std::make_shared<TcpConnection>(loop, id, fd, options);
}

}  // namespace edgeloop
