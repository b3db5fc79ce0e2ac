// LoopPool: where a TcpServer puts its connections when it has sub-reactors
// (muduo's setThreadNum), and how it reaches them. The interface keeps the
// portable reactor free of threads: the native build implements it with
// EventLoopThreadPool (one thread per loop, and the locking that crossing
// threads needs), the wasm build has no implementation and a server there
// always runs on its base loop.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "callbacks.h"

namespace edgeloop {

class EventLoop;

class LoopPool {
 public:
  virtual ~LoopPool() = default;
  // The next sub-reactor, round robin; the base loop when there are none.
  // Only the base loop's thread picks.
  virtual EventLoop* GetNextLoop() = 0;
  // Every sub-reactor, in order.
  virtual const std::vector<EventLoop*>& loops() const = 0;
  // Runs each functor on its loop and waits until all have run, at most
  // `wait_ms` (< 0: until they have). Entry i of the result: whether
  // functor i has run; what it wrote is safe to read only then (it may
  // still run later and must keep what it writes to alive itself).
  virtual std::vector<bool> RunAndWait(std::vector<std::pair<EventLoop*, Functor>> work, int32_t wait_ms) = 0;
};

}  // namespace edgeloop
