// SimKernel: a deterministic kernel that behaves like Linux for AF_UNIX and
// loopback TCP stream sockets, eventfd and epoll. Virtual time, a seeded
// PRNG and ordered containers only: the same calls and seed give the same
// results on every target, natively and in wasm.
//
// The host it models has one interface, lo: tcp sockets are AF_INET, bind
// takes 0.0.0.0 and 127.0.0.0/8 (EADDRNOTAVAIL for an address that is not
// the host's), connect reaches 127.0.0.0/8 (ENETUNREACH elsewhere: no
// route), and an IPv6 address is EAFNOSUPPORT on both, as Linux answers an
// AF_INET socket. IPv6 is not modelled rather than half modelled.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "../kernel.h"
#include "file.h"
#include "sim_context.h"
#include "socket.h"

namespace edgeloop {

class SimKernel final : public Kernel {
 public:
  explicit SimKernel(uint32_t seed);
  ~SimKernel() override;

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
  int64_t NowMs() override { return ctx_.now_ms; }
  void Advance(int64_t ms) override;

  // The whole simulated state as JSON: clock, fd table, every file.
  // `brief`: each file as DescribeBrief() gives it, and no PRNG or timers.
  std::string Inspect(bool brief = false) const;
  SimContext& context() { return ctx_; }

  // For fault injection (native/host/fault_kernel.h), which must not change
  // what it only looks at:
  // True when Accept(fd) would succeed now: fd is a listening socket with a
  // connection queued, and there is an fd number to give it.
  bool AcceptWouldSucceed(int32_t fd) const;
  // setrlimit(RLIMIT_NOFILE): new fds from `limit` up fail EMFILE; the open
  // ones stay.
  void SetNoFileLimit(int32_t limit) { ctx_.config.max_fds = limit; }
  // TCP_DELACK_MIN for delayed ACKs scheduled from now on, to the ms
  // (SimConfig::tcp_delack_ms, tcp_delack_exact).
  void SetDelayedAckMs(int32_t ms) {
    ctx_.config.tcp_delack_ms = ms;
    ctx_.config.tcp_delack_exact = true;
  }

 protected:
  SysResult SocketPairUnix(int32_t fds[2]) override;

 private:
  struct FdEntry {
    std::shared_ptr<File> file;
  };
  File* Lookup(int32_t fd) const;
  SocketFile* LookupSocket(int32_t fd, SysResult* error) const;
  // Lowest free fd number, or -1 when RLIMIT_NOFILE is reached.
  int32_t FreeFd(int32_t skip = -1) const;
  int32_t Install(std::shared_ptr<File> file, int32_t fd);
  void ReleaseFile(const std::shared_ptr<File>& file);

  SimContext ctx_;
  std::vector<std::shared_ptr<File>> fds_;
  std::map<const File*, int32_t> fd_refs_;  // open fds per file; looked up, never iterated
};

std::unique_ptr<Kernel> CreateSimKernel(uint32_t seed);
// Inspect() of a kernel made by CreateSimKernel; "{}" for any other kernel.
std::string InspectSimKernel(const Kernel& kernel, bool brief = false);

}  // namespace edgeloop
