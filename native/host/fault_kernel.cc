#include "fault_kernel.h"

#include <stdexcept>

#include "../kernel/sim/sim_kernel.h"
#include "../util/json_writer.h"

namespace edgeloop {

void FaultKernel::Arm(const FaultSpec& spec) {
  switch (spec.type) {
    case FaultType::kNoFile:
    case FaultType::kDelayedAck:
      if (sim_ == nullptr) {
        throw std::invalid_argument(std::string("fault spec: fault \"") + spec.name() +
                                    "\" needs the simulated kernel (engine \"native\" or \"wasm\")");
      }
      if (spec.type == FaultType::kNoFile) {
        sim_->SetNoFileLimit(spec.limit);
      } else {
        sim_->SetDelayedAckMs(spec.ms);
      }
      Record(spec);
      return;
    default:
      armed_.push_back(spec);
  }
}

size_t FaultKernel::FirstArmed(FaultType type) const {
  for (size_t i = 0; i < armed_.size(); ++i) {
    if (armed_[i].type == type) return i;
  }
  return kNone;
}

int32_t FaultKernel::Use(int32_t fd, const char* call) {
  if (closed_.count(fd) != 0) {
    if (closed_fd_uses_++ == 0) first_closed_fd_use_ = std::string(call) + "(" + std::to_string(fd) + ")";
  }
  return fd;
}

SysResult FaultKernel::Opened(SysResult r) {
  if (r.ok()) closed_.erase(static_cast<int32_t>(r.value));
  return r;
}

void FaultKernel::Fire(size_t i) {
  ++fired_;
  Record(armed_[i]);
  if (--armed_[i].count == 0) armed_.erase(armed_.begin() + static_cast<std::ptrdiff_t>(i));
}

void FaultKernel::Record(const FaultSpec& spec) {
  // TracingKernel's record layout, without a result: nothing was called.
  JsonWriter json;
  json.BeginObject();
  json.Field("t", inner_.NowMs());
  json.FieldString("actor", "sim");
  json.FieldString("call", "fault");
  json.Key("args");
  spec.WriteArgs(json);
  json.EndObject();
  log_.Append(json.view());
}

bool FaultKernel::AcceptWouldSucceed(int32_t fd) {
  if (sim_ != nullptr) return sim_->AcceptWouldSucceed(fd);
  // Another kernel (the linux engine): epoll says whether a connection
  // waits; the probe's fd is gone again before the accept.
  SysResult ep = inner_.EpollCreate();
  if (!ep.ok()) return false;
  const auto epfd = static_cast<int32_t>(ep.value);
  bool ready = false;
  if (inner_.EpollCtl(epfd, ev::kCtlAdd, fd, ev::kIn, static_cast<uint64_t>(fd)).ok()) {
    EpollEvent event;
    SysResult r = inner_.EpollWait(epfd, &event, 1, 0);
    ready = r.ok() && r.value == 1 && (event.events & ev::kIn) != 0;
  }
  inner_.Close(epfd);
  return ready;
}

SysResult FaultKernel::Accept(int32_t fd) {
  Use(fd, "accept");
  const size_t i = FirstArmed(FaultType::kAcceptError);
  if (i == kNone) return Opened(inner_.Accept(fd));
  const int32_t error = armed_[i].err;
  if (error == err::kECONNABORTED) {
    // The connection is taken off the queue and gone before the reactor sees it.
    SysResult r = inner_.Accept(fd);
    if (!r.ok()) return r;
    inner_.Close(static_cast<int32_t>(r.value));
    Fire(i);
    if (aborted_cb_) aborted_cb_();
    return SysResult::Fail(error);
  }
  // The others fail before the dequeue: the connection stays queued.
  if (!AcceptWouldSucceed(fd)) return Opened(inner_.Accept(fd));
  Fire(i);
  return SysResult::Fail(error);
}

SysResult FaultKernel::Write(int32_t fd, const uint8_t* data, size_t len) {
  Use(fd, "write");
  for (size_t i = 0; i < armed_.size(); ++i) {
    const FaultSpec& f = armed_[i];
    if (f.type != FaultType::kShortWrite || f.fd != fd || len <= static_cast<size_t>(f.max_bytes)) continue;
    const auto cut = static_cast<size_t>(f.max_bytes);
    SysResult r = inner_.Write(fd, data, cut);
    if (r.ok() && r.value == static_cast<int64_t>(cut)) Fire(i);
    return r;
  }
  return inner_.Write(fd, data, len);
}

SysResult FaultKernel::Close(int32_t fd) {
  SysResult r = inner_.Close(Use(fd, "close"));
  if (!r.ok()) return r;
  closed_.insert(fd);
  // Faults aimed at the connection on this fd end with it: a later
  // connection that gets the number is another one.
  for (size_t i = 0; i < armed_.size();) {
    const FaultType t = armed_[i].type;
    if ((t == FaultType::kShortWrite || t == FaultType::kSpuriousWakeup) && armed_[i].fd == fd) {
      armed_.erase(armed_.begin() + static_cast<std::ptrdiff_t>(i));
    } else {
      ++i;
    }
  }
  // The file is released (no dups here): its registrations go, and an
  // epoll's own table with it.
  for (auto it = registrations_.begin(); it != registrations_.end();) {
    if (it->first.first == fd || it->first.second == fd) {
      it = registrations_.erase(it);
    } else {
      ++it;
    }
  }
  return r;
}

SysResult FaultKernel::EpollCtl(int32_t ep, int32_t op, int32_t fd, uint32_t events, uint64_t data) {
  Use(ep, "epoll_ctl");
  SysResult r = inner_.EpollCtl(ep, op, Use(fd, "epoll_ctl"), events, data);
  if (!r.ok()) return r;
  if (op == ev::kCtlAdd || op == ev::kCtlMod) {
    registrations_[{ep, fd}] = Registration{events, data};
  } else if (op == ev::kCtlDel) {
    registrations_.erase({ep, fd});
  }
  return r;
}

uint32_t FaultKernel::SpuriousEvents(int32_t ep, const FaultSpec& spec) const {
  auto reg = registrations_.find({ep, spec.fd});
  return reg == registrations_.end() ? 0 : spec.events & reg->second.events;
}

SysResult FaultKernel::EpollWait(int32_t ep, EpollEvent* out, int32_t maxevents, int32_t timeout_ms) {
  Use(ep, "epoll_wait");
  const size_t eintr = FirstArmed(FaultType::kEintr);
  if (eintr != kNone) {
    Fire(eintr);
    return SysResult::Fail(err::kEINTR);
  }
  bool spurious = false;
  for (const FaultSpec& f : armed_) {
    spurious = spurious || (f.type == FaultType::kSpuriousWakeup && SpuriousEvents(ep, f) != 0);
  }
  // A spurious wakeup ends the wait at once. Whatever is ready now is what
  // the wait would have returned at once too.
  SysResult r = inner_.EpollWait(ep, out, maxevents, spurious ? 0 : timeout_ms);
  if (!spurious || !r.ok()) return r;
  int64_t n = r.value;
  for (size_t i = 0; i < armed_.size();) {
    const FaultSpec& f = armed_[i];
    const uint32_t events = f.type == FaultType::kSpuriousWakeup ? SpuriousEvents(ep, f) : 0;
    if (events == 0) {
      ++i;
      continue;
    }
    const uint64_t data = registrations_.find({ep, f.fd})->second.data;
    int64_t slot = 0;
    while (slot < n && out[slot].data != data) ++slot;
    if (slot == n) {
      if (n >= maxevents) {
        ++i;  // no room: left alone
        continue;
      }
      out[n++] = EpollEvent{0, data};
    }
    out[slot].events |= events;
    const size_t before = armed_.size();
    Fire(i);
    if (armed_.size() == before) ++i;
  }
  return SysResult::Ok(n);
}

}  // namespace edgeloop
