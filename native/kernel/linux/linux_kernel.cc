#include "linux_kernel.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstddef>
#include <cstring>

#include "../sock_addr.h"

namespace edgeloop {

namespace {

SysResult FromErrno() { return SysResult::Fail(errno); }

// A parsed API address as the kernel wants it.
struct NativeAddr {
  sockaddr_storage storage{};
  socklen_t len = 0;

  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
};

bool ToNative(const std::string& text, NativeAddr* out) {
  SockAddr a;
  if (!ParseSockAddr(text, &a)) return false;
  if (a.family == Family::kTcp && a.v6) {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&out->storage);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(a.port);
    std::memcpy(&sin6->sin6_addr, a.ip6, sizeof a.ip6);
    out->len = sizeof(sockaddr_in6);
    return true;
  }
  if (a.family == Family::kTcp) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&out->storage);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(a.port);
    sin->sin_addr.s_addr = htonl(a.ip);
    out->len = sizeof(sockaddr_in);
    return true;
  }
  // Abstract name: a leading NUL, then exactly the name's bytes (no
  // terminator), and a length that counts only those.
  auto* sun = reinterpret_cast<sockaddr_un*>(&out->storage);
  if (a.name.size() + 1 > sizeof(sun->sun_path)) return false;
  sun->sun_family = AF_UNIX;
  sun->sun_path[0] = '\0';
  std::memcpy(sun->sun_path + 1, a.name.data(), a.name.size());
  out->len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + a.name.size());
  return true;
}

std::string FromNative(const sockaddr_storage& storage, socklen_t len) {
  if (storage.ss_family == AF_INET) {
    const auto* sin = reinterpret_cast<const sockaddr_in*>(&storage);
    SockAddr a;
    a.family = Family::kTcp;
    a.ip = ntohl(sin->sin_addr.s_addr);
    a.port = ntohs(sin->sin_port);
    return a.ToString();
  }
  if (storage.ss_family == AF_INET6) {
    const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(&storage);
    SockAddr a;
    a.family = Family::kTcp;
    a.v6 = true;
    std::memcpy(a.ip6, &sin6->sin6_addr, sizeof a.ip6);
    a.port = ntohs(sin6->sin6_port);
    return a.ToString();
  }
  if (storage.ss_family == AF_UNIX) {
    const auto* sun = reinterpret_cast<const sockaddr_un*>(&storage);
    const size_t header = offsetof(sockaddr_un, sun_path);
    if (len <= header) return std::string();  // unbound
    const size_t path_len = len - header;
    if (sun->sun_path[0] != '\0') {
      // A filesystem path; this kernel never binds one, but render it plainly.
      return std::string(sun->sun_path, strnlen(sun->sun_path, path_len));
    }
    SockAddr a;
    a.family = Family::kUnix;
    a.name.assign(sun->sun_path + 1, path_len - 1);
    return a.ToString();
  }
  return std::string();
}

bool SockOptToNative(SockOpt opt, int* level, int* name) {
  switch (opt) {
    case SockOpt::kSndBuf: *level = SOL_SOCKET; *name = SO_SNDBUF; return true;
    case SockOpt::kRcvBuf: *level = SOL_SOCKET; *name = SO_RCVBUF; return true;
    case SockOpt::kTcpNoDelay: *level = IPPROTO_TCP; *name = TCP_NODELAY; return true;
    case SockOpt::kError: *level = SOL_SOCKET; *name = SO_ERROR; return true;
    case SockOpt::kReuseAddr: *level = SOL_SOCKET; *name = SO_REUSEADDR; return true;
    case SockOpt::kReusePort: *level = SOL_SOCKET; *name = SO_REUSEPORT; return true;
    case SockOpt::kLinger: *level = SOL_SOCKET; *name = SO_LINGER; return true;
  }
  return false;
}

// setsockopt(2) with the seam's int value; SO_LINGER takes a struct linger
// (kernel.h gives the int's meaning).
int SetNativeOption(int fd, int level, int name, int32_t value) {
  if (name == SO_LINGER && level == SOL_SOCKET) {
    linger l{};
    l.l_onoff = value >= 0 ? 1 : 0;
    l.l_linger = value >= 0 ? value : 0;
    return ::setsockopt(fd, level, name, &l, sizeof(l));
  }
  const int v = value;
  return ::setsockopt(fd, level, name, &v, sizeof(v));
}

