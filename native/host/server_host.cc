#include "server_host.h"

#include <stdexcept>

#include "../kernel/sim/sim_kernel.h"
#include "../kernel/tracing_kernel.h"
#include "../reactor/apps/bulk_app.h"
#include "../reactor/apps/discard_app.h"
#include "../reactor/apps/echo_app.h"
#include "../reactor/event_loop.h"
#include "../reactor/loop_pool.h"
#include "../reactor/tcp_connection.h"
#include "../reactor/tcp_server.h"
#include "../util/json_writer.h"
#include "app_recorder.h"
#include "fault_kernel.h"
#include "fault_spec.h"
#include "handler_app.h"
#include "stats_kernel.h"

namespace edgeloop {

namespace {

// How long the base loop waits for a sub-reactor to answer (a snapshot, a
// close). Sub-reactors only ever do nonblocking work, so this is generous.
constexpr int32_t kLoopAnswerMs = 2000;

// The real server's bulk app streams its response in chunks of this size
// (bulk_app.h); the simulation's sends it in one Send, as the tutorial's
// server would.
constexpr uint64_t kBulkStreamChunk = uint64_t{256} << 10;

std::unique_ptr<App> MakeBuiltinApp(const HostConfig& c, bool stream_bulk) {
  switch (c.app) {
    case AppKind::kEcho: return std::make_unique<EchoApp>();
    case AppKind::kDiscard: return std::make_unique<DiscardApp>();
    case AppKind::kBulk: return std::make_unique<BulkApp>(c.bulk_bytes, stream_bulk ? kBulkStreamChunk : 0);
    case AppKind::kJs: break;
  }
  return nullptr;
}

}  // namespace

ServerHost::ServerHost(std::shared_ptr<Kernel> kernel, const std::string& options_json, HostEnvironment env)
    : ServerHost(std::move(kernel), ParseHostConfig(options_json), std::move(env)) {}

ServerHost::ServerHost(std::shared_ptr<Kernel> kernel, const HostConfig& config, HostEnvironment env)
    : kernel_(std::move(kernel)), config_(config) {
  if (config_.threads > 0 && !env.make_pool) {
    throw std::invalid_argument("options: \"threads\" must be 0 here: this embedding runs one loop (the simulation has no threads)");
  }
  if (env.real_sockets && EdgeloopBased(config_.server.variant)) {
    config_.server.connection.short_reads = true;
  }
  // A real server restarts on its port at once, as Node's and muduo's do,
  // though the last run's connections are still in TIME_WAIT. Only there:
  // a simulation's trace (on the sim or on Linux) stays the reactor's own.
  if (env.real_sockets) config_.server.reuse_addr = true;
  trace_.set_enabled(config_.trace);
  trace_.set_probe([this] {
    if (handlers_) handlers_->OnProbe();
  });
  if (!env.real_sockets) {
    // Faults are for the simulation (its sim engines, and its linux one for
    // the faults that need no simulated kernel).
    fault_kernel_ = std::make_unique<FaultKernel>(*kernel_, dynamic_cast<SimKernel*>(kernel_.get()), trace_);
    fault_kernel_->SetAbortedCallback([this] {
      ++counters_.aborted;
      if (handlers_) handlers_->OnAborted();
    });
  }
  Kernel& base = fault_kernel_ ? static_cast<Kernel&>(*fault_kernel_) : *kernel_;
  stats_kernel_ = std::make_unique<StatsKernel>(base, counters_, env.real_sockets);
  if (config_.trace) {
    for (int32_t i = 0; i <= config_.threads; ++i) {
      const std::string actor = i == 0 ? "reactor" : "reactor-" + std::to_string(i);
      tracing_.push_back(std::make_unique<TracingKernel>(*stats_kernel_, trace_, actor));
    }
  }
  auto kernel_for = [this](size_t loop) -> Kernel& {
    return tracing_.empty() ? static_cast<Kernel&>(*stats_kernel_) : *tracing_[loop];
  };
  // Streamed only where write-complete is reported: the tutorial's variants
  // never report it, so they get the whole response in one Send (as written).
  app_ = MakeBuiltinApp(config_, env.real_sockets && EdgeloopBased(config_.server.variant));
  recorder_ = std::make_unique<AppRecorder>(app_.get(), counters_, config_.trace ? &trace_ : nullptr, *stats_kernel_);
  loop_ = std::make_unique<EventLoop>(kernel_for(0));
  if (config_.threads > 0) {
    std::vector<Kernel*> kernels;
    for (int32_t i = 1; i <= config_.threads; ++i) kernels.push_back(&kernel_for(static_cast<size_t>(i)));
    pool_ = env.make_pool(loop_.get(), std::move(kernels));
  }
  server_ = std::make_unique<TcpServer>(loop_.get(), config_.server, recorder_.get(), pool_.get());
  server_->SetDroppedCallback([this] {
    if (handlers_) handlers_->OnDropped();
  });
  server_->SetRefusedCallback([this] {
    if (handlers_) handlers_->OnRefused();
  });
  server_->Start();
}

ServerHost::~ServerHost() {
  // In this order: the connections (closed on their own loops), the
  // sub-reactor threads, then the base loop.
  server_.reset();
  pool_.reset();
  loop_.reset();
}

const std::string& ServerHost::address() const { return server_->address(); }

int32_t ServerHost::epoll_fd() const { return loop_->epoll_fd(); }

void ServerHost::SetHandlers(HandlerApp* handlers) {
  if (running_) throw std::logic_error("the handlers cannot change inside the reactor iteration");
  if (handlers && config_.threads > 0) {
    throw std::logic_error("handlers need the base loop: with threads > 0 the app must be a built-in one");
  }
  if (handlers_) handlers_->set_inner(nullptr);
  handlers_ = handlers;
  if (handlers_) handlers_->set_inner(app_.get());
  recorder_->set_inner(handlers_ ? static_cast<App*>(handlers_) : app_.get());
}

int32_t ServerHost::RunOnce(int32_t timeout_ms) {
  if (running_) throw std::logic_error("RunOnce() from inside the reactor iteration (a handler)");
  struct Running {
    bool& flag;
    explicit Running(bool& f) : flag(f) { flag = true; }
    ~Running() { flag = false; }
  } guard(running_);
  return loop_->RunOnce(timeout_ms);
}

int32_t ServerHost::Send(uint64_t conn, const uint8_t* data, size_t len) {
  TcpConnectionPtr c = server_->Find(conn);
  if (!c) return kNoConnection;
  const bool accepted = c->Send(data, len);
  recorder_->NoteOutput(c);
  if (!accepted) return c->shut_down_by_server() ? kServerClosing : kShuttingDown;
  return c->AllOutputInKernel() ? kOk : kQueued;
}

int32_t ServerHost::Shutdown(uint64_t conn) {
  TcpConnectionPtr c = server_->Find(conn);
  if (!c) return kNoConnection;
  c->Shutdown();
  return kOk;
}

int32_t ServerHost::Close(uint64_t conn, const std::string& reason) {
  TcpConnectionPtr c = server_->Find(conn);
  if (!c) return kNoConnection;
  c->ForceClose(reason);
  return kOk;
}

void ServerHost::InjectFault(const std::string& spec_json) {
  if (!fault_kernel_) throw std::logic_error("faults are for the simulation only");
  fault_kernel_->Arm(ParseFaultSpec(spec_json));
}

void ServerHost::SetProbe(int64_t from) {
  // Calls JS: only on the base loop's thread (the embedder's), never from a
  // sub-reactor's (threads > 0 take no handlers, so nothing is called).
  if (config_.threads > 0 || from < 0) {
    trace_.set_probe_from(TraceLog::kProbeOff);
    return;
  }
  trace_.set_probe_from(static_cast<size_t>(from));
}

void ServerHost::StopAccepting() { server_->StopAccepting(); }

void ServerHost::ShutdownAll() { server_->ShutdownAll(); }

void ServerHost::ShutdownQuiet(int64_t quiet_ms) { server_->ShutdownQuiet(quiet_ms); }

void ServerHost::CloseAll(const std::string& reason, bool reset_unsent) {
  server_->CloseAll(reason, kLoopAnswerMs, reset_unsent);
}

int32_t ServerHost::Writable(uint64_t conn) const {
  TcpConnectionPtr c = server_->Find(conn);
  if (!c) return kNoConnection;
  if (c->connected()) return kOk;
  if (c->state() == TcpConnection::State::kDisconnecting) return c->shut_down_by_server() ? kServerClosing : kShuttingDown;
  return kNoConnection;
}

std::string ServerHost::Snapshot() const {
  JsonWriter json;
  json.BeginObject();
  json.Field("time", stats_kernel_->NowMs());
  json.FieldString("address", server_->address());
  json.Field("listenFd", server_->listen_fd());
  json.Field("epollFd", loop_->epoll_fd());
  json.Field("threads", config_.threads);
  json.FieldBool("accepting", server_->accepting());
  json.Field("accepted", server_->accepted());
  json.Field("refused", server_->refused());
  json.Field("dropped", server_->dropped());
  json.Field("aborted", counters_.aborted.load());
  json.Field("iterations", loop_->iterations());
  // The fault layer's view (the simulation only): what Explore's invariants read.
  json.Field("faultsFired", fault_kernel_ ? fault_kernel_->fired() : 0);
  json.Field("closedFdUses", fault_kernel_ ? fault_kernel_->closed_fd_uses() : 0);
  json.FieldString("firstClosedFdUse", fault_kernel_ ? fault_kernel_->first_closed_fd_use() : std::string());
  json.Key("connections");
  json.BeginArray();
  // Straight to the counting kernel, under the tracer: looking must not add to the trace.
  for (const ConnectionInfo& info : server_->Snapshot(*stats_kernel_, kLoopAnswerMs)) {
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

const MemoryBudget& ServerHost::budget() const { return server_->budget(); }

std::string ServerHost::Stats() const {
  ServerCounters& c = counters_;
  JsonWriter json;
  json.BeginObject();
  json.FieldBool("accepting", server_->accepting());
  json.Field("connectionsOpen", server_->open());
  json.Field("connectionsTotal", server_->accepted());
  json.Field("refused", server_->refused());
  json.Field("dropped", server_->dropped());
  json.Field("aborted", c.aborted.load());
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
  const MemoryBudget& budget = server_->budget();
  json.Key("memory");
  json.BeginObject();
  json.Field("budget", budget.limit());
  json.Field("pauseAt", budget.pause_at());
  json.Field("bufferedOutput", budget.used());
  json.Field("peakBufferedOutput", budget.peak());
  json.Field("pausedByBudget", budget.pauses());
  json.Field("resetByBudget", budget.resets());
  json.EndObject();
  json.EndObject();
  return json.str();
}

}  // namespace edgeloop
