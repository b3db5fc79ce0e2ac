#include "tcp_server.h"

#include <algorithm>
#include <mutex>

#include "acceptor.h"
#include "event_loop.h"
#include "loop_pool.h"

namespace edgeloop {

namespace {

std::vector<ConnectionInfo> Describe(const std::vector<TcpConnectionPtr>& conns, size_t loop, Kernel& raw) {
  std::vector<ConnectionInfo> out;
  for (const TcpConnectionPtr& conn : conns) {
    const TcpConnection& c = *conn;
    if (c.state() == TcpConnection::State::kDisconnected) continue;
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
    SysResult outq = raw.Ioctl(c.fd(), IoctlRequest::kOutq);
    info.kernel_send_queue = outq.ok() ? outq.value : -1;
    out.push_back(std::move(info));
  }
  return out;
}

}  // namespace

TcpServer::TcpServer(EventLoop* base, const ServerOptions& options, App* app, LoopPool* pool)
    : base_(base),
      pool_(pool),
      options_(options),
      app_(app),
      per_loop_(pool && !pool->loops().empty() ? pool->loops().size() : 1, 0),
      budget_(std::make_shared<MemoryBudget>(options.memory_budget)) {
  // Every connection charges the budget (with limit 0 it only counts, for the stats).
  options_.connection.budget = budget_;
  std::weak_ptr<char> alive = alive_;
  budget_->SetRelaxedCallback([this, alive] {
    // Back under half the budget with connections paused for it: each gets
    // to look again (a paused connection whose peer is not reading has no
    // write event that would make it look on its own).
    if (relax_queued_.exchange(true)) return;
    base_->QueueInLoop([this, alive] {
      if (alive.expired()) return;
      relax_queued_ = false;
      OnEachLoop(
          [](const std::vector<TcpConnectionPtr>& conns) {
            for (const TcpConnectionPtr& conn : conns) conn->ResumeIfBudgetRelaxed();
          },
          0);
    });
  });
  budget_->SetOverLimitCallback([this, alive] {
    // On whichever loop grew the total; the trim runs on the base loop, one queued at a time.
    if (trim_queued_.exchange(true)) return;
    base_->QueueInLoop([this, alive] {
      if (alive.expired()) return;
      trim_queued_ = false;
      TrimToBudget();
    });
  });
#ifdef EDGELOOP_REACTOR_MUTANTS
  // The planted bug (mutants.h) reaches the loops and, in Start(), the
  // acceptor; MakeConnection gives it to each connection.
  const Mutant mutant = MutantOf(options_.variant);
  base_->set_mutant(mutant);
  if (pool_) {
    for (EventLoop* loop : pool_->loops()) loop->RunInLoop([loop, mutant] { loop->set_mutant(mutant); });
  }
#endif
}

TcpServer::~TcpServer() {
  // Waits for every sub-reactor, however long: their close callbacks touch
  // this object, so none may run after it is gone. The pool is still running
  // (the embedder stops it after the server), and a sub-reactor only ever
  // does nonblocking work, so it answers.
  CloseAll(reason::kServerStopped, -1);
  connections_.clear();
  acceptor_.reset();
}

void TcpServer::Start() {
  base_->AssertInLoopThread();
  acceptor_ = std::make_unique<Acceptor>(base_, options_.family, options_.address, options_.backlog,
                                         options_.connection.edge_triggered);
#ifdef EDGELOOP_REACTOR_MUTANTS
  acceptor_->set_mutant(MutantOf(options_.variant));
#endif
  acceptor_->SetReuse(options_.reuse_addr, options_.reuse_port);
  acceptor_->SetNewConnectionCallback([this](int32_t fd) { NewConnection(fd); });
  acceptor_->SetDroppedCallback([this] {
    if (dropped_cb_) dropped_cb_();
  });
  acceptor_->Listen();
  address_ = acceptor_->address();
}

void TcpServer::StopAccepting() {
  base_->AssertInLoopThread();
  if (!acceptor_) return;
  dropped_ = acceptor_->dropped();
  acceptor_->Stop();  // EPOLL_CTL_DEL, close: new connects are refused from here on
  // Freed once this round's callbacks are done: the acceptor may be running
  // (StopAccepting from a connection's callback, inside its accept loop).
  base_->ReleaseLater(std::shared_ptr<Acceptor>(acceptor_.release()));
}

void TcpServer::SetDroppedCallback(std::function<void()> cb) { dropped_cb_ = std::move(cb); }

int32_t TcpServer::listen_fd() const { return acceptor_ ? acceptor_->fd() : -1; }

uint64_t TcpServer::dropped() const { return acceptor_ ? acceptor_->dropped() : dropped_; }

size_t TcpServer::LoopIndex(const EventLoop* loop) const {
  if (loop == base_ || !pool_) return 0;
  const std::vector<EventLoop*>& loops = pool_->loops();
  for (size_t i = 0; i < loops.size(); ++i) {
    if (loops[i] == loop) return i + 1;
  }
  return 0;
}

void TcpServer::NewConnection(int32_t fd) {
  const Syscalls& k = base_->syscalls();
  if (options_.max_connections > 0 && open_.load() >= options_.max_connections) {
    // Accepted and closed rather than left in the backlog: under ET a
    // queued connection would not be reported again until the next one.
    k.Close(fd);
    ++refused_;
    if (refused_cb_) refused_cb_();
    return;
  }
  // Set on each accepted socket rather than on the listener: what accept()
  // inherits differs between AF_UNIX and TCP, this is the same for both.
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
    --open_;
    c->loop()->ReleaseLater(c);
    const uint64_t closed = c->id();
    base_->RunInLoop([this, closed] { connections_.erase(closed); });
  });
  connections_.emplace(id, conn);
  ++open_;
  io->RunInLoop([conn] { conn->ConnectEstablished(); });
}

