// LinuxServer: the reactor as a real server on LinuxKernel, packaged for the
// Node addon (native/addon/linux_server_wrap.h), as ServerHost packages it
// for the simulation. It builds the kernel chain
//     reactor -> TracingKernel (per loop, when tracing) -> StatsKernel -> LinuxKernel
// the main reactor (an EventLoop made on the caller's thread: Node's, whose
// libuv loop watches its epoll fd), an optional pool of sub-reactor threads,
// a ThreadedTcpServer, and the app: a built-in one (echo, discard, bulk) or
// the embedder's (app "js": the addon's JsApp, which calls JS handlers).
//
// JS handlers run on the main reactor only: with threads > 0 the app must be
// a built-in one (the constructor refuses otherwise), so no event has to
// cross threads to reach JavaScript, and a handler runs inside the reactor
// iteration exactly where a built-in app's callback would.
//
// Every method is for the thread that made the object.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "../kernel/kernel.h"
#include "../kernel/trace_log.h"
#include "../reactor/embed/host_config.h"
#include "server_counters.h"

namespace edgeloop {

class App;
class EventLoop;
class EventLoopThreadPool;
class StatsApp;
class StatsKernel;
class ThreadedTcpServer;
class TracingKernel;

class LinuxServer {
 public:
  // Results of Send/Shutdown/Close, as ServerHost's.
  static constexpr int32_t kOk = 0;
  static constexpr int32_t kQueued = 1;  // Send: output waits in send_buf_, or the peer is gone
  static constexpr int32_t kNoConnection = -1;
  static constexpr int32_t kShuttingDown = -2;
  static constexpr int32_t kMaxThreads = 256;

  // `options_json`: ServerHost's document (embed/host_config.h), family
  // "tcp". `js_app` is the app for app "js" (it must outlive this object),
  // null otherwise. Listens before returning. Throws std::invalid_argument
  // (bad options) or std::runtime_error (a failed call, "bind 127.0.0.1:9000: EADDRINUSE").
  LinuxServer(const std::string& options_json, int32_t threads, uint64_t max_connections, App* js_app);
  // Closes every connection (reason "server-stopped"), stops the threads.
  ~LinuxServer();
  LinuxServer(const LinuxServer&) = delete;
  LinuxServer& operator=(const LinuxServer&) = delete;

  // The main reactor's epoll fd: readable whenever RunOnce(0) has work.
  int32_t epoll_fd() const;
  const std::string& address() const;
  int32_t threads() const { return threads_; }

  // One iteration of the main reactor.
  int32_t RunOnce(int32_t timeout_ms);

  // JS handlers (main reactor connections only).
  int32_t Send(uint64_t conn, const uint8_t* data, size_t len);
  int32_t Shutdown(uint64_t conn);
  int32_t Close(uint64_t conn, const std::string& reason);

  std::string DrainTrace() { return trace_.Drain(); }

  // A graceful close, in steps the embedder paces: stop accepting, then
  // Shutdown() every connection, then (after its deadline) CloseAll().
  void StopAccepting();
  void ShutdownAll();
  void CloseAll(const std::string& reason);

  // {"accepting","connectionsOpen","connectionsTotal","refused","dropped","bytesIn","bytesOut",
  //  "epollWaits","wakeups","highWaterEvents","peakSendBuffer","perLoop":[..],"closeReasons":{..}}
  std::string Stats() const;
  // {"time","address","listenFd","epollFd","threads","iterations",
  //  "connections":[{"id","fd","loop","state","peerHalfClosed","reading","writing",
  //  "interest","sendBuf","readBuf","kernelSendQueue"}]}
  std::string Snapshot() const;

 private:
  HostConfig config_;
  int32_t threads_;
  mutable ServerCounters counters_;  // mutable: reading the close reasons locks
  TraceLog trace_;
  std::unique_ptr<Kernel> linux_;
  std::unique_ptr<StatsKernel> stats_kernel_;
  // [0]: the main reactor's, [i]: sub-reactor i's. Empty when not tracing.
  std::vector<std::unique_ptr<TracingKernel>> tracing_;
  std::unique_ptr<App> app_;
  std::unique_ptr<StatsApp> stats_app_;
  std::unique_ptr<EventLoop> loop_;
  std::unique_ptr<EventLoopThreadPool> pool_;
  std::unique_ptr<ThreadedTcpServer> server_;
};

}  // namespace edgeloop
