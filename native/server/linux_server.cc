#include "linux_server.h"

#include <stdexcept>

#include "../kernel/linux/linux_kernel.h"
#include "../kernel/sim/json_writer.h"
#include "../kernel/tracing_kernel.h"
#include "../reactor/apps/bulk_app.h"
#include "../reactor/apps/discard_app.h"
#include "../reactor/apps/echo_app.h"
#include "../reactor/event_loop.h"
#include "../reactor/event_loop_thread_pool.h"
#include "../reactor/tcp_connection.h"
#include "stats_app.h"
#include "stats_kernel.h"
#include "threaded_tcp_server.h"

namespace edgeloop {

namespace {

// How long the main thread waits for a sub-reactor to answer (a snapshot, a
// close). Sub-reactors only ever do nonblocking work, so this is generous.
constexpr int32_t kLoopAnswerMs = 2000;

std::unique_ptr<App> MakeBuiltinApp(const HostConfig& c) {
  switch (c.app) {
    case AppKind::kEcho: return std::make_unique<EchoApp>();
    case AppKind::kDiscard: return std::make_unique<DiscardApp>();
    case AppKind::kBulk: return std::make_unique<BulkApp>(c.bulk_bytes);
    case AppKind::kJs: break;
  }
  return nullptr;
}

}  // namespace

LinuxServer::LinuxServer(const std::string& options_json, int32_t threads, uint64_t max_connections,
                         App* js_app)
    : config_(ParseHostConfig(options_json)), threads_(threads) {
  if (threads < 0 || threads > kMaxThreads) {
    throw std::invalid_argument("options: \"threads\" must be an integer from 0 to " + std::to_string(kMaxThreads) +
                                ", got " + std::to_string(threads));
  }
  if (threads > 0 && config_.app == AppKind::kJs) {
    throw std::invalid_argument(
        "options: \"threads\" must be 0 with JS handlers (they run on Node's thread); sub-reactor threads are for the "
        "built-in apps");
  }
  // Real sockets: an edgeloop connection ends its read loop at a short read
  // (tcp_connection.h, ConnectionOptions::short_reads); the tutorial's
  // variants keep their own read loops.
  if (config_.server.variant == Variant::kEdgeloop) config_.server.connection.short_reads = true;
  trace_.set_enabled(config_.trace);
  linux_ = CreateLinuxKernel();
  stats_kernel_ = std::make_unique<StatsKernel>(*linux_, counters_);
  if (config_.trace) {
    for (int32_t i = 0; i <= threads; ++i) {
      const std::string actor = i == 0 ? "reactor" : "reactor-" + std::to_string(i);
      tracing_.push_back(std::make_unique<TracingKernel>(*stats_kernel_, trace_, actor));
    }
  }
  auto kernel_for = [this](size_t loop) -> Kernel& {
    return tracing_.empty() ? static_cast<Kernel&>(*stats_kernel_) : *tracing_[loop];
  };
  if ((config_.app == AppKind::kJs) != (js_app != nullptr)) {
    throw std::invalid_argument("options: app \"js\" needs the embedder's app, and only it does");
  }
  app_ = MakeBuiltinApp(config_);
  App* inner = js_app ? js_app : app_.get();
  stats_app_ = std::make_unique<StatsApp>(inner, counters_, config_.trace ? &trace_ : nullptr, *stats_kernel_);
  loop_ = std::make_unique<EventLoop>(kernel_for(0));
  if (threads > 0) {
    std::vector<Kernel*> kernels;
    for (int32_t i = 1; i <= threads; ++i) kernels.push_back(&kernel_for(static_cast<size_t>(i)));
    pool_ = std::make_unique<EventLoopThreadPool>(loop_.get(), std::move(kernels));
    pool_->Start();
  }
  server_ = std::make_unique<ThreadedTcpServer>(loop_.get(), pool_.get(), config_.server, max_connections,
                                                stats_app_.get(), counters_, *stats_kernel_);
  server_->Start();
}

LinuxServer::~LinuxServer() {
  // In this order: the connections (closed on their own loops), the
  // sub-reactor threads, then the main reactor. The members' reverse
  // declaration order is exactly that; spelled out for the reader.
  server_.reset();
  pool_.reset();
  loop_.reset();
}

int32_t LinuxServer::epoll_fd() const { return loop_->epoll_fd(); }

const std::string& LinuxServer::address() const { return server_->address(); }

int32_t LinuxServer::RunOnce(int32_t timeout_ms) { return loop_->RunOnce(timeout_ms); }

int32_t LinuxServer::Send(uint64_t conn, const uint8_t* data, size_t len) {
  TcpConnectionPtr c = server_->Find(conn);
  if (!c) return kNoConnection;
  const bool ok = c->Send(data, len);
  stats_app_->NoteOutput(c);
  if (!ok) return kShuttingDown;
  return c->AllOutputInKernel() ? kOk : kQueued;
}

int32_t LinuxServer::Shutdown(uint64_t conn) {
  TcpConnectionPtr c = server_->Find(conn);
  if (!c) return kNoConnection;
  c->Shutdown();
  return kOk;
}

int32_t LinuxServer::Close(uint64_t conn, const std::string& reason) {
  TcpConnectionPtr c = server_->Find(conn);
  if (!c) return kNoConnection;
  c->ForceClose(reason);
  return kOk;
}

void LinuxServer::StopAccepting() { server_->StopAccepting(); }

void LinuxServer::ShutdownAll() { server_->ShutdownAll(); }

void LinuxServer::CloseAll(const std::string& reason) { server_->CloseAll(reason, kLoopAnswerMs); }

std::string LinuxServer::Stats() const {
  ServerCounters& c = counters_;
  JsonWriter json;
  json.BeginObject();
  json.FieldBool("accepting", server_->accepting());
  json.Field("connectionsOpen", c.open.load());
  json.Field("connectionsTotal", c.accepted.load());
  json.Field("refused", c.refused.load());
  json.Field("dropped", server_->dropped());
  json.Field("bytesIn", c.bytes_in.load());
  json.Field("bytesOut", c.bytes_out.load());
  json.Field("epollWaits", c.epoll_waits.load());
  json.Field("wakeups", c.wakeups.load());
  json.Field("highWaterEvents", c.high_water.load());
  json.Field("peakSendBuffer", c.peak_send_buf.load());
  json.Key("perLoop");
  json.BeginArray();
  for (uint64_t n : server_->per_loop()) json.Int(static_cast<int64_t>(n));
  json.EndArray();
  json.Key("closeReasons");
  json.BeginObject();
  for (const auto& entry : c.CloseReasons()) json.Field(entry.first.c_str(), entry.second);
  json.EndObject();
  json.EndObject();
  return json.str();
}

std::string LinuxServer::Snapshot() const {
  JsonWriter json;
  json.BeginObject();
  json.Field("time", stats_kernel_->NowMs());
  json.FieldString("address", server_->address());
  json.Field("listenFd", server_->listen_fd());
  json.Field("epollFd", loop_->epoll_fd());
  json.Field("threads", threads_);
  json.Field("iterations", loop_->iterations());
  json.Key("connections");
  json.BeginArray();
  for (const ConnectionInfo& info : server_->Snapshot(kLoopAnswerMs)) {
    json.BeginObject();
    json.Field("id", info.id);
    json.Field("fd", info.fd);
    json.Field("loop", info.loop);
    json.FieldString("state", info.state);
    json.FieldBool("peerHalfClosed", info.peer_half_closed);
    json.FieldBool("reading", info.reading);
    json.FieldBool("writing", info.writing);
    json.Field("interest", info.interest);
    json.Field("sendBuf", info.send_buf);
    json.Field("readBuf", info.read_buf);
    json.Field("kernelSendQueue", info.kernel_send_queue);
    json.EndObject();
  }
  json.EndArray();
  json.EndObject();
  return json.str();
}

}  // namespace edgeloop