// do_epoll_wait's bound on maxevents (fs/eventpoll.c EP_MAX_EVENTS).
constexpr int32_t kEpMaxEvents = static_cast<int32_t>(INT_MAX / sizeof(epoll_event));

// EpollWait lets the kernel fill the caller's EpollEvent array directly and
// widens in place, so no buffer is allocated per call and threads share none.
static_assert(sizeof(epoll_event) <= sizeof(EpollEvent), "in-place widening needs room");

}  // namespace

LinuxKernel::~LinuxKernel() {
  owned_.ForEach([](int32_t fd) { ::close(fd); });
}

bool LinuxKernel::Owns(int32_t fd) const { return owned_.Test(fd); }

SysResult LinuxKernel::Adopt(int rc) {
  if (rc < 0) return FromErrno();
  if (!owned_.Set(rc)) {
    // Beyond any fd limit Linux allows by default; not ours to track.
    ::close(rc);
    return SysResult::Fail(err::kEMFILE);
  }
  return SysResult::Ok(rc);
}

SysResult LinuxKernel::Socket(Family family) {
  int domain;
  switch (family) {
    case Family::kUnix: domain = AF_UNIX; break;
    case Family::kTcp: domain = AF_INET; break;
    default: return SysResult::Fail(err::kEAFNOSUPPORT);
  }
  SysResult r = Adopt(::socket(domain, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (r.ok() && family == Family::kTcp) {
    const auto fd = static_cast<int32_t>(r.value);
    std::lock_guard<std::mutex> lock(unbound_mu_);
    unbound_state_[fd] = Unbound();
    unbound_.Set(fd);
    unbound_count_.store(unbound_state_.size());
  }
  return r;
}

// ---- IPv6 ------------------------------------------------------------------
//
// The API has one tcp family and socket() cannot know which address will
// come, so a tcp socket starts AF_INET (every loopback exchange the
// simulation is compared with runs over AF_INET) and an IPv6 address given
// to bind() or connect() remakes it AF_INET6 on the same fd number: a new
// socket gets the options set so far (SO_SNDBUF, SO_RCVBUF, TCP_NODELAY,
// SO_REUSEADDR, SO_REUSEPORT, replayed in order, so the buffer locks and
// doubling come out as Linux made them), dup3() puts it on the fd (close-on-
// exec; the new socket is made nonblocking), and the epoll registrations
// made through this kernel are added again (the old ones go with the old
// socket). Only a socket without a local port is remade: one that is bound,
// listening or connected keeps its family and Linux answers for it
// (EAFNOSUPPORT, EINVAL). A socket that was dup'ed stays AF_INET too: its
// dups would go on naming the old socket. An IPv4 address on a remade
// socket that still has no port turns it back the same way.
//
// The alternative, a dual-stack AF_INET6 socket from the start with IPv4 as
// ::ffff:a.b.c.d, would run every IPv4 exchange through the IPv6 socket
// code (other option defaults, other accept paths, hosts booted without
// IPv6 losing tcp altogether), which is not what the simulation models.

SysResult LinuxKernel::MatchFamily(int32_t fd, const std::string& addr) {
  if (!unbound_.Test(fd)) return SysResult::Ok();
  SockAddr parsed;
  if (!ParseSockAddr(addr, &parsed) || parsed.family != Family::kTcp) return SysResult::Ok();
  const int want = parsed.v6 ? AF_INET6 : AF_INET;
  int domain = 0;
  socklen_t len = sizeof(domain);
  if (::getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) < 0) return FromErrno();
  if (domain == want) return SysResult::Ok();
  sockaddr_storage local{};
  socklen_t local_len = sizeof(local);
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) < 0) return FromErrno();
  const uint16_t port = local.ss_family == AF_INET6 ? reinterpret_cast<const sockaddr_in6*>(&local)->sin6_port
                                                     : reinterpret_cast<const sockaddr_in*>(&local)->sin_port;
  if (port != 0) {
    Settled(fd);  // bound after all (a failed connect's autobind): Linux answers
    return SysResult::Ok();
  }
  Unbound state;
  {
    std::lock_guard<std::mutex> lock(unbound_mu_);
    auto it = unbound_state_.find(fd);
    if (it == unbound_state_.end()) return SysResult::Ok();
    state = it->second;
  }
  const int fresh = ::socket(want, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fresh < 0) return FromErrno();
  auto fail = [fresh]() {
    const int e = errno;
    ::close(fresh);
    return SysResult::Fail(e);
  };
  for (const auto& option : state.options) {
    int level = 0;
    int name = 0;
    if (!SockOptToNative(option.first, &level, &name)) continue;
    if (SetNativeOption(fresh, level, name, option.second) < 0) return fail();
  }
  if (::dup3(fresh, fd, O_CLOEXEC) < 0) return fail();
  ::close(fresh);
  for (const Unbound::Watch& w : state.watches) {
    if (!Owns(w.ep)) continue;
    epoll_event e{};
    e.events = w.events;
    e.data.u64 = w.data;
    ::epoll_ctl(w.ep, EPOLL_CTL_ADD, fd, &e);
  }
  return SysResult::Ok();
}

