// TEMPORARY STUB while the real SimKernel is written: every call fails ENOSYS.
#include "sim_kernel.h"

namespace edgeloop {
namespace {
class StubKernel final : public Kernel {
 public:
  SysResult Socket(Family) override { return SysResult::Fail(err::kENOSYS); }
  SysResult Bind(int32_t, const std::string&) override { return SysResult::Fail(err::kENOSYS); }
  SysResult Listen(int32_t, int32_t) override { return SysResult::Fail(err::kENOSYS); }
  SysResult Connect(int32_t, const std::string&) override { return SysResult::Fail(err::kENOSYS); }
  SysResult Accept(int32_t) override { return SysResult::Fail(err::kENOSYS); }
  SysResult GetSockName(int32_t, std::string*) override { return SysResult::Fail(err::kENOSYS); }
  SysResult Read(int32_t, uint8_t*, size_t) override { return SysResult::Fail(err::kENOSYS); }
  SysResult Write(int32_t, const uint8_t*, size_t) override { return SysResult::Fail(err::kENOSYS); }
  SysResult Shutdown(int32_t, ShutdownHow) override { return SysResult::Fail(err::kENOSYS); }
  SysResult Close(int32_t) override { return SysResult::Fail(err::kENOSYS); }
  SysResult Dup(int32_t) override { return SysResult::Fail(err::kENOSYS); }
  SysResult EventFd() override { return SysResult::Fail(err::kENOSYS); }
  SysResult SetSockOpt(int32_t, SockOpt, int32_t) override { return SysResult::Fail(err::kENOSYS); }
  SysResult GetSockOpt(int32_t, SockOpt) override { return SysResult::Fail(err::kENOSYS); }
  SysResult Ioctl(int32_t, IoctlRequest) override { return SysResult::Fail(err::kENOSYS); }
  SysResult EpollCreate() override { return SysResult::Fail(err::kENOSYS); }
  SysResult EpollCtl(int32_t, int32_t, int32_t, uint32_t, uint64_t) override { return SysResult::Fail(err::kENOSYS); }
  SysResult EpollWait(int32_t, EpollEvent*, int32_t, int32_t) override { return SysResult::Fail(err::kENOSYS); }
  int64_t NowMs() override { return 0; }
  void Advance(int64_t) override {}
 protected:
  SysResult SocketPairUnix(int32_t*) override { return SysResult::Fail(err::kENOSYS); }
};
}  // namespace
std::unique_ptr<Kernel> CreateSimKernel(uint32_t) { return std::make_unique<StubKernel>(); }
std::string InspectSimKernel(const Kernel&) { return "{}"; }
}  // namespace edgeloop
