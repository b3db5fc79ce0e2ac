#include "sim_kernel.h"

#include <stdexcept>

#include "epoll_file.h"
#include "event_fd.h"
#include "socket.h"
#include "tcp_socket.h"
#include "unix_socket.h"

namespace edgeloop {

namespace {
// The first fds belong to stdio in every Linux process.
constexpr int32_t kFirstFd = 3;
// Flags EPOLLEXCLUSIVE may be combined with (EPOLLEXCLUSIVE_OK_BITS).
constexpr uint32_t kExclusiveOkBits =
    ev::kIn | ev::kOut | ev::kErr | ev::kHup | ev::kWakeup | ev::kEt | ev::kExclusive;
// How long an epoll_wait(-1) lets virtual time run with nothing ready.
constexpr int64_t kForeverMs = 3600 * 1000;
}  // namespace

SimKernel::SimKernel(uint32_t seed) : ctx_(seed) {}

SimKernel::~SimKernel() {
  for (int32_t fd = 0; fd < static_cast<int32_t>(fds_.size()); ++fd) {
    if (fds_[static_cast<size_t>(fd)]) Close(fd);
  }
}

File* SimKernel::Lookup(int32_t fd) const {
  if (fd < 0 || fd >= static_cast<int32_t>(fds_.size())) return nullptr;
  return fds_[static_cast<size_t>(fd)].get();
}

SocketFile* SimKernel::LookupSocket(int32_t fd, SysResult* error) const {
  File* f = Lookup(fd);
  if (f == nullptr) {
    *error = SysResult::Fail(err::kEBADF);
    return nullptr;
  }
  SocketFile* s = f->AsSocket();
  if (s == nullptr) *error = SysResult::Fail(err::kENOTSOCK);
  return s;
}

int32_t SimKernel::FreeFd(int32_t skip) const {
  for (int32_t fd = kFirstFd; fd < ctx_.config.max_fds; ++fd) {
    if (fd == skip) continue;
    if (fd >= static_cast<int32_t>(fds_.size()) || !fds_[static_cast<size_t>(fd)]) return fd;
  }
  return -1;
}

int32_t SimKernel::Install(std::shared_ptr<File> file, int32_t fd) {
  if (fd >= static_cast<int32_t>(fds_.size())) fds_.resize(static_cast<size_t>(fd) + 1);
  ++fd_refs_[file.get()];
  fds_[static_cast<size_t>(fd)] = std::move(file);
  return fd;
}

void SimKernel::ReleaseFile(const std::shared_ptr<File>& file) {
  // __fput: eventpoll_release first, then the file's own release.
  while (!file->epoll_items().empty()) {
    EpollItem* item = file->epoll_items().back();
    item->ep()->RemoveItem(item);
  }
  file->Release();
}

SysResult SimKernel::Socket(Family family) {
  const int32_t fd = FreeFd();
  if (fd < 0) return SysResult::Fail(err::kEMFILE);
  std::shared_ptr<File> s;
  if (family == Family::kUnix) {
    s = std::make_shared<UnixSocket>(ctx_);
  } else if (family == Family::kTcp) {
    s = std::make_shared<TcpSocket>(ctx_);
  } else {
    return SysResult::Fail(err::kEAFNOSUPPORT);
  }
  return SysResult::Ok(Install(std::move(s), fd));
}

SysResult SimKernel::SocketPairUnix(int32_t fds[2]) {
  const int32_t a = FreeFd();
  const int32_t b = a < 0 ? -1 : FreeFd(a);
  if (a < 0 || b < 0) return SysResult::Fail(err::kEMFILE);
  auto sa = std::make_shared<UnixSocket>(ctx_);
  auto sb = std::make_shared<UnixSocket>(ctx_);
  UnixSocket::Connect(sa, sb);
  fds[0] = Install(sa, a);
  fds[1] = Install(sb, b);
  return SysResult::Ok();
}

SysResult SimKernel::Bind(int32_t fd, const std::string& addr) {
  SysResult error;
  SocketFile* s = LookupSocket(fd, &error);
  if (s == nullptr) return error;
  SockAddr parsed;
  if (!ParseSockAddr(addr, &parsed)) return SysResult::Fail(err::kEINVAL);
  return s->Bind(parsed);
}

SysResult SimKernel::Listen(int32_t fd, int32_t backlog) {
  SysResult error;
  SocketFile* s = LookupSocket(fd, &error);
  if (s == nullptr) return error;
  return s->Listen(backlog);
}

SysResult SimKernel::Connect(int32_t fd, const std::string& addr) {
  SysResult error;
  SocketFile* s = LookupSocket(fd, &error);
  if (s == nullptr) return error;
  SockAddr parsed;
  if (!ParseSockAddr(addr, &parsed)) return SysResult::Fail(err::kEINVAL);
  return s->Connect(parsed);
}

SysResult SimKernel::Accept(int32_t fd) {
  SysResult error;
  SocketFile* s = LookupSocket(fd, &error);
  if (s == nullptr) return error;
  // The fd is reserved before a connection is dequeued: EMFILE leaves it queued.
  const int32_t newfd = FreeFd();
  if (newfd < 0) return SysResult::Fail(err::kEMFILE);
  std::shared_ptr<SocketFile> conn;
  SysResult r = s->Accept(&conn);
  if (!r.ok()) return r;
  return SysResult::Ok(Install(std::move(conn), newfd));
}

bool SimKernel::AcceptWouldSucceed(int32_t fd) const {
  File* f = Lookup(fd);
  SocketFile* s = f == nullptr ? nullptr : f->AsSocket();
  return s != nullptr && s->AcceptReady() && FreeFd() >= 0;
}

SysResult SimKernel::GetSockName(int32_t fd, std::string* addr) {
  SysResult error;
  SocketFile* s = LookupSocket(fd, &error);
  if (s == nullptr) return error;
  return s->GetSockName(addr);
}

SysResult SimKernel::Read(int32_t fd, uint8_t* buf, size_t len) {
  File* f = Lookup(fd);
  if (f == nullptr) return SysResult::Fail(err::kEBADF);
  return f->Read(buf, len);
}

SysResult SimKernel::Write(int32_t fd, const uint8_t* data, size_t len) {
  File* f = Lookup(fd);
  if (f == nullptr) return SysResult::Fail(err::kEBADF);
  return f->Write(data, len);
}

SysResult SimKernel::Shutdown(int32_t fd, ShutdownHow how) {
  SysResult error;
  SocketFile* s = LookupSocket(fd, &error);
  if (s == nullptr) return error;
  return s->Shutdown(static_cast<int32_t>(how));
}

SysResult SimKernel::Close(int32_t fd) {
  if (Lookup(fd) == nullptr) return SysResult::Fail(err::kEBADF);
  std::shared_ptr<File> file = std::move(fds_[static_cast<size_t>(fd)]);
  while (!fds_.empty() && !fds_.back()) fds_.pop_back();
  auto refs = fd_refs_.find(file.get());
  if (--refs->second == 0) {
    fd_refs_.erase(refs);
    ReleaseFile(file);
  }
  return SysResult::Ok();
}

SysResult SimKernel::Dup(int32_t fd) {
  File* f = Lookup(fd);
  if (f == nullptr) return SysResult::Fail(err::kEBADF);
  const int32_t newfd = FreeFd();
  if (newfd < 0) return SysResult::Fail(err::kEMFILE);
  return SysResult::Ok(Install(fds_[static_cast<size_t>(fd)], newfd));
}

SysResult SimKernel::EventFd() {
  const int32_t fd = FreeFd();
  if (fd < 0) return SysResult::Fail(err::kEMFILE);
  return SysResult::Ok(Install(std::make_shared<EventFdFile>(ctx_), fd));
}

SysResult SimKernel::SetSockOpt(int32_t fd, SockOpt opt, int32_t value) {
  SysResult error;
  SocketFile* s = LookupSocket(fd, &error);
  if (s == nullptr) return error;
  return s->SetSockOpt(opt, value);
}

SysResult SimKernel::GetSockOpt(int32_t fd, SockOpt opt) {
  SysResult error;
  SocketFile* s = LookupSocket(fd, &error);
  if (s == nullptr) return error;
  return s->GetSockOpt(opt);
}

SysResult SimKernel::Ioctl(int32_t fd, IoctlRequest request) {
  File* f = Lookup(fd);
  if (f == nullptr) return SysResult::Fail(err::kEBADF);
  if (request != IoctlRequest::kInq && request != IoctlRequest::kOutq) {
    return SysResult::Fail(err::kENOTTY);
  }
  return f->Ioctl(request);
}

SysResult SimKernel::EpollCreate() {
  const int32_t fd = FreeFd();
  if (fd < 0) return SysResult::Fail(err::kEMFILE);
  return SysResult::Ok(Install(std::make_shared<EpollFile>(ctx_), fd));
}

SysResult SimKernel::EpollCtl(int32_t ep, int32_t op, int32_t fd, uint32_t events, uint64_t data) {
  // The checks in do_epoll_ctl's order, so each error is the one Linux gives.
  File* epfile = Lookup(ep);
  if (epfile == nullptr) return SysResult::Fail(err::kEBADF);
  File* target = Lookup(fd);
  if (target == nullptr) return SysResult::Fail(err::kEBADF);
  EpollFile* epoll = epfile->AsEpoll();
  if (epfile == target || epoll == nullptr) return SysResult::Fail(err::kEINVAL);
  const bool has_event = op != ev::kCtlDel;
  if (has_event && (events & ev::kExclusive)) {
    if (op == ev::kCtlMod) return SysResult::Fail(err::kEINVAL);
    if (op == ev::kCtlAdd && (target->AsEpoll() != nullptr || (events & ~kExclusiveOkBits))) {
      return SysResult::Fail(err::kEINVAL);
    }
  }
  if (op == ev::kCtlAdd) {
    if (EpollFile* nested = target->AsEpoll()) {
      if (epoll->WouldLoop(nested)) return SysResult::Fail(err::kELOOP);
    }
  }
  switch (op) {
    case ev::kCtlAdd:
      return epoll->Add(target, fd, events, data);
    case ev::kCtlMod:
      return epoll->Modify(target, fd, events, data);
    case ev::kCtlDel:
      return epoll->Delete(target, fd);
    default:
      return SysResult::Fail(err::kEINVAL);
  }
}

SysResult SimKernel::EpollWait(int32_t ep, EpollEvent* out, int32_t maxevents, int32_t timeout_ms) {
  if (maxevents <= 0 || maxevents > ev::kMaxEvents) return SysResult::Fail(err::kEINVAL);
  File* f = Lookup(ep);
  if (f == nullptr) return SysResult::Fail(err::kEBADF);
  EpollFile* epoll = f->AsEpoll();
  if (epoll == nullptr) return SysResult::Fail(err::kEINVAL);
  const int64_t deadline = timeout_ms < 0 ? -1 : ctx_.now_ms + timeout_ms;
  const int64_t started = ctx_.now_ms;
  for (;;) {
    const int32_t n = epoll->SendEvents(out, maxevents);
    if (n > 0 || timeout_ms == 0) return SysResult::Ok(n);
    // Nothing ready: let virtual time run to the next timer or the deadline.
    const int64_t next = ctx_.NextTimer();
    // A TCP persist timer re-arms itself for as long as the peer answers its
    // zero-window probes, so a wait without a deadline may never run out of
    // timers; every finite chain of timers (SYN retries: 127 s) ends well
    // within an hour.
    if (deadline < 0 && next >= 0 && next - started > kForeverMs) {
      throw std::runtime_error(
          "simulated epoll_wait with timeout -1 would block forever: nothing became ready in an "
          "hour of virtual time, and only zero-window probes are scheduled");
    }
    if (next < 0 || (deadline >= 0 && next > deadline)) {
      if (deadline < 0) {
        throw std::runtime_error(
            "simulated epoll_wait with timeout -1 would block forever: nothing is ready and "
            "nothing is scheduled");
      }
      ctx_.RunTimersUntil(deadline);
      return SysResult::Ok(epoll->SendEvents(out, maxevents));
    }
    ctx_.RunTimersUntil(next);
  }
}

void SimKernel::Advance(int64_t ms) {
  if (ms > 0) ctx_.RunTimersUntil(ctx_.now_ms + ms);
}

std::string SimKernel::Inspect(bool brief) const {
  JsonWriter json;
  json.BeginObject();
  json.Field("now", ctx_.now_ms);
  if (!brief) {
    json.Key("rngState");
    json.String(std::to_string(ctx_.rng.state()));
    json.Field("pendingTimers", ctx_.pending_timers());
  }
  // The sysctls the simulation reproduces, so a test can check them against
  // the host it compares with.
  const SimConfig& c = ctx_.config;
  json.Key("config");
  json.BeginObject();
  json.Field("wmemDefault", c.wmem_default);
  json.Field("rmemDefault", c.rmem_default);
  json.Field("wmemMax", c.wmem_max);
  json.Field("rmemMax", c.rmem_max);
  json.Key("tcpWmem");
  json.BeginArray();
  for (int32_t v : c.tcp_wmem) json.Int(v);
  json.EndArray();
  json.Key("tcpRmem");
  json.BeginArray();
  for (int32_t v : c.tcp_rmem) json.Int(v);
  json.EndArray();
  json.Field("tcpSndbufEstablished", c.tcp_sndbuf_established);
  json.Field("somaxconn", c.somaxconn);
  json.Field("maxFds", c.max_fds);
  json.Key("ephemeralPorts");
  json.BeginArray();
  json.Int(c.ephemeral_low);
  json.Int(c.ephemeral_high);
  json.EndArray();
  json.EndObject();
  json.Key("fds");
  json.BeginArray();
  for (size_t fd = 0; fd < fds_.size(); ++fd) {
    const File* file = fds_[fd].get();
    if (file == nullptr) continue;
    json.BeginObject();
    json.Field("fd", fd);
    json.Field("file", file->id());
    if (brief) {
      file->DescribeBrief(json);
    } else {
      file->Describe(json);
    }
    json.EndObject();
  }
  json.EndArray();
  json.EndObject();
  return json.str();
}

std::unique_ptr<Kernel> CreateSimKernel(uint32_t seed) { return std::make_unique<SimKernel>(seed); }

std::string InspectSimKernel(const Kernel& kernel, bool brief) {
  const auto* sim = dynamic_cast<const SimKernel*>(&kernel);
  return sim ? sim->Inspect(brief) : "{}";
}

}  // namespace edgeloop