void LinuxKernel::Settled(int32_t fd) {
  if (!unbound_.Test(fd)) return;
  std::lock_guard<std::mutex> lock(unbound_mu_);
  unbound_.Clear(fd);
  unbound_state_.erase(fd);
  unbound_count_.store(unbound_state_.size());
}

void LinuxKernel::SettledIfBound(int32_t fd) {
  if (!unbound_.Test(fd)) return;
  sockaddr_storage local{};
  socklen_t len = sizeof(local);
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len) < 0) return;
  const uint16_t port = local.ss_family == AF_INET6 ? reinterpret_cast<const sockaddr_in6*>(&local)->sin6_port
                                                     : reinterpret_cast<const sockaddr_in*>(&local)->sin_port;
  if (port != 0) Settled(fd);
}

SysResult LinuxKernel::Bind(int32_t fd, const std::string& addr) {
  if (!Owns(fd)) return SysResult::Fail(err::kEBADF);
  NativeAddr na;
  if (!ToNative(addr, &na)) return SysResult::Fail(err::kEINVAL);
  SysResult m = MatchFamily(fd, addr);
  if (!m.ok()) return m;
  if (::bind(fd, na.get(), na.len) < 0) return FromErrno();
  Settled(fd);
  return SysResult::Ok();
}

SysResult LinuxKernel::Listen(int32_t fd, int32_t backlog) {
  if (!Owns(fd)) return SysResult::Fail(err::kEBADF);
  if (::listen(fd, backlog) < 0) return FromErrno();
  Settled(fd);  // listen() binds an unbound socket to a port
  return SysResult::Ok();
}

SysResult LinuxKernel::Connect(int32_t fd, const std::string& addr) {
  if (!Owns(fd)) return SysResult::Fail(err::kEBADF);
  NativeAddr na;
  if (!ToNative(addr, &na)) return SysResult::Fail(err::kEINVAL);
  SysResult m = MatchFamily(fd, addr);
  if (!m.ok()) return m;
  const int rc = ::connect(fd, na.get(), na.len);
  const int e = errno;
  // A connect that got as far as a port keeps its family; one refused
  // before that (no route) leaves the socket as it was.
  SettledIfBound(fd);
  if (rc < 0) return SysResult::Fail(e);
  return SysResult::Ok();
}

SysResult LinuxKernel::Accept(int32_t fd) {
  if (!Owns(fd)) return SysResult::Fail(err::kEBADF);
  return Adopt(::accept4(fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
}

SysResult LinuxKernel::GetSockName(int32_t fd, std::string* addr) {
  if (!Owns(fd)) return SysResult::Fail(err::kEBADF);
  sockaddr_storage storage{};
  socklen_t len = sizeof(storage);
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &len) < 0) return FromErrno();
  *addr = FromNative(storage, len);
  return SysResult::Ok();
}

// read(2) and send(2) through syscall(2): in a multithreaded process (Node
// always is) glibc wraps every cancellable call in pthread-cancellation
// bookkeeping, two atomic updates per call, on the path of every message.
// Nothing here is ever cancelled, so the plain syscall is the same call.
SysResult LinuxKernel::Read(int32_t fd, uint8_t* buf, size_t len) {
  if (!Owns(fd)) return SysResult::Fail(err::kEBADF);
  const long n = ::syscall(SYS_read, fd, buf, len);
  if (n < 0) return FromErrno();
  return SysResult::Ok(n);
}

