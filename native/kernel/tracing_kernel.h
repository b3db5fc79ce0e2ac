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
// A call the reactor made through reactor/syscalls.h ends with its caller:
//   ...,"ret":4096,"site":"TcpConnection::Send native/reactor/tcp_connection.cc:73"}
// and, when a Channel update led to it, the line that asked for that update:
//   ...,"site":"Epoll::UpdateChannel native/reactor/epoll.cc:28",
//       "origin":"TcpConnection::Send native/reactor/tcp_connection.cc:85"}
// A site is spelled out in the first record (of this kernel, i.e. of this
// actor) that has it, as "site" or as "origin"; later records give its
// number instead: "site":3 is the fourth distinct site this actor's records
// spelled out. src/trace.ts turns the numbers back into the text.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "call_site.h"

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

  // The caller of the next call (reactor/syscalls.h), recorded with it and
  // then forgotten.
  void SetSite(const CallSite& site) {
    site_ = site;
    has_site_ = true;
  }
  // The line the calls made until ClearOrigin() are on behalf of.
  void SetOrigin(const CallSite& origin) {
    origin_ = origin;
    has_origin_ = true;
  }
  void ClearOrigin() { has_origin_ = false; }


 protected:
  SysResult SocketPairUnix(int32_t fds[2]) override;

 private:
  // Opens a record up to and including the "args" key; the caller writes the
  // args object, then Finish() adds the result.
  void Begin(JsonWriter& json, int64_t t, const char* call, int32_t fd, bool has_fd);
  void Finish(JsonWriter& json, const SysResult& r);
  // The "site" and "origin" members, when the call has them; forgets the site.
  void WriteSite(JsonWriter& json);
  // One whole record: Begin, the args `write_args` writes, the result.
  template <typename WriteArgs>
  void Record(int64_t t, const char* call, int32_t fd, bool has_fd, const SysResult& r,
              WriteArgs write_args);

  // The log's probe moment (TraceLog::Probe: the state up to the last
  // record, before this call changes it), then the call's start time.
  int64_t Start() {
    log_.Probe();
    return inner_.NowMs();
  }

  Kernel& inner_;
  TraceLog& log_;
  std::string actor_;
  // The record being written, reused: no allocation per record once it has
  // grown. Under record_mu_ with the site numbers: a loop's kernel is its
  // thread's, but a server shutting down can reach a sub-reactor's
  // connection from another thread, and two records written into one
  // scratch at once came out cut into each other (a stress run of
  // `serve --threads 2 --trace`: the JSON Lines no longer parsed).
  std::mutex record_mu_;
  JsonWriter scratch_;
  CallSite site_;
  CallSite origin_;
  bool has_site_ = false;
  bool has_origin_ = false;
  // Each site's number (as JSON text) once its first record spelled it out:
  // a run makes its calls from a few dozen lines. Keyed by the builtins'
  // string addresses, fixed for the life of the program; never iterated.
  struct SiteKey {
    const char* function;
    const char* file;
    int32_t line;
    bool operator==(const SiteKey& o) const {
      return function == o.function && file == o.file && line == o.line;
    }
  };
  struct SiteKeyHash {
    size_t operator()(const SiteKey& k) const {
      return std::hash<const void*>()(k.function) ^ (std::hash<const void*>()(k.file) << 1) ^
             (static_cast<size_t>(k.line) << 2);
    }
  };
  std::unordered_map<SiteKey, std::string, SiteKeyHash> site_numbers_;
};

}  // namespace edgeloop
