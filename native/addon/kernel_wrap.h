// KernelWrap: the JS class `Kernel`, one C++ Kernel per instance.
// A thin translation layer (contract: src/backends/raw-kernel.ts): numbers in,
// numbers out, -errno on failure. No kernel logic lives here; argument
// validation beyond "is this the right JS type" belongs to src/kernel.ts.
#pragma once

#include <napi.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "../kernel/kernel.h"

namespace edgeloop {

class KernelWrap : public Napi::ObjectWrap<KernelWrap> {
 public:
  static Napi::Function Define(Napi::Env env);

  // new Kernel('linux') | new Kernel('sim', seed)
  explicit KernelWrap(const Napi::CallbackInfo& info);

  // The kernel behind a JS Kernel object, shared so that a server built on it
  // (ServerWrap) keeps it alive past dispose(). Throws a JS TypeError when
  // `value` is not a Kernel of this addon, an Error when it was disposed.
  static std::shared_ptr<Kernel> SharedFrom(Napi::Env env, Napi::Value value);

 private:
  // The live kernel, or a JS Error once dispose() has run.
  Kernel& Live(const Napi::CallbackInfo& info);

  Napi::Value Socket(const Napi::CallbackInfo& info);
  Napi::Value SocketPair(const Napi::CallbackInfo& info);
  Napi::Value Bind(const Napi::CallbackInfo& info);
  Napi::Value Listen(const Napi::CallbackInfo& info);
  Napi::Value Connect(const Napi::CallbackInfo& info);
  Napi::Value Accept(const Napi::CallbackInfo& info);
  Napi::Value GetSockName(const Napi::CallbackInfo& info);
  Napi::Value Read(const Napi::CallbackInfo& info);
  Napi::Value ReadDiscard(const Napi::CallbackInfo& info);
  // read(fd, max) of the call's arguments into the scratch buffer.
  SysResult ReadInto(const Napi::CallbackInfo& info);
  // The scratch buffer for a read of `len` bytes.
  uint8_t* Scratch(size_t len);
  // Gives back a scratch buffer grown past kKeptScratch.
  void TrimScratch();
  Napi::Value Write(const Napi::CallbackInfo& info);
  Napi::Value Shutdown(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value Dup(const Napi::CallbackInfo& info);
  Napi::Value EventFd(const Napi::CallbackInfo& info);
  Napi::Value SetSockOpt(const Napi::CallbackInfo& info);
  Napi::Value GetSockOpt(const Napi::CallbackInfo& info);
  Napi::Value Ioctl(const Napi::CallbackInfo& info);
  Napi::Value EpollCreate(const Napi::CallbackInfo& info);
  Napi::Value EpollCtl(const Napi::CallbackInfo& info);
  Napi::Value EpollWait(const Napi::CallbackInfo& info);
  Napi::Value Now(const Napi::CallbackInfo& info);
  Napi::Value Advance(const Napi::CallbackInfo& info);
  Napi::Value Inspect(const Napi::CallbackInfo& info);
  Napi::Value InspectBrief(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info);

  std::shared_ptr<Kernel> kernel_;
  bool sim_ = false;
  // Reused across calls so small reads and waits allocate nothing but the
  // result; a read larger than kKeptScratch frees its buffer afterwards.
  std::unique_ptr<uint8_t[]> scratch_;
  size_t scratch_size_ = 0;
  std::vector<EpollEvent> events_;
};

}  // namespace edgeloop