SysResult LinuxKernel::Write(int32_t fd, const uint8_t* data, size_t len) {
  if (!Owns(fd)) return SysResult::Fail(err::kEBADF);
  // send() only works on sockets: an eventfd (a loop's wakeup, once per
  // cross-thread or functor-queued task) goes straight to write(), any other
  // file after send() says ENOTSOCK.
  if (eventfds_.Test(fd)) {
    const long w = ::syscall(SYS_write, fd, data, len);
    if (w < 0) return FromErrno();
    return SysResult::Ok(w);
  }
  long n = ::syscall(SYS_sendto, fd, data, len, MSG_NOSIGNAL, nullptr, 0);
  if (n < 0 && errno == ENOTSOCK) n = ::syscall(SYS_write, fd, data, len);
  if (n < 0) return FromErrno();
  return SysResult::Ok(n);
}

SysResult LinuxKernel::Shutdown(int32_t fd, ShutdownHow how) {
  if (!Owns(fd)) return SysResult::Fail(err::kEBADF);
  // An out-of-range `how` goes through as is, so Linux answers EINVAL.
  if (::shutdown(fd, static_cast<int>(how)) < 0) return FromErrno();
  return SysResult::Ok();
}

SysResult LinuxKernel::Close(int32_t fd) {
  {
    // Forget the fd before closing it: once close() returns, another thread
    // may be handed the same number and must be able to adopt it.
    if (!owned_.Clear(fd)) return SysResult::Fail(err::kEBADF);
    eventfds_.Clear(fd);
    Settled(fd);
    if (unbound_count_.load() > 0) {
      // A closed epoll fd's registrations are gone with it; its number may
      // come back as another epoll that must not get them.
      std::lock_guard<std::mutex> lock(unbound_mu_);
      for (auto& entry : unbound_state_) {
        std::vector<Unbound::Watch>& watches = entry.second.watches;
        watches.erase(std::remove_if(watches.begin(), watches.end(), [fd](const Unbound::Watch& w) { return w.ep == fd; }),
                      watches.end());
      }
    }
  }
  // Linux releases the fd even when close() reports an error, so never retry.
  if (::close(fd) < 0) return FromErrno();
  return SysResult::Ok();
}

SysResult LinuxKernel::Dup(int32_t fd) {
  if (!Owns(fd)) return SysResult::Fail(err::kEBADF);
  // dup() semantics (lowest free fd) plus close-on-exec. A dup'ed tcp socket
  // keeps its family: remaking it would leave the dup on the old socket.
  SysResult r = Adopt(::fcntl(fd, F_DUPFD_CLOEXEC, 0));
  if (r.ok()) Settled(fd);
  if (r.ok() && eventfds_.Test(fd)) eventfds_.Set(static_cast<int32_t>(r.value));
  return r;
}

