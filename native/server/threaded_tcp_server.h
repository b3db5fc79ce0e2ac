// ThreadedTcpServer: the reactor's TcpServer for a real multi-threaded
// server (muduo's TcpServer with setThreadNum): the Acceptor runs on the
// base loop (the main reactor), each new connection goes to the pool's next
// loop, round robin, and lives there. With no pool (or an empty one) it is
// the single-threaded server, everything on the base loop.
//
// Ownership: the connection map belongs to the base loop; a connection is
// touched only on its own loop, so every call across loops is a functor
// (RunInLoop/QueueInLoop, woken through the kernel seam's eventfd). Unlike
// TcpServer it also caps the open connections (maxConnections: an excess
// connection is accepted and closed at once, so it is never left queued
// under ET), can stop accepting while its connections finish (a graceful
// close), and gathers a snapshot from every loop.
//
// Every public method is for the base loop's thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "../reactor/callbacks.h"
#include "../reactor/tcp_server.h"
#include "server_counters.h"

namespace edgeloop {

class Acceptor;
class EventLoop;
class EventLoopThreadPool;

// One open connection as a snapshot reports it.
struct ConnectionInfo {
  uint64_t id = 0;
  int32_t fd = -1;
  size_t loop = 0;  // 0: the base loop; i: sub-reactor i
  std::string state;
  bool peer_half_closed = false;
  bool reading = false;
  bool writing = false;
  uint32_t interest = 0;
  size_t send_buf = 0;
  size_t read_buf = 0;
  int64_t kernel_send_queue = -1;
};

class ThreadedTcpServer {
 public:
  // `pool` may be null (single-threaded); it must be started. `raw` is an
  // untraced kernel for looking (SIOCOUTQ in snapshots).
  ThreadedTcpServer(EventLoop* base, EventLoopThreadPool* pool, const ServerOptions& options,
                    uint64_t max_connections, App* app, ServerCounters& counters, Kernel& raw);
  // Closes whatever is still open (reason "server-stopped") and the listener.
  ~ThreadedTcpServer();
  ThreadedTcpServer(const ThreadedTcpServer&) = delete;
  ThreadedTcpServer& operator=(const ThreadedTcpServer&) = delete;

  // Listens. Throws std::runtime_error naming the failed call and its errno
  // ("bind 127.0.0.1:9000: EADDRINUSE").
  void Start();
  // Closes the listening socket; open connections carry on.
  void StopAccepting();
  bool accepting() const { return acceptor_ != nullptr; }
  // Shutdown() on every open connection, on its own loop: SHUT_WR once its
  // output has drained; it closes when the peer closes its end.
  void ShutdownAll();
  // Closes every open connection now, on its own loop, and waits for the
  // sub-reactors to have done it (bounded: `wait_ms`). False if one did not
  // answer in time.
  bool CloseAll(const std::string& reason, int32_t wait_ms);

  // A connection of the base loop by id (JS handlers run there), or nullptr.
  TcpConnectionPtr Find(uint64_t id) const;
  // Every open connection, gathered on its own loop (bounded: `wait_ms`;
  // a loop that does not answer in time is left out).
  std::vector<ConnectionInfo> Snapshot(int32_t wait_ms) const;

  const std::string& address() const { return address_; }
  int32_t listen_fd() const;
  uint64_t dropped() const;
  // Connections handed to each loop so far: [base] without a pool, else one per sub-reactor.
  std::vector<uint64_t> per_loop() const { return per_loop_; }

 private:
  void NewConnection(int32_t fd);
  size_t LoopIndex(const EventLoop* loop) const;

  EventLoop* base_;
  EventLoopThreadPool* pool_;
  ServerOptions options_;
  uint64_t max_connections_;  // 0: no limit
  App* app_;
  ServerCounters& counters_;
  Kernel& raw_;
  std::unique_ptr<Acceptor> acceptor_;
  std::string address_;
  uint64_t dropped_ = 0;  // by the acceptor, kept once it is gone
  std::map<uint64_t, TcpConnectionPtr> connections_;
  std::vector<uint64_t> per_loop_;
  uint64_t next_id_ = 1;
};

}  // namespace edgeloop
