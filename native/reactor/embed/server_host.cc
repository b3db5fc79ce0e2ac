#include "server_host.h"

#include <stdexcept>

#include "../../kernel/sim/json_writer.h"
#include "../apps/bulk_app.h"
#include "../apps/discard_app.h"
#include "../apps/echo_app.h"
#include "../event_loop.h"
#include "../tcp_connection.h"
#include "../tcp_server.h"
#include "app_recorder.h"
#include "handler_app.h"

namespace edgeloop {

namespace {

std::unique_ptr<App> MakeApp(const HostConfig& c) {
  switch (c.app) {
    case AppKind::kEcho: return std::make_unique<EchoApp>();
    case AppKind::kDiscard: return std::make_unique<DiscardApp>();
    case AppKind::kBulk: return std::make_unique<BulkApp>(c.bulk_bytes);
    case AppKind::kJs: break;
  }
  return nullptr;
}

}  // namespace

ServerHost::ServerHost(std::shared_ptr<Kernel> kernel, const std::string& options_json)
    : kernel_(std::move(kernel)),
      config_(ParseHostConfig(options_json)),
      tracing_(*kernel_, trace_, "reactor") {
  trace_.set_enabled(config_.trace);
  app_ = MakeApp(config_);
  recorder_ = std::make_unique<AppRecorder>(app_.get(), config_.trace ? &trace_ : nullptr, *kernel_);
  loop_ = std::make_unique<EventLoop>(tracing_);
  server_ = std::make_unique<TcpServer>(loop_.get(), config_.server, recorder_.get());
  server_->SetDroppedCallback([this] {
    if (handlers_) handlers_->OnDropped();
  });
  server_->Start();
}

ServerHost::~ServerHost() {
  // Connections first (they close through the loop's epoll), then the loop.
  server_.reset();
  loop_.reset();
}

const std::string& ServerHost::address() const { return server_->address(); }

void ServerHost::SetHandlers(HandlerApp* handlers) {
  if (running_) throw std::logic_error("the handlers cannot change inside the reactor iteration");
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
  if (!c->Send(data, len)) return kShuttingDown;
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

std::string ServerHost::Snapshot() const {
  JsonWriter json;
  json.BeginObject();
  json.Field("time", kernel_->NowMs());
  json.Field("epollFd", loop_->epoll_fd());
  json.Field("listenFd", server_->listen_fd());
  json.FieldString("address", server_->address());
  json.Field("accepted", server_->accepted());
  json.Field("dropped", server_->dropped());
  json.Field("iterations", loop_->iterations());
  json.Key("connections");
  json.BeginArray();
  for (const auto& entry : server_->connections()) {
    const TcpConnection& c = *entry.second;
    json.BeginObject();
    json.Field("id", c.id());
    json.Field("fd", c.fd());
    json.FieldString("state", TcpConnection::StateName(c.state()));
    json.FieldBool("peerHalfClosed", c.peer_half_closed());
    json.FieldBool("reading", c.IsReading());
    json.FieldBool("writing", c.IsWriting());
    json.Field("interest", c.interest());
    json.Field("sendBuf", c.OutputBytes());
    json.Field("readBuf", c.InputBytes());
    // Straight to the wrapped kernel: looking must not add to the trace.
    SysResult outq = kernel_->Ioctl(c.fd(), IoctlRequest::kOutq);
    json.Field("kernelSendQueue", outq.ok() ? outq.value : -1);
    json.EndObject();
  }
  json.EndArray();
  json.EndObject();
  return json.str();
}

}  // namespace edgeloop
