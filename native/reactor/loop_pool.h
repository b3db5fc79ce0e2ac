// LoopPool: where a TcpServer puts its connections when it has sub-reactors
// (muduo's setThreadNum). The interface keeps the portable reactor free of
// threads: the native build implements it with EventLoopThreadPool (one
// thread per loop), the wasm build has no implementation and a server there
// always runs on its base loop.
#pragma once

#include <vector>

namespace edgeloop {

class EventLoop;

class LoopPool {
 public:
  virtual ~LoopPool() = default;
  // The next sub-reactor, round robin. Only the base loop's thread picks.
  virtual EventLoop* GetNextLoop() = 0;
  // Every sub-reactor, in order.
  virtual const std::vector<EventLoop*>& loops() const = 0;
};

}  // namespace edgeloop
