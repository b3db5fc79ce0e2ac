// ServerHost: the reactor packaged for an embedder, the one host behind the
// simulation (on SimKernel, native or wasm, or on LinuxKernel for the
// simulation's linux engine) and the real server (on LinuxKernel, with
// sub-reactor threads). Everything a binding needs is here, so the bindings
// stay translations. It builds the kernel chain
//     reactor -> TracingKernel (per loop, when tracing) -> StatsKernel -> kernel
// the base loop (made on the caller's thread), an optional pool of
// sub-reactors, a TcpServer with the configured variant and app, and hands
// out the trace, a state snapshot and the stats as JSON text. A simulation
// host (not the real server's sockets) also puts a FaultKernel under the
// stats, so the embedder can inject faults into the reactor's calls:
//     reactor -> TracingKernel -> StatsKernel -> FaultKernel -> kernel
//
// The embedder hears the app events through its HandlerApp (SetHandlers):
// synchronously, inside the reactor iteration, where a built-in app's
// callback runs. With app "js" it is the app (JS handlers); with a built-in
// app it observes (the simulation's bookkeeping). It may call Send,
// Shutdown, Close, DrainTrace and Snapshot from inside a call, never RunOnce.
// ('aborted', 0), after an injected ECONNABORTED accept fault, reaches it
// like ('dropped', 0).
// Handlers need the base loop: with threads > 0 the app must be a built-in
// one and there are no handlers (no event has to cross threads to reach the
// embedder).
//
// Every method is for the thread that made the host.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "../kernel/kernel.h"
#include "../kernel/trace_log.h"
#include "host_config.h"
#include "server_counters.h"

namespace edgeloop {

class App;
class AppRecorder;
class EventLoop;
class FaultKernel;
class HandlerApp;
class LoopPool;
class StatsKernel;
class TcpServer;
class TracingKernel;

// What differs between embeddings, beyond the options document.
struct HostEnvironment {
  // Makes and starts the sub-reactor pool for "threads" > 0: `kernels[i]` is
  // sub-reactor i's. Empty where threads cannot run (wasm): "threads" > 0 is
  // then refused.
  std::function<std::unique_ptr<LoopPool>(EventLoop* base, std::vector<Kernel*> kernels)> make_pool;
  // The real server's sockets: an edgeloop connection ends its read loop at a
  // short read (ConnectionOptions::short_reads; the simulation and its linux
  // engine keep the full loop that the traces compare), trace times count
  // from zero at listen, and the listener gets SO_REUSEADDR.
  bool real_sockets = false;
};

class ServerHost {
 public:
  // Results of Send/Shutdown/Close.
  static constexpr int32_t kOk = 0;
  // Send only: accepted, but stop sending: output waits in send_buf_ (the
  // socket did not take all of it; a write-complete event follows once it
  // drains), or the attempt found the peer gone (the close event follows).
  // Send's kOk means all of the connection's output is in the kernel.
  static constexpr int32_t kQueued = 1;
  static constexpr int32_t kNoConnection = -1;  // never existed, closed, or on a sub-reactor
  static constexpr int32_t kShuttingDown = -2;  // Send after the app's Shutdown()
  static constexpr int32_t kServerClosing = -3;  // Send after the server's graceful close shut it down

  // Starts listening. Throws std::invalid_argument (bad options) or
  // std::runtime_error (a failed syscall, named with its errno:
  // "bind 127.0.0.1:9000: EADDRINUSE").
  ServerHost(std::shared_ptr<Kernel> kernel, const HostConfig& config, HostEnvironment env = {});
  ServerHost(std::shared_ptr<Kernel> kernel, const std::string& options_json, HostEnvironment env = {});
  // Closes every connection (reason "server-stopped"), stops the threads.
  ~ServerHost();
  ServerHost(const ServerHost&) = delete;
  ServerHost& operator=(const ServerHost&) = delete;

