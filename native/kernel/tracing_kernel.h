// TracingKernel: a Kernel decorator that records every call it forwards,
// with an actor name, so the reactor's syscalls land in the same trace as
// the scripted peers' (src/trace.ts ingests the records and gives their fds
// the same stable names). It observes, never changes: each call goes to the
// wrapped kernel unchanged and its result comes back unchanged.
//
// A record is one JSON object:
//   {"t":0,"actor":"reactor","call":"write","fd":5,"args":{"bytes":4096},"ret":4096}
//   {"t":0,"actor":"reactor","call":"read","fd":5,"args":{"max":65536},"err":11}
//   {"t":0,"actor":"reactor","call":"epollWait","fd":3,"args":{"maxevents":16,"timeout":0},
//    "ret":1,"events":[[5,4]]}
// `t` is NowMs() when the call started; errors are errno numbers; masks are uint32 numbers.
#pragma once

#include <cstdint>
#include <string>

#include "../util/json_writer.h"
#include "kernel.h"
#include "trace_log.h"

namespace edgeloop {

class TracingKernel final : public Kernel {
 public:
  TracingKernel(Kernel& inner, TraceLog& log, std::string actor)
      : inner_(inner), log_(log), actor_(std::move(actor)) {}

  SysResult Socket(Family family) override;
  SysResult Bind(int32_t fd, const std::string& addr) override;
  SysResult Listen(int32_t fd, int32_t backlog) override;
  SysResult Connect(int32_t fd, const std::string& addr) override;
  SysResult Accept(int32_t fd) override;
  SysResult GetSockName(int32_t fd, std::string* addr) override;
  SysResult Read(int32_t fd, uint8_t* buf, size_t len) override;
  SysResult Write(int32_t fd, const uint8_t* data, size_t len) override;
  SysResult Shutdown(int32_t fd, ShutdownHow how) override;
  SysResult Close(int32_t fd) override;
  SysResult Dup(int32_t fd) override;
  SysResult EventFd() override;
  SysResult SetSockOpt(int32_t fd, SockOpt opt, int32_t value) override;
  SysResult GetSockOpt(int32_t fd, SockOpt opt) override;
  SysResult Ioctl(int32_t fd, IoctlRequest request) override;
  SysResult EpollCreate() override;
  SysResult EpollCtl(int32_t ep, int32_t op, int32_t fd, uint32_t events, uint64_t data) override;
  SysResult EpollWait(int32_t ep, EpollEvent* out, int32_t maxevents, int32_t timeout_ms) override;
  int64_t NowMs() override { return inner_.NowMs(); }
  void Advance(int64_t ms) override { inner_.Advance(ms); }

  Kernel& inner() { return inner_; }
  const std::string& actor() const { return actor_; }

 protected:
  SysResult SocketPairUnix(int32_t fds[2]) override;

 private:
  // Opens a record up to and including the "args" key; the caller writes the
  // args object, then Finish() adds the result.
  void Begin(JsonWriter& json, int64_t t, const char* call, int32_t fd, bool has_fd);
  void Finish(JsonWriter& json, const SysResult& r);
  // One whole record: Begin, the args `write_args` writes, the result.
  template <typename WriteArgs>
  void Record(int64_t t, const char* call, int32_t fd, bool has_fd, const SysResult& r,
              WriteArgs write_args);

  Kernel& inner_;
  TraceLog& log_;
  std::string actor_;
  // The record being written, reused (one loop thread per TracingKernel):
  // no allocation per record once it has grown.
  JsonWriter scratch_;
};

}  // namespace edgeloop
