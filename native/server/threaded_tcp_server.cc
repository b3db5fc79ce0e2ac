#include "threaded_tcp_server.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>

#include "../reactor/acceptor.h"
#include "../reactor/event_loop.h"
#include "../reactor/event_loop_thread_pool.h"
#include "../reactor/tcp_connection.h"
#include "../reactor/variants/variant.h"

namespace edgeloop {

namespace {

// Functors sent to other loops, and the base loop waiting (bounded) for them.
// Shared: a loop that answers after the wait gave up still has it to write to.
struct Gather {
  std::mutex mu;
  std::condition_variable done;
  size_t left = 0;
  std::vector<ConnectionInfo> infos;  // guarded by mu

  bool Wait(int32_t wait_ms) {
    std::unique_lock<std::mutex> lock(mu);
    return done.wait_for(lock, std::chrono::milliseconds(wait_ms), [this] { return left == 0; });
  }
  void Finish(std::vector<ConnectionInfo> more) {
    std::lock_guard<std::mutex> lock(mu);
    for (ConnectionInfo& info : more) infos.push_back(std::move(info));
    --left;
    done.notify_all();
  }
};

ConnectionInfo Describe(const TcpConnection& c, size_t loop, Kernel& raw) {
  ConnectionInfo info;
  info.id = c.id();
  info.fd = c.fd();
  info.loop = loop;
  info.state = TcpConnection::StateName(c.state());
  info.peer_half_closed = c.peer_half_closed();
  info.reading = c.IsReading();
  info.writing = c.IsWriting();
  info.interest = c.interest();
  info.send_buf = c.OutputBytes();
  info.read_buf = c.InputBytes();
  // The untraced kernel: looking must not add to the trace.
  SysResult outq = raw.Ioctl(c.fd(), IoctlRequest::kOutq);
  info.kernel_send_queue = outq.ok() ? outq.value : -1;
  return info;
}

}  // namespace

ThreadedTcpServer::ThreadedTcpServer(EventLoop* base, EventLoopThreadPool* pool, const ServerOptions& options,
                                     uint64_t max_connections, App* app, ServerCounters& counters, Kernel& raw)
    : base_(base),
      pool_(pool),
      options_(options),
      max_connections_(max_connections),
      app_(app),
      counters_(counters),
      raw_(raw),
      per_loop_(pool && pool->size() > 0 ? pool->size() : 1, 0) {}

ThreadedTcpServer::~ThreadedTcpServer() {
  CloseAll(reason::kServerStopped, 2000);
  // Anything a late loop did not close is let go here; its loop is gone by
  // now (the embedder stops the pool first), so nothing runs on it again.
  connections_.clear();
  acceptor_.reset();
}

void ThreadedTcpServer::Start() {
  base_->AssertInLoopThread();
  acceptor_ = std::make_unique<Acceptor>(base_, options_.family, options_.address, options_.backlog,
                                         options_.connection.edge_triggered);
  acceptor_->SetNewConnectionCallback([this](int32_t fd) { NewConnection(fd); });
  acceptor_->Listen();
  address_ = acceptor_->address();
}

void ThreadedTcpServer::StopAccepting() {
  base_->AssertInLoopThread();
  if (!acceptor_) return;
  dropped_ = acceptor_->dropped();
  acceptor_.reset();  // EPOLL_CTL_DEL, close: new connects are refused from here on
}

int32_t ThreadedTcpServer::listen_fd() const { return acceptor_ ? acceptor_->fd() : -1; }

uint64_t ThreadedTcpServer::dropped() const { return acceptor_ ? acceptor_->dropped() : dropped_; }

size_t ThreadedTcpServer::LoopIndex(const EventLoop* loop) const {
  if (loop == base_ || !pool_) return 0;
  const std::vector<EventLoop*>& loops = pool_->loops();
  for (size_t i = 0; i < loops.size(); ++i) {
    if (loops[i] == loop) return i + 1;
  }
  return 0;
}

void ThreadedTcpServer::NewConnection(int32_t fd) {
  Kernel& k = base_->kernel();
  if (max_connections_ > 0 && counters_.open.load() >= max_connections_) {
    // Accepted and closed rather than left in the backlog: under ET a
    // queued connection would not be reported again until the next one.
    k.Close(fd);
    ++counters_.refused;
    return;
  }
  if (options_.sndbuf > 0) k.SetSockOpt(fd, SockOpt::kSndBuf, options_.sndbuf);
  if (options_.rcvbuf > 0) k.SetSockOpt(fd, SockOpt::kRcvBuf, options_.rcvbuf);
  EventLoop* io = pool_ ? pool_->GetNextLoop() : base_;
  const size_t index = LoopIndex(io);
  ++per_loop_[index == 0 ? 0 : index - 1];
  const uint64_t id = next_id_++;
  TcpConnectionPtr conn = MakeConnection(options_.variant, io, id, fd, options_.connection);
  conn->SetApp(app_);
  conn->SetCloseCallback([this](const TcpConnectionPtr& c, const std::string&) {
    // On the connection's loop, maybe inside its own callback: that loop
    // keeps it alive until its round is over; the map is the base loop's.
    --counters_.open;
    c->loop()->ReleaseLater(c);
    const uint64_t closed = c->id();
    base_->RunInLoop([this, closed] { connections_.erase(closed); });
  });
  connections_.emplace(id, conn);
  ++counters_.open;
  ++counters_.accepted;
  io->RunInLoop([conn] { conn->ConnectEstablished(); });
}

TcpConnectionPtr ThreadedTcpServer::Find(uint64_t id) const {
  base_->AssertInLoopThread();
  auto it = connections_.find(id);
  if (it == connections_.end() || it->second->loop() != base_) return nullptr;
  return it->second;
}

void ThreadedTcpServer::ShutdownAll() {
  base_->AssertInLoopThread();
  for (const auto& entry : connections_) {
    TcpConnectionPtr conn = entry.second;
    conn->loop()->RunInLoop([conn] { conn->Shutdown(); });
  }
}

bool ThreadedTcpServer::CloseAll(const std::string& reason, int32_t wait_ms) {
  base_->AssertInLoopThread();
  // Copied first: each close takes itself out of the map.
  std::map<EventLoop*, std::vector<TcpConnectionPtr>> by_loop;
  for (const auto& entry : connections_) by_loop[entry.second->loop()].push_back(entry.second);
  auto gather = std::make_shared<Gather>();
  for (auto& group : by_loop) {
    if (group.first == base_) {
      for (const TcpConnectionPtr& conn : group.second) conn->ForceClose(reason);
      continue;
    }
    {
      std::lock_guard<std::mutex> lock(gather->mu);
      ++gather->left;
    }
    std::vector<TcpConnectionPtr> conns = std::move(group.second);
    group.first->QueueInLoop([gather, conns, reason] {
      for (const TcpConnectionPtr& conn : conns) conn->ForceClose(reason);
      gather->Finish({});
    });
  }
  return gather->Wait(wait_ms);
}

std::vector<ConnectionInfo> ThreadedTcpServer::Snapshot(int32_t wait_ms) const {
  base_->AssertInLoopThread();
  std::map<EventLoop*, std::vector<TcpConnectionPtr>> by_loop;
  for (const auto& entry : connections_) by_loop[entry.second->loop()].push_back(entry.second);
  std::vector<ConnectionInfo> out;
  auto gather = std::make_shared<Gather>();
  for (auto& group : by_loop) {
    const size_t index = LoopIndex(group.first);
    if (group.first == base_) {
      for (const TcpConnectionPtr& conn : group.second) {
        if (conn->state() != TcpConnection::State::kDisconnected) out.push_back(Describe(*conn, index, raw_));
      }
      continue;
    }
    {
      std::lock_guard<std::mutex> lock(gather->mu);
      ++gather->left;
    }
    std::vector<TcpConnectionPtr> conns = std::move(group.second);
    Kernel* raw = &raw_;
    group.first->QueueInLoop([gather, conns, index, raw] {
      std::vector<ConnectionInfo> infos;
      for (const TcpConnectionPtr& conn : conns) {
        if (conn->state() != TcpConnection::State::kDisconnected) infos.push_back(Describe(*conn, index, *raw));
      }
      gather->Finish(std::move(infos));
    });
  }
  gather->Wait(wait_ms);
  {
    std::lock_guard<std::mutex> lock(gather->mu);
    for (const ConnectionInfo& info : gather->infos) out.push_back(info);
  }
  std::sort(out.begin(), out.end(), [](const ConnectionInfo& a, const ConnectionInfo& b) { return a.id < b.id; });
  return out;
}

}  // namespace edgeloop
