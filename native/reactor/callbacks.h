// Every callback type of the reactor, in one header (muduo's Callbacks.h).
// Connections are shared_ptr-owned so a callback that closes its own
// connection cannot destroy it under the caller's feet.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace edgeloop {

class Buffer;
class TcpConnection;

// What the memory budget did to a connection (memory_budget.h).
enum class BudgetAction { kPause, kReset };
using TcpConnectionPtr = std::shared_ptr<TcpConnection>;

using Functor = std::function<void()>;
using EventCallback = std::function<void()>;

using ConnectionCallback = std::function<void(const TcpConnectionPtr&)>;
using MessageCallback = std::function<void(const TcpConnectionPtr&, Buffer&)>;
using WriteCompleteCallback = std::function<void(const TcpConnectionPtr&)>;
using HighWaterMarkCallback = std::function<void(const TcpConnectionPtr&, size_t)>;
// `reason` says why: "peer-closed", "EPIPE", "ECONNRESET", "high-water-mark", ...
using CloseCallback = std::function<void(const TcpConnectionPtr&, const std::string& reason)>;

// What the reactor tells the application. One object receives everything,
// so an embedder (a built-in app, the JS bridge, a recorder) has one seam.
class App {
 public:
  virtual ~App() = default;
  virtual void OnConnection(const TcpConnectionPtr& conn) = 0;
  // The app consumes what it wants from `input`; the rest stays buffered.
  virtual void OnMessage(const TcpConnectionPtr& conn, Buffer& input) = 0;
  virtual void OnWriteComplete(const TcpConnectionPtr& /*conn*/) {}
  // False if OnWriteComplete does nothing: the connection then queues no
  // functor for it (one allocation and two locks per message saved).
  virtual bool WantsWriteComplete() const { return true; }
  virtual void OnHighWaterMark(const TcpConnectionPtr& /*conn*/, size_t /*queued*/) {}
  // The server's output went over its memory budget and this connection was
  // paused or reset for it; `used` is the server-wide total at the time.
  virtual void OnMemoryBudget(const TcpConnectionPtr& /*conn*/, size_t /*used*/, BudgetAction /*action*/) {}
  virtual void OnClose(const TcpConnectionPtr& /*conn*/, const std::string& /*reason*/) {}
};

// Close reasons that are not errno names.
namespace reason {
constexpr const char* kPeerClosed = "peer-closed";
constexpr const char* kHighWaterMark = "high-water-mark";
constexpr const char* kClosedByApp = "closed-by-app";
constexpr const char* kHandlerError = "handler-error";
constexpr const char* kServerStopped = "server-stopped";
// The close deadline came with output still unsent: reset, not FIN'd.
constexpr const char* kServerStoppedReset = "server-stopped-reset";
// Reset to bring the server back under its memory budget.
constexpr const char* kMemoryBudget = "memory-budget";
}  // namespace reason

// What to do when a connection's output crosses the high-water mark.
enum class HighWaterPolicy { kPauseReading, kClose };

}  // namespace edgeloop
