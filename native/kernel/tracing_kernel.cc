#include "tracing_kernel.h"

#include "../util/json_writer.h"

namespace edgeloop {

namespace {

const char* FamilyName(Family f) {
  switch (f) {
    case Family::kUnix: return "unix";
    case Family::kTcp: return "tcp";
  }
  return "unknown";
}

const char* HowName(ShutdownHow how) {
  switch (how) {
    case ShutdownHow::kRd: return "RD";
    case ShutdownHow::kWr: return "WR";
    case ShutdownHow::kRdWr: return "RDWR";
  }
  return "unknown";
}

const char* OptName(SockOpt opt) {
  switch (opt) {
    case SockOpt::kSndBuf: return "SO_SNDBUF";
    case SockOpt::kRcvBuf: return "SO_RCVBUF";
    case SockOpt::kTcpNoDelay: return "TCP_NODELAY";
    case SockOpt::kError: return "SO_ERROR";
    case SockOpt::kReuseAddr: return "SO_REUSEADDR";
    case SockOpt::kReusePort: return "SO_REUSEPORT";
    case SockOpt::kLinger: return "SO_LINGER";
  }
  return "unknown";
}

const char* RequestName(IoctlRequest request) {
  return request == IoctlRequest::kInq ? "SIOCINQ" : "SIOCOUTQ";
}

// The op as the TS kernel API records a named op; an unknown one stays a number.
void WriteOp(JsonWriter& json, int32_t op) {
  json.Key("op");
  switch (op) {
    case ev::kCtlAdd: json.String("ADD"); break;
    case ev::kCtlDel: json.String("DEL"); break;
    case ev::kCtlMod: json.String("MOD"); break;
    default: json.Int(op);
  }
}

}  // namespace

void TracingKernel::Begin(JsonWriter& json, int64_t t, const char* call, int32_t fd, bool has_fd) {
  json.BeginObject();
  json.Field("t", t);
  json.FieldString("actor", actor_);
  json.FieldString("call", call);
  if (has_fd) json.Field("fd", fd);
  json.Key("args");
}

void TracingKernel::Finish(JsonWriter& json, const SysResult& r) {
  if (r.ok()) {
    json.Field("ret", r.value);
  } else {
    json.Field("err", r.err);
  }
}

void TracingKernel::WriteSite(JsonWriter& json) {
  const CallSite* sites[2] = {has_site_ ? &site_ : nullptr, has_origin_ ? &origin_ : nullptr};
  has_site_ = false;
  for (int i = 0; i < 2; ++i) {
    const CallSite* site = sites[i];
    if (site == nullptr) continue;
    json.Fragment(i == 0 ? ",\"site\":" : ",\"origin\":");
    const SiteKey key{site->function, site->file, site->line};
    auto it = site_numbers_.find(key);
    if (it != site_numbers_.end()) {
      json.Fragment(it->second);
      continue;
    }
    // The first record from this site spells it out; later ones give its
    // number (in order of first appearance, from 0): the text would double
    // the size of a typical record.
    JsonWriter quoted;
    quoted.String(DescribeCallSite(*site));
    json.Fragment(quoted.view());
    site_numbers_.emplace(key, std::to_string(site_numbers_.size()));
  }
}

template <typename WriteArgs>
void TracingKernel::Record(int64_t t, const char* call, int32_t fd, bool has_fd, const SysResult& r,
                           WriteArgs write_args) {
  const std::lock_guard<std::mutex> lock(record_mu_);
  JsonWriter& json = scratch_;
  json.Clear();
  Begin(json, t, call, fd, has_fd);
  json.BeginObject();
  write_args(json);
  json.EndObject();
  Finish(json, r);
  WriteSite(json);
  json.EndObject();
  log_.Append(json.view());
}

SysResult TracingKernel::Socket(Family family) {
  const int64_t t = Start();
  const auto in_order = log_.FdOrder();  // the call and its record together (TraceLog::FdOrder)
  SysResult r = inner_.Socket(family);
  Record(t, "socket", -1, false, r, [&](JsonWriter& json) {
    json.FieldString("family", FamilyName(family));
  });
  return r;
}

SysResult TracingKernel::SocketPairUnix(int32_t fds[2]) {
  // Reached only through SocketPair(kUnix); the wrapped kernel's own
  // SocketPair applies no options when given none.
  const int64_t t = Start();
  const auto in_order = log_.FdOrder();  // the call and its record together (TraceLog::FdOrder)
  SysResult r = inner_.SocketPair(Family::kUnix, PairOptions{}, fds);
  JsonWriter json;
  Begin(json, t, "socketpair", -1, false);
  json.BeginObject();
  json.FieldString("family", "unix");
  json.EndObject();
  if (r.ok()) {
    json.Key("ret");
    json.BeginArray();
    json.Int(fds[0]);
    json.Int(fds[1]);
    json.EndArray();
  } else {
    json.Field("err", r.err);
  }
  json.EndObject();
  log_.Append(json.view());
  return r;
}

SysResult TracingKernel::Bind(int32_t fd, const std::string& addr) {
  const int64_t t = Start();
  SysResult r = inner_.Bind(fd, addr);
  Record(t, "bind", fd, true, r, [&](JsonWriter& json) {
    json.FieldString("addr", addr);
  });
  return r;
}

SysResult TracingKernel::Listen(int32_t fd, int32_t backlog) {
  const int64_t t = Start();
  SysResult r = inner_.Listen(fd, backlog);
  Record(t, "listen", fd, true, r, [&](JsonWriter& json) {
    json.Field("backlog", backlog);
  });
  return r;
}

SysResult TracingKernel::Connect(int32_t fd, const std::string& addr) {
  const int64_t t = Start();
  SysResult r = inner_.Connect(fd, addr);
  Record(t, "connect", fd, true, r, [&](JsonWriter& json) {
    json.FieldString("addr", addr);
  });
  return r;
}

SysResult TracingKernel::Accept(int32_t fd) {
  const int64_t t = Start();
  const auto in_order = log_.FdOrder();  // the call and its record together (TraceLog::FdOrder)
  SysResult r = inner_.Accept(fd);
  Record(t, "accept", fd, true, r, [](JsonWriter&) {});
  return r;
}

SysResult TracingKernel::GetSockName(int32_t fd, std::string* addr) {
  const int64_t t = Start();
  SysResult r = inner_.GetSockName(fd, addr);
  const std::lock_guard<std::mutex> lock(record_mu_);
  JsonWriter json;
  Begin(json, t, "getsockname", fd, true);
  json.BeginObject();
  json.EndObject();
  if (r.ok()) {
    json.FieldString("ret", *addr);
  } else {
    json.Field("err", r.err);
  }
  WriteSite(json);
  json.EndObject();
  log_.Append(json.view());
  return r;
}

SysResult TracingKernel::Read(int32_t fd, uint8_t* buf, size_t len) {
  const int64_t t = Start();
  SysResult r = inner_.Read(fd, buf, len);
  Record(t, "read", fd, true, r, [&](JsonWriter& json) {
    json.Field("max", len);
  });
  return r;
}

SysResult TracingKernel::Write(int32_t fd, const uint8_t* data, size_t len) {
  const int64_t t = Start();
  SysResult r = inner_.Write(fd, data, len);
  Record(t, "write", fd, true, r, [&](JsonWriter& json) {
    json.Field("bytes", len);
  });
  return r;
}

SysResult TracingKernel::Shutdown(int32_t fd, ShutdownHow how) {
  const int64_t t = Start();
  SysResult r = inner_.Shutdown(fd, how);
  Record(t, "shutdown", fd, true, r, [&](JsonWriter& json) {
    json.FieldString("how", HowName(how));
  });
  return r;
}

SysResult TracingKernel::Close(int32_t fd) {
  const int64_t t = Start();
  const auto in_order = log_.FdOrder();  // the call and its record together (TraceLog::FdOrder)
  SysResult r = inner_.Close(fd);
  Record(t, "close", fd, true, r, [](JsonWriter&) {});
  return r;
}

SysResult TracingKernel::Dup(int32_t fd) {
  const int64_t t = Start();
  const auto in_order = log_.FdOrder();  // the call and its record together (TraceLog::FdOrder)
  SysResult r = inner_.Dup(fd);
  Record(t, "dup", fd, true, r, [](JsonWriter&) {});
  return r;
}

SysResult TracingKernel::EventFd() {
  const int64_t t = Start();
  const auto in_order = log_.FdOrder();  // the call and its record together (TraceLog::FdOrder)
  SysResult r = inner_.EventFd();
  Record(t, "eventfd", -1, false, r, [](JsonWriter&) {});
  return r;
}

SysResult TracingKernel::SetSockOpt(int32_t fd, SockOpt opt, int32_t value) {
  const int64_t t = Start();
  SysResult r = inner_.SetSockOpt(fd, opt, value);
  Record(t, "setsockopt", fd, true, r, [&](JsonWriter& json) {
    json.FieldString("name", OptName(opt));
    json.Field("value", value);
  });
  return r;
}

SysResult TracingKernel::GetSockOpt(int32_t fd, SockOpt opt) {
  const int64_t t = Start();
  SysResult r = inner_.GetSockOpt(fd, opt);
  Record(t, "getsockopt", fd, true, r, [&](JsonWriter& json) {
    json.FieldString("name", OptName(opt));
  });
  return r;
}

SysResult TracingKernel::Ioctl(int32_t fd, IoctlRequest request) {
  const int64_t t = Start();
  SysResult r = inner_.Ioctl(fd, request);
  Record(t, "ioctl", fd, true, r, [&](JsonWriter& json) {
    json.FieldString("request", RequestName(request));
  });
  return r;
}

SysResult TracingKernel::EpollCreate() {
  const int64_t t = Start();
  const auto in_order = log_.FdOrder();  // the call and its record together (TraceLog::FdOrder)
  SysResult r = inner_.EpollCreate();
  Record(t, "epollCreate", -1, false, r, [](JsonWriter&) {});
  return r;
}

SysResult TracingKernel::EpollCtl(int32_t ep, int32_t op, int32_t fd, uint32_t events,
                                  uint64_t data) {
  const int64_t t = Start();
  SysResult r = inner_.EpollCtl(ep, op, fd, events, data);
  Record(t, "epollCtl", ep, true, r, [&](JsonWriter& json) {
    WriteOp(json, op);
    json.Field("fd", fd);
    json.Field("events", events);
    // Only when it is not the fd itself: the TS trace names registrations by user data.
    if (op != ev::kCtlDel && data != static_cast<uint64_t>(static_cast<int64_t>(fd))) {
      json.Field("data", static_cast<int64_t>(data));
    }
  });
  return r;
}

SysResult TracingKernel::EpollWait(int32_t ep, EpollEvent* out, int32_t maxevents, int32_t timeout_ms) {
  const int64_t t = Start();
  SysResult r = inner_.EpollWait(ep, out, maxevents, timeout_ms);
  const std::lock_guard<std::mutex> lock(record_mu_);
  JsonWriter& json = scratch_;
  json.Clear();
  Begin(json, t, "epollWait", ep, true);
  json.BeginObject();
  json.Field("maxevents", maxevents);
  json.Field("timeout", timeout_ms);
  json.EndObject();
  Finish(json, r);
  if (r.ok()) {
    json.Key("events");
    json.BeginArray();
    for (int64_t i = 0; i < r.value; ++i) {
      json.BeginArray();
      // User data as the bindings hand it to JS: the low 32 bits, signed.
      json.Int(static_cast<int32_t>(static_cast<uint32_t>(out[i].data)));
      json.Int(out[i].events);
      json.EndArray();
    }
    json.EndArray();
  }
  WriteSite(json);
  json.EndObject();
  log_.Append(json.view());
  return r;
}

}  // namespace edgeloop
