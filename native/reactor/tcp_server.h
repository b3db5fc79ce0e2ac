// TcpServer: an Acceptor plus the connections it made, in an ordered map by
// id (so iterating them, for a snapshot or a shutdown, is deterministic).
// Which TcpConnection class it builds is the variant's choice.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "../kernel/kernel.h"
#include "callbacks.h"
#include "tcp_connection.h"
#include "variants/variant.h"

namespace edgeloop {

class Acceptor;
class EventLoop;

struct ServerOptions {
  Family family = Family::kUnix;
  std::string address = "@edgeloop";  // "@name" or "127.0.0.1:PORT" (PORT 0: ephemeral)
  int32_t backlog = 4096;             // SOMAXCONN on the verified machines
  int32_t sndbuf = 0;                 // SO_SNDBUF of accepted sockets; 0: leave alone
  int32_t rcvbuf = 0;
  Variant variant = Variant::kEdgeloop;
  ConnectionOptions connection;
};

class TcpServer {
 public:
  TcpServer(EventLoop* loop, const ServerOptions& options, App* app);
  // Closes every connection (reason "server-stopped") and the listener.
  ~TcpServer();
  TcpServer(const TcpServer&) = delete;
  TcpServer& operator=(const TcpServer&) = delete;

  // Listens. Throws std::runtime_error naming the failed call and errno.
  void Start();
  const std::string& address() const;
  int32_t listen_fd() const;

  void SetDroppedCallback(std::function<void()> cb);

  // nullptr when no such connection is open.
  TcpConnectionPtr Find(uint64_t id) const;
  const std::map<uint64_t, TcpConnectionPtr>& connections() const { return connections_; }
  uint64_t accepted() const { return next_id_ - 1; }
  uint64_t dropped() const;

 private:
  void NewConnection(int32_t fd);
  void RemoveConnection(const TcpConnectionPtr& conn);

  EventLoop* loop_;
  ServerOptions options_;
  App* app_;
  std::unique_ptr<Acceptor> acceptor_;
  std::map<uint64_t, TcpConnectionPtr> connections_;
  uint64_t next_id_ = 1;
};

}  // namespace edgeloop