TcpConnectionPtr TcpServer::Find(uint64_t id) const {
  base_->AssertInLoopThread();
  auto it = connections_.find(id);
  if (it == connections_.end() || it->second->loop() != base_) return nullptr;
  return it->second;
}

std::map<EventLoop*, std::vector<TcpConnectionPtr>> TcpServer::ByLoop() const {
  std::map<EventLoop*, std::vector<TcpConnectionPtr>> by_loop;
  for (const auto& entry : connections_) by_loop[entry.second->loop()].push_back(entry.second);
  return by_loop;
}

bool TcpServer::OnEachLoop(const std::function<void(const std::vector<TcpConnectionPtr>&)>& visit, int32_t wait_ms) const {
  base_->AssertInLoopThread();
  // Grouped (copied) first: a close takes itself out of the map.
  std::vector<std::pair<EventLoop*, Functor>> elsewhere;
  for (auto& group : ByLoop()) {
    if (group.first == base_) {
      visit(group.second);
      continue;
    }
    std::vector<TcpConnectionPtr> conns = std::move(group.second);
    elsewhere.emplace_back(group.first, [visit, conns] { visit(conns); });
  }
  if (elsewhere.empty()) return true;
  const std::vector<bool> ran = pool_->RunAndWait(std::move(elsewhere), wait_ms);
  return std::find(ran.begin(), ran.end(), false) == ran.end();
}