  const std::string& address() const;
  // The base loop's epoll fd: readable whenever RunOnce(0) has work.
  int32_t epoll_fd() const;
  // The embedder's handlers (see above), or null. Not owned: it must outlive
  // the host, or be unset first. Not from inside RunOnce.
  void SetHandlers(HandlerApp* handlers);
  // One iteration of the base loop; the number of ready events, or -errno.
  // Throws std::logic_error when called from inside one (a handler).
  int32_t RunOnce(int32_t timeout_ms);

  // On base-loop connections (the handlers' side).
  int32_t Send(uint64_t conn, const uint8_t* data, size_t len);
  int32_t Shutdown(uint64_t conn);
  // `reason` is reported in the close event ("closed-by-app", "handler-error").
  int32_t Close(uint64_t conn, const std::string& reason);

  // A graceful close, in steps the embedder paces: stop accepting, then
  // ShutdownQuiet(quiet_ms) as often as it likes (each connection is shut
  // down once its own loop has seen no read for quiet_ms since the first
  // call, nothing waits unread in its socket and it has nothing left to
  // send; its app's sends are taken until then), then (after its deadline)
  // CloseAll() with reset_unsent. ShutdownAll() shuts every connection down
  // at once.
  void StopAccepting();
  void ShutdownAll();
  void ShutdownQuiet(int64_t quiet_ms);
  void CloseAll(const std::string& reason, bool reset_unsent = false);
  // Whether Send on the connection would be taken (open, not shut down):
  // kOk, kShuttingDown, kServerClosing or kNoConnection.
  int32_t Writable(uint64_t conn) const;

  // Arms a fault in the reactor's calls (fault_spec.h gives the JSON; the
  // fault's firing is recorded in the trace). Throws std::invalid_argument
  // for a bad spec, std::logic_error on the real server's sockets ("faults
  // are for the simulation only").
  void InjectFault(const std::string& spec_json);

  // The server's memory budget (shared by every loop; its counters are atomic).
  const MemoryBudget& budget() const;

  std::string DrainTrace() { return trace_.Drain(); }
  // The handlers get ('probe', 0) before each record is appended to the
  // trace and at the start of each of the reactor's calls, once `from` or
  // more records wait undrained (TraceLog::Probe): the embedder's look at
  // the state up to each record. Negative: off. Tracing off, or threads > 0
  // (the probe would come from a sub-reactor's thread): never.
  void SetProbe(int64_t from);
  // {"time","address","listenFd","epollFd","threads","accepting","accepted","refused","dropped","aborted","iterations",
  //  "connections":[{"id","fd","loop","state","peerHalfClosed","reading","writing",
  //  "interest","sendBuf","readBuf","kernelSendQueue"}]}
  std::string Snapshot() const;
  // {"accepting","connectionsOpen","connectionsTotal","refused","dropped","aborted","bytesIn","bytesOut",
  //  "epollWaits","wakeups","highWaterEvents","peakSendBuffer","perLoop":[..],"closeReasons":{..},
  //  "memory":{"budget","pauseAt","bufferedOutput","peakBufferedOutput","pausedByBudget","resetByBudget"}}
  std::string Stats() const;

 private:
  std::shared_ptr<Kernel> kernel_;  // shared with the binding's kernel object, if any
  HostConfig config_;
  mutable ServerCounters counters_;  // mutable: reading the close reasons locks
  TraceLog trace_;
  std::unique_ptr<FaultKernel> fault_kernel_;  // null on the real server's sockets
  std::unique_ptr<StatsKernel> stats_kernel_;
  // [0]: the base loop's, [i]: sub-reactor i's. Empty when not tracing.
  std::vector<std::unique_ptr<TracingKernel>> tracing_;
  std::unique_ptr<App> app_;  // the built-in app; null for app "js"
  HandlerApp* handlers_ = nullptr;
  std::unique_ptr<AppRecorder> recorder_;
  std::unique_ptr<EventLoop> loop_;
  std::unique_ptr<LoopPool> pool_;
  std::unique_ptr<TcpServer> server_;
  bool running_ = false;
};

}  // namespace edgeloop
