// TcpServer: an Acceptor plus the connections it made (muduo's TcpServer).
// The Acceptor runs on the base loop (the main reactor); with a LoopPool each
// new connection goes to the pool's next loop, round robin, and lives there;
// without one (or in the wasm build, which has no threads) everything runs
// on the base loop. Which TcpConnection class it builds is the variant's
// choice.
//
// Ownership: the connection map (ordered by id, so a snapshot or a shutdown
// iterates deterministically) belongs to the base loop; a connection is
// touched only on its own loop, so every call across loops is a functor
// (RunInLoop/QueueInLoop, woken through the kernel seam's eventfd). On one
// loop those calls run at once, in the order the single-threaded reactor
// makes them.
//
// It also caps the open connections (max_connections: an excess connection
// is accepted and closed at once, so it is never left queued under ET), can
// stop accepting while its connections finish (a graceful close), and
// gathers a snapshot from every loop.
//
// Every public method is for the base loop's thread.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "../kernel/kernel.h"
#include "callbacks.h"
#include "memory_budget.h"
#include "tcp_connection.h"
#include "variants/variant.h"

namespace edgeloop {

class Acceptor;
class EventLoop;
class LoopPool;

struct ServerOptions {
  Family family = Family::kUnix;
  std::string address = "@edgeloop";  // "@name", "A.B.C.D:PORT" or "[IPV6]:PORT" (PORT 0: ephemeral)
  int32_t backlog = 4096;             // SOMAXCONN on the verified machines
  int32_t sndbuf = 0;                 // SO_SNDBUF of accepted sockets; 0: leave alone
  int32_t rcvbuf = 0;
  uint64_t max_connections = 0;       // open connections at most; 0: no limit
  bool reuse_addr = false;            // SO_REUSEADDR on the listener (tcp; the real server sets it)
  bool reuse_port = false;            // SO_REUSEPORT on the listener (tcp; opt-in)
  size_t memory_budget = 0;           // bytes of output buffered server-wide (memory_budget.h); 0: no cap
  Variant variant = Variant::kEdgeloop;
  ConnectionOptions connection;
};

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

class TcpServer {
 public:
  // `pool` may be null (single-threaded); it must be started, and it must
  // outlive the server's connections.
  TcpServer(EventLoop* base, const ServerOptions& options, App* app, LoopPool* pool = nullptr);
  // Closes whatever is still open (reason "server-stopped") and the listener.
  ~TcpServer();
  TcpServer(const TcpServer&) = delete;
  TcpServer& operator=(const TcpServer&) = delete;

  // Listens. Throws std::runtime_error naming the failed call and its errno
  // ("bind 127.0.0.1:9000: EADDRINUSE").
  void Start();
  // Closes the listening socket; open connections carry on.
  void StopAccepting();
  bool accepting() const { return acceptor_ != nullptr; }
  // Shutdown() on every open connection, on its own loop: SHUT_WR once its
  // output has drained; it closes when the peer closes its end.
  void ShutdownAll();
  // A graceful close's look, as often as the caller likes (each connection
  // measures its quiet period on its own loop's clock):
  // ShutdownIfQuiet(quiet_ms) on every open connection, on its own loop (a
  // connection still reading or sending keeps going, and its app's sends are
  // still taken). The sub-reactors are not waited for.
  void ShutdownQuiet(int64_t quiet_ms);
  // Closes every open connection now, on its own loop, and waits for the
  // sub-reactors to have done it (bounded: `wait_ms`; < 0: until they
  // have). False if one did not answer in time. `reset_unsent`: a
  // connection still holding output is reset (reason "server-stopped-reset")
  // rather than FIN'd, so its peer knows the stream was cut.
  bool CloseAll(const std::string& reason, int32_t wait_ms, bool reset_unsent = false);

  // A connection was accepted and closed at once for lack of fds.
  void SetDroppedCallback(std::function<void()> cb);
  // A connection was accepted and closed at once: max_connections were open.
  void SetRefusedCallback(std::function<void()> cb) { refused_cb_ = std::move(cb); }

  // A connection of the base loop by id (an embedder's handlers run there), or nullptr.
  TcpConnectionPtr Find(uint64_t id) const;
  // Every open connection by id, gathered on its own loop (bounded: `wait_ms`;
  // a loop that does not answer in time is left out). `raw` is an untraced
  // kernel for looking (SIOCOUTQ): looking must not add to the trace.
  std::vector<ConnectionInfo> Snapshot(Kernel& raw, int32_t wait_ms) const;

  const std::string& address() const { return address_; }
  int32_t listen_fd() const;
  uint64_t accepted() const { return next_id_ - 1; }
  uint64_t open() const { return open_.load(); }
  uint64_t refused() const { return refused_; }
  uint64_t dropped() const;
  // The server-wide output count and cap (limit 0: counted, not capped).
  const MemoryBudget& budget() const { return *budget_; }
  // Connections handed to each loop so far: [base] without a pool, else one per sub-reactor.
  const std::vector<uint64_t>& per_loop() const { return per_loop_; }

 private:
  void NewConnection(int32_t fd);
  size_t LoopIndex(const EventLoop* loop) const;
  // The open connections grouped by loop, each group in id order.
  std::map<EventLoop*, std::vector<TcpConnectionPtr>> ByLoop() const;
  // Runs `visit` on each loop's group, on that loop, and waits for the
  // sub-reactors' (at most `wait_ms`; < 0: until they have). False if one
  // did not answer in time.
  bool OnEachLoop(const std::function<void(const std::vector<TcpConnectionPtr>&)>& visit, int32_t wait_ms) const;
  // Past the budget's hard limit: resets the connections holding the most
  // output until the total is back under the limit (memory_budget.h).
  void TrimToBudget();

  EventLoop* base_;
  LoopPool* pool_;
  ServerOptions options_;
  App* app_;
  std::unique_ptr<Acceptor> acceptor_;
  std::function<void()> dropped_cb_;
  std::function<void()> refused_cb_;
  std::string address_;
  uint64_t dropped_ = 0;  // by the acceptor, kept once it is gone
  std::map<uint64_t, TcpConnectionPtr> connections_;
  std::atomic<uint64_t> open_{0};  // decremented on the connections' own loops
  uint64_t refused_ = 0;           // max_connections reached
  std::vector<uint64_t> per_loop_;
  uint64_t next_id_ = 1;
  std::shared_ptr<MemoryBudget> budget_;
  std::atomic<bool> trim_queued_{false};
  std::atomic<bool> relax_queued_{false};
  // Held by the server; a trim queued from a sub-reactor checks it is still alive.
  std::shared_ptr<char> alive_ = std::make_shared<char>(0);
};

}  // namespace edgeloop
