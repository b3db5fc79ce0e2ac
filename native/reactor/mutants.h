// Reactor mutants: the edgeloop connection with one classic bug planted,
// compiled only into the test build (scripts/build-mutants.sh defines
// EDGELOOP_REACTOR_MUTANTS) to show that a bug search finds each. A mutant is
// picked by its variant name ("mutant-keeps-epollout", ...; variants/variant.h).
// The normal builds never define the macro: there is no enum, no field, and
// EDGELOOP_MUTANT(...) is the constant false, so every branch it guards is dead.
#pragma once

#ifdef EDGELOOP_REACTOR_MUTANTS

namespace edgeloop {

enum class Mutant {
  kNone,
  kKeepsEpollout,         // drained send_buf_ leaves EPOLLOUT registered (busy wakeups)
  kNeverResumesReading,   // a high-water pause is never lifted
  kOneReadPerWakeup,      // ET read of one chunk per event: the rest waits for the next edge
  kEintrFatal,            // EINTR from epoll_wait kills the loop
  kAcceptErrorFatal,      // any accept error but EAGAIN stops accepting for good
  kNoSpareFd,             // EMFILE/ENFILE without the spare-fd drop: the queue waits under ET
  kClosesBeforeFlush,     // the peer's half-close closes at once, dropping queued output
  kWritesPastQueue,       // Send writes to the socket past bytes queued in send_buf_
  kClosesBeforeDel,       // close(fd) before EPOLL_CTL_DEL: the DEL acts on an fd already closed
};

}  // namespace edgeloop

// Whether `current` (a Mutant) is the mutant `name` (an enumerator, unqualified).
#define EDGELOOP_MUTANT(current, name) ((current) == ::edgeloop::Mutant::name)

#else

#define EDGELOOP_MUTANT(current, name) false

#endif
