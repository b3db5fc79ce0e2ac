#include "tcp_server.h"

#include <vector>

#include "acceptor.h"
#include "event_loop.h"

namespace edgeloop {

TcpServer::TcpServer(EventLoop* loop, const ServerOptions& options, App* app)
    : loop_(loop),
      options_(options),
      app_(app),
      acceptor_(std::make_unique<Acceptor>(loop, options.family, options.address, options.backlog,
                                           options.connection.edge_triggered)) {
  acceptor_->SetNewConnectionCallback([this](int32_t fd) { NewConnection(fd); });
}

TcpServer::~TcpServer() {
  // Copied first: each close erases itself from connections_.
  std::vector<TcpConnectionPtr> open;
  for (const auto& entry : connections_) open.push_back(entry.second);
  for (const TcpConnectionPtr& conn : open) conn->ForceClose(reason::kServerStopped);
  acceptor_.reset();
}

void TcpServer::Start() { acceptor_->Listen(); }

void TcpServer::SetDroppedCallback(std::function<void()> cb) { acceptor_->SetDroppedCallback(std::move(cb)); }

const std::string& TcpServer::address() const { return acceptor_->address(); }
int32_t TcpServer::listen_fd() const { return acceptor_->fd(); }
uint64_t TcpServer::dropped() const { return acceptor_->dropped(); }

TcpConnectionPtr TcpServer::Find(uint64_t id) const {
  auto it = connections_.find(id);
  return it == connections_.end() ? nullptr : it->second;
}

void TcpServer::NewConnection(int32_t fd) {
  Kernel& k = loop_->kernel();
  // Set on each accepted socket rather than on the listener: what accept()
  // inherits differs between AF_UNIX and TCP, this is the same for both.
  if (options_.sndbuf > 0) k.SetSockOpt(fd, SockOpt::kSndBuf, options_.sndbuf);
  if (options_.rcvbuf > 0) k.SetSockOpt(fd, SockOpt::kRcvBuf, options_.rcvbuf);
  const uint64_t id = next_id_++;
  TcpConnectionPtr conn = MakeConnection(options_.variant, loop_, id, fd, options_.connection);
  conn->SetApp(app_);
  conn->SetCloseCallback([this](const TcpConnectionPtr& c, const std::string&) { RemoveConnection(c); });
  connections_.emplace(id, conn);
  conn->ConnectEstablished();
}

void TcpServer::RemoveConnection(const TcpConnectionPtr& conn) {
  connections_.erase(conn->id());
  // The object may be in the middle of its own callback: the loop lets it
  // go once this round's callbacks are done.
  loop_->ReleaseLater(conn);
}

}  // namespace edgeloop