SysResult LinuxKernel::EventFd() {
  SysResult r = Adopt(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (r.ok()) eventfds_.Set(static_cast<int32_t>(r.value));
  return r;
}

SysResult LinuxKernel::SetSockOpt(int32_t fd, SockOpt opt, int32_t value) {
  if (!Owns(fd)) return SysResult::Fail(err::kEBADF);
  int level = 0;
  int name = 0;
  if (!SockOptToNative(opt, &level, &name)) return SysResult::Fail(err::kENOPROTOOPT);
  // SO_ERROR goes through too: Linux itself refuses it with ENOPROTOOPT.
  if (SetNativeOption(fd, level, name, value) < 0) return FromErrno();
  if (unbound_.Test(fd)) {
    std::lock_guard<std::mutex> lock(unbound_mu_);
    auto it = unbound_state_.find(fd);
    if (it != unbound_state_.end()) it->second.options.emplace_back(opt, value);
  }
  return SysResult::Ok();
}

SysResult LinuxKernel::GetSockOpt(int32_t fd, SockOpt opt) {
  if (!Owns(fd)) return SysResult::Fail(err::kEBADF);
  int level = 0;
  int name = 0;
  if (!SockOptToNative(opt, &level, &name)) return SysResult::Fail(err::kENOPROTOOPT);
  if (opt == SockOpt::kLinger) {
    linger l{};
    socklen_t len = sizeof(l);
    if (::getsockopt(fd, level, name, &l, &len) < 0) return FromErrno();
    return SysResult::Ok(l.l_onoff ? l.l_linger : -1);
  }
  int v = 0;
  socklen_t len = sizeof(v);
  if (::getsockopt(fd, level, name, &v, &len) < 0) return FromErrno();
  return SysResult::Ok(v);
}

SysResult LinuxKernel::Ioctl(int32_t fd, IoctlRequest request) {
  if (!Owns(fd)) return SysResult::Fail(err::kEBADF);
  unsigned long req;
  switch (request) {
    case IoctlRequest::kInq: req = SIOCINQ; break;
    case IoctlRequest::kOutq: req = SIOCOUTQ; break;
    default: return SysResult::Fail(err::kENOTTY);  // Linux's answer to an unknown request
  }
  int v = 0;
  if (::ioctl(fd, req, &v) < 0) return FromErrno();
  return SysResult::Ok(v);
}

SysResult LinuxKernel::EpollCreate() { return Adopt(::epoll_create1(EPOLL_CLOEXEC)); }

SysResult LinuxKernel::EpollCtl(int32_t ep, int32_t op, int32_t fd, uint32_t events,
                                uint64_t data) {
  // The target must be ours too, or a script could watch Node's fds.
  if (!Owns(ep) || !Owns(fd)) return SysResult::Fail(err::kEBADF);
  epoll_event e{};
  e.events = events;
  e.data.u64 = data;
  if (::epoll_ctl(ep, op, fd, &e) < 0) return FromErrno();
  if (unbound_.Test(fd)) {
    // Kept for MatchFamily, which adds them to the socket that replaces this one.
    std::lock_guard<std::mutex> lock(unbound_mu_);
    auto it = unbound_state_.find(fd);
    if (it != unbound_state_.end()) {
      std::vector<Unbound::Watch>& watches = it->second.watches;
      auto same = std::find_if(watches.begin(), watches.end(), [ep](const Unbound::Watch& w) { return w.ep == ep; });
      if (op == EPOLL_CTL_DEL) {
        if (same != watches.end()) watches.erase(same);
      } else if (same != watches.end()) {
        same->events = events;
        same->data = data;
      } else {
        watches.push_back(Unbound::Watch{ep, events, data});
      }
    }
  }
  return SysResult::Ok();
}

SysResult LinuxKernel::EpollWait(int32_t ep, EpollEvent* out, int32_t maxevents,
                                 int32_t timeout_ms) {
  // Linux checks maxevents before it looks at the fd, so EINVAL wins over
  // EBADF; answering here keeps that order without touching a foreign fd.
  if (maxevents <= 0 || maxevents > kEpMaxEvents) return SysResult::Fail(err::kEINVAL);
  if (!Owns(ep)) return SysResult::Fail(err::kEBADF);
  auto* raw = reinterpret_cast<unsigned char*>(out);
  const int64_t deadline = timeout_ms > 0 ? NowMs() + timeout_ms : 0;
  int timeout = timeout_ms;
  int n;
  for (;;) {
    n = ::epoll_wait(ep, reinterpret_cast<epoll_event*>(raw), maxevents, timeout);
    if (n >= 0) break;
    // Node's signal handlers must not leak into scripts as spurious EINTR.
    if (errno != EINTR) return FromErrno();
    if (timeout_ms > 0) {
      const int64_t left = deadline - NowMs();
      timeout = left > 0 ? static_cast<int>(left) : 0;
    }
  }
  // Widen from the last entry down: entry i's wider slot only overlaps raw
  // entries >= i, which have already been read.
  for (int i = n - 1; i >= 0; --i) {
    epoll_event e;
    std::memcpy(&e, raw + static_cast<size_t>(i) * sizeof(epoll_event), sizeof(e));
    EpollEvent wide;
    wide.events = e.events;
    wide.data = e.data.u64;
    std::memcpy(raw + static_cast<size_t>(i) * sizeof(EpollEvent), &wide, sizeof(wide));
  }
  return SysResult::Ok(n);
}

int64_t LinuxKernel::NowMs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

void LinuxKernel::Advance(int64_t ms) {
  if (ms <= 0) return;
  timespec req{};
  req.tv_sec = static_cast<time_t>(ms / 1000);
  req.tv_nsec = static_cast<long>((ms % 1000) * 1000000);
  timespec rem{};
  while (nanosleep(&req, &rem) < 0 && errno == EINTR) req = rem;
}

SysResult LinuxKernel::SocketPairUnix(int32_t fds[2]) {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0) {
    return FromErrno();
  }
  if (!owned_.Set(sv[0]) || !owned_.Set(sv[1])) {
    owned_.Clear(sv[0]);
    ::close(sv[0]);
    ::close(sv[1]);
    return SysResult::Fail(err::kEMFILE);
  }
  fds[0] = sv[0];
  fds[1] = sv[1];
  return SysResult::Ok();
}

std::unique_ptr<Kernel> CreateLinuxKernel() { return std::make_unique<LinuxKernel>(); }

}  // namespace edgeloop