void TcpServer::TrimToBudget() {
  base_->AssertInLoopThread();
  if (!budget_->enabled() || budget_->used() < budget_->limit()) return;
  struct Holding {
    TcpConnectionPtr conn;
    size_t bytes;
  };
  auto mu = std::make_shared<std::mutex>();
  auto holding = std::make_shared<std::vector<Holding>>();
  // Each loop reports its own connections' output (read on their own thread).
  OnEachLoop(
      [mu, holding](const std::vector<TcpConnectionPtr>& conns) {
        std::lock_guard<std::mutex> lock(*mu);
        for (const TcpConnectionPtr& c : conns) {
          if (c->state() != TcpConnection::State::kDisconnected && c->OutputBytes() > 0) holding->push_back({c, c->OutputBytes()});
        }
      },
      2000);
  std::lock_guard<std::mutex> lock(*mu);
  // The rule: most output first; equal holdings, the older connection first.
  std::sort(holding->begin(), holding->end(), [](const Holding& a, const Holding& b) {
    return a.bytes != b.bytes ? a.bytes > b.bytes : a.conn->id() < b.conn->id();
  });
  size_t used = budget_->used();
  for (const Holding& h : *holding) {
    if (used < budget_->limit()) break;
    used -= std::min(used, h.bytes);
    const size_t total = budget_->used();
    TcpConnectionPtr conn = h.conn;
    conn->loop()->RunInLoop([conn, total] { conn->ResetForBudget(total); });
  }
}

void TcpServer::ShutdownQuiet(int64_t quiet_ms) {
  OnEachLoop(
      [quiet_ms](const std::vector<TcpConnectionPtr>& conns) {
        for (const TcpConnectionPtr& conn : conns) conn->ShutdownIfQuiet(quiet_ms);
      },
      0);
}

void TcpServer::ShutdownAll() {
  // SHUT_WR once drained: nothing closes at once, so nothing to wait for.
  OnEachLoop(
      [](const std::vector<TcpConnectionPtr>& conns) {
        for (const TcpConnectionPtr& conn : conns) conn->Shutdown();
      },
      0);
}

bool TcpServer::CloseAll(const std::string& reason, int32_t wait_ms, bool reset_unsent) {
  return OnEachLoop(
      [reason, reset_unsent](const std::vector<TcpConnectionPtr>& conns) {
        for (const TcpConnectionPtr& conn : conns) {
          // A write-complete pending counts only while the app may still send
          // from it (connected: a streamed response); after Shutdown() it never
          // reaches the app, and the kernel's tail deserves its FIN.
          const bool unsent = conn->OutputBytes() > 0 || (conn->connected() && conn->WriteCompletePending());
          if (reset_unsent && conn->state() != TcpConnection::State::kDisconnected && unsent) {
            conn->Abort(reason::kServerStoppedReset);
          } else {
            conn->ForceClose(reason);
          }
        }
      },
      wait_ms);
}

std::vector<ConnectionInfo> TcpServer::Snapshot(Kernel& raw, int32_t wait_ms) const {
  base_->AssertInLoopThread();
  std::vector<ConnectionInfo> out;
  // One result slot per sub-reactor group, written on its loop and read only
  // if that loop answered in time (shared: a late answer still writes to it).
  auto results = std::make_shared<std::vector<std::vector<ConnectionInfo>>>();
  std::vector<std::pair<EventLoop*, Functor>> elsewhere;
  Kernel* looker = &raw;
  for (auto& group : ByLoop()) {
    if (group.first == base_) {
      out = Describe(group.second, 0, raw);
      continue;
    }
    const size_t slot = results->size();
    results->emplace_back();
    const size_t index = LoopIndex(group.first);
    std::vector<TcpConnectionPtr> conns = std::move(group.second);
    elsewhere.emplace_back(group.first, [results, slot, conns, index, looker] { (*results)[slot] = Describe(conns, index, *looker); });
  }
  if (!elsewhere.empty()) {
    const std::vector<bool> ran = pool_->RunAndWait(std::move(elsewhere), wait_ms);
    for (size_t slot = 0; slot < ran.size(); ++slot) {
      if (ran[slot]) out.insert(out.end(), (*results)[slot].begin(), (*results)[slot].end());
    }
  }
  std::sort(out.begin(), out.end(), [](const ConnectionInfo& a, const ConnectionInfo& b) { return a.id < b.id; });
  return out;
}

}  // namespace edgeloop
