// ServerHost: the reactor packaged for an embedder. Everything a binding
// needs is here, so the bindings stay translations: it wraps the embedder's
// kernel in a TracingKernel (actor "reactor"), runs an EventLoop and a
// TcpServer with the configured variant and app, and hands out the trace and
// a state snapshot as JSON text.
//
// The embedder hears the app events through its HandlerApp (SetHandlers):
// synchronously, inside the reactor iteration, where a built-in app's
// callback runs. With app "js" it is the app (JS handlers); with a built-in
// app it observes (the simulation's bookkeeping). It may call Send, Shutdown,
// Close, DrainTrace and Snapshot from inside a call, never RunOnce.
//
// Single-threaded: every call must come from the thread that made the host.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "../../kernel/kernel.h"
#include "../../kernel/trace_log.h"
#include "../../kernel/tracing_kernel.h"
#include "host_config.h"

namespace edgeloop {

class App;
class AppRecorder;
class HandlerApp;
class EventLoop;
class TcpServer;

class ServerHost {
 public:
  // Results of Send/Shutdown/Close.
  static constexpr int32_t kOk = 0;
  // Send only: accepted, but stop sending: output waits in send_buf_ (the
  // socket did not take all of it; a write-complete event follows once it
  // drains), or the attempt found the peer gone (the close event follows).
  // Send's kOk means all of the connection's output is in the kernel.
  static constexpr int32_t kQueued = 1;
  static constexpr int32_t kNoConnection = -1;  // never existed, or closed
  static constexpr int32_t kShuttingDown = -2;  // Send after Shutdown()

  // Starts listening. Throws std::invalid_argument (bad options) or
  // std::runtime_error (a failed syscall, named with its errno).
  ServerHost(std::shared_ptr<Kernel> kernel, const std::string& options_json);
  ~ServerHost();
  ServerHost(const ServerHost&) = delete;
  ServerHost& operator=(const ServerHost&) = delete;

  const std::string& address() const;
  // The embedder's handlers (see above), or null. Not owned: it must outlive
  // the host, or be unset first. Not from inside RunOnce.
  void SetHandlers(HandlerApp* handlers);
  // One loop iteration; the number of ready events, or -errno. Throws
  // std::logic_error when called from inside one (a handler).
  int32_t RunOnce(int32_t timeout_ms);
  bool running() const { return running_; }
  int32_t Send(uint64_t conn, const uint8_t* data, size_t len);
  int32_t Shutdown(uint64_t conn);
  // `reason` is reported in the close event ("closed-by-app", "handler-error").
  int32_t Close(uint64_t conn, const std::string& reason);

  std::string DrainTrace() { return trace_.Drain(); }
  // {"time","epollFd","listenFd","address","accepted","dropped","iterations",
  //  "connections":[{"id","fd","state","peerHalfClosed","reading","writing",
  //  "interest","sendBuf","readBuf","kernelSendQueue"}]}
  std::string Snapshot() const;

 private:
  std::shared_ptr<Kernel> kernel_;  // shared with the binding's kernel object
  HostConfig config_;
  TraceLog trace_;
  TracingKernel tracing_;
  std::unique_ptr<App> app_;  // the built-in app; null for app "js"
  HandlerApp* handlers_ = nullptr;
  std::unique_ptr<AppRecorder> recorder_;
  std::unique_ptr<EventLoop> loop_;
  std::unique_ptr<TcpServer> server_;
  bool running_ = false;
};

}  // namespace edgeloop
