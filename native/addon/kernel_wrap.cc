#include "kernel_wrap.h"

#include <algorithm>
#include <string>

#include "../kernel/linux/linux_kernel.h"
#include "../kernel/sim/sim_kernel.h"
#include "napi_args.h"

namespace edgeloop {

namespace {

constexpr size_t kMaxRead = size_t{64} << 20;      // bytes one read() may return
constexpr size_t kKeptScratch = size_t{1} << 20;   // scratch kept between reads
constexpr int32_t kMaxWaitSlots = 65536;           // events one epollWait() may return

// A success value as C returns it, or -errno.
Napi::Value Result(Napi::Env env, SysResult r) {
  return Napi::Number::New(env, static_cast<double>(r.ok() ? r.value : -int64_t{r.err}));
}

Napi::Value Errno(Napi::Env env, SysResult r) {
  return Napi::Number::New(env, -static_cast<double>(r.err));
}

}  // namespace

Napi::Function KernelWrap::Define(Napi::Env env) {
  // napi_default_method: writable and configurable, like a JS class method.
  constexpr auto kAttr = napi_default_method;
  Napi::Function ctor = DefineClass(env, "Kernel",
                     {
                         InstanceMethod("socket", &KernelWrap::Socket, kAttr),
                         InstanceMethod("socketpair", &KernelWrap::SocketPair, kAttr),
                         InstanceMethod("bind", &KernelWrap::Bind, kAttr),
                         InstanceMethod("listen", &KernelWrap::Listen, kAttr),
                         InstanceMethod("connect", &KernelWrap::Connect, kAttr),
                         InstanceMethod("accept", &KernelWrap::Accept, kAttr),
                         InstanceMethod("getsockname", &KernelWrap::GetSockName, kAttr),
                         InstanceMethod("read", &KernelWrap::Read, kAttr),
                         InstanceMethod("readDiscard", &KernelWrap::ReadDiscard, kAttr),
                         InstanceMethod("write", &KernelWrap::Write, kAttr),
                         InstanceMethod("shutdown", &KernelWrap::Shutdown, kAttr),
                         InstanceMethod("close", &KernelWrap::Close, kAttr),
                         InstanceMethod("dup", &KernelWrap::Dup, kAttr),
                         InstanceMethod("eventfd", &KernelWrap::EventFd, kAttr),
                         InstanceMethod("setsockopt", &KernelWrap::SetSockOpt, kAttr),
                         InstanceMethod("getsockopt", &KernelWrap::GetSockOpt, kAttr),
                         InstanceMethod("ioctl", &KernelWrap::Ioctl, kAttr),
                         InstanceMethod("epollCreate", &KernelWrap::EpollCreate, kAttr),
                         InstanceMethod("epollCtl", &KernelWrap::EpollCtl, kAttr),
                         InstanceMethod("epollWait", &KernelWrap::EpollWait, kAttr),
                         InstanceMethod("now", &KernelWrap::Now, kAttr),
                         InstanceMethod("advance", &KernelWrap::Advance, kAttr),
                         InstanceMethod("inspect", &KernelWrap::Inspect, kAttr),
                         InstanceMethod("inspectBrief", &KernelWrap::InspectBrief, kAttr),
                         InstanceMethod("dispose", &KernelWrap::Dispose, kAttr),
                     });
  // Per environment (worker threads load the addon once each).
  env.SetInstanceData(new Napi::FunctionReference(Napi::Persistent(ctor)));
  return ctor;
}

std::shared_ptr<Kernel> KernelWrap::SharedFrom(Napi::Env env, Napi::Value value) {
  auto* ctor = env.GetInstanceData<Napi::FunctionReference>();
  if (!value.IsObject() || ctor == nullptr || !value.As<Napi::Object>().InstanceOf(ctor->Value())) {
    throw Napi::TypeError::New(env, "expected a Kernel object of this addon");
  }
  KernelWrap* wrap = Unwrap(value.As<Napi::Object>());
  if (!wrap->kernel_) throw Napi::Error::New(env, "kernel is disposed");
  return wrap->kernel_;
}

KernelWrap::KernelWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<KernelWrap>(info) {
  RequireArgs(info, 1);
  const std::string kind = StringArg(info, 0);
  if (kind == "linux") {
    kernel_ = CreateLinuxKernel();
  } else if (kind == "sim") {
    RequireArgs(info, 2);
    kernel_ = CreateSimKernel(NumberArg(info, 1).Uint32Value());
    sim_ = true;
  } else {
    throw Napi::Error::New(info.Env(), "unknown kernel '" + kind + "' (expected 'linux' or 'sim')");
  }
}

Kernel& KernelWrap::Live(const Napi::CallbackInfo& info) {
  if (!kernel_) throw Napi::Error::New(info.Env(), "kernel is disposed");
  return *kernel_;
}

Napi::Value KernelWrap::Socket(const Napi::CallbackInfo& info) {
  Kernel& k = Live(info);
  RequireArgs(info, 1);
  return Result(info.Env(), k.Socket(static_cast<Family>(Int32Arg(info, 0))));
}

Napi::Value KernelWrap::SocketPair(const Napi::CallbackInfo& info) {
  Kernel& k = Live(info);
  RequireArgs(info, 4);
  const auto family = static_cast<Family>(Int32Arg(info, 0));
  PairOptions opts;
  opts.sndbuf = Int32Arg(info, 1);
  opts.rcvbuf = Int32Arg(info, 2);
  opts.nodelay = Int32Arg(info, 3);
  int32_t fds[2] = {-1, -1};
  SysResult r = k.SocketPair(family, opts, fds);
  if (!r.ok()) return Errno(info.Env(), r);
  Napi::Array pair = Napi::Array::New(info.Env(), 2);
  pair.Set(uint32_t{0}, Napi::Number::New(info.Env(), fds[0]));
  pair.Set(uint32_t{1}, Napi::Number::New(info.Env(), fds[1]));
  return pair;
}

Napi::Value KernelWrap::Bind(const Napi::CallbackInfo& info) {
  Kernel& k = Live(info);
  RequireArgs(info, 2);
  return Result(info.Env(), k.Bind(Int32Arg(info, 0), StringArg(info, 1)));
}

Napi::Value KernelWrap::Listen(const Napi::CallbackInfo& info) {
  Kernel& k = Live(info);
  RequireArgs(info, 2);
  return Result(info.Env(), k.Listen(Int32Arg(info, 0), Int32Arg(info, 1)));
}

Napi::Value KernelWrap::Connect(const Napi::CallbackInfo& info) {
  Kernel& k = Live(info);
  RequireArgs(info, 2);
  return Result(info.Env(), k.Connect(Int32Arg(info, 0), StringArg(info, 1)));
}

Napi::Value KernelWrap::Accept(const Napi::CallbackInfo& info) {
  Kernel& k = Live(info);
  RequireArgs(info, 1);
  return Result(info.Env(), k.Accept(Int32Arg(info, 0)));
}

Napi::Value KernelWrap::GetSockName(const Napi::CallbackInfo& info) {
  Kernel& k = Live(info);
  RequireArgs(info, 1);
  std::string addr;
  SysResult r = k.GetSockName(Int32Arg(info, 0), &addr);
  if (!r.ok()) return Errno(info.Env(), r);
  return Napi::String::New(info.Env(), addr);
}

SysResult KernelWrap::ReadInto(const Napi::CallbackInfo& info) {
  Kernel& k = Live(info);
  RequireArgs(info, 2);
  const int32_t fd = Int32Arg(info, 0);
  const double want = NumberArg(info, 1).DoubleValue();
  // NaN and negatives read nothing; the TS layer rejects them before here.
  const size_t len = want > 0 ? static_cast<size_t>(std::min(want, static_cast<double>(kMaxRead))) : 0;
  return k.Read(fd, Scratch(len), len);
}

Napi::Value KernelWrap::Read(const Napi::CallbackInfo& info) {
  SysResult r = ReadInto(info);
  Napi::Env env = info.Env();
  if (!r.ok()) {
    TrimScratch();
    return Errno(env, r);
  }
  const auto n = static_cast<size_t>(r.value);
  Napi::ArrayBuffer ab = Napi::ArrayBuffer::New(env, n);
  if (n > 0) std::copy_n(scratch_.get(), n, static_cast<uint8_t*>(ab.Data()));
  TrimScratch();
  return Napi::Uint8Array::New(env, n, ab, 0);
}

Napi::Value KernelWrap::ReadDiscard(const Napi::CallbackInfo& info) {
  SysResult r = ReadInto(info);
  TrimScratch();
  return r.ok() ? Napi::Number::New(info.Env(), static_cast<double>(r.value)) : Errno(info.Env(), r);
}

uint8_t* KernelWrap::Scratch(size_t len) {
  if (!scratch_ || scratch_size_ < len) {
    const size_t size = std::max<size_t>(len, 1);
    scratch_.reset();  // free the old buffer before allocating the new one
    scratch_size_ = 0;
    scratch_.reset(new uint8_t[size]);
    scratch_size_ = size;
  }
  return scratch_.get();
}

void KernelWrap::TrimScratch() {
  if (scratch_size_ > kKeptScratch) {
    scratch_.reset();
    scratch_size_ = 0;
  }
}

Napi::Value KernelWrap::Write(const Napi::CallbackInfo& info) {
  Kernel& k = Live(info);
  RequireArgs(info, 2);
  const int32_t fd = Int32Arg(info, 0);
  Napi::Value v = info[1];
  if (!v.IsTypedArray()) throw Napi::TypeError::New(info.Env(), "argument 1 must be a Uint8Array");
  // napi_get_typedarray_info hands back the view's own start (byteOffset
  // applied) and works for SharedArrayBuffer-backed views too.
  Napi::TypedArray view = v.As<Napi::TypedArray>();
  void* data = nullptr;
  napi_status status = napi_get_typedarray_info(info.Env(), view, nullptr, nullptr, &data,
                                                nullptr, nullptr);
  NAPI_THROW_IF_FAILED(info.Env(), status, Napi::Value());
  const size_t len = data ? view.ByteLength() : 0;
  return Result(info.Env(), k.Write(fd, static_cast<const uint8_t*>(data), len));
}

Napi::Value KernelWrap::Shutdown(const Napi::CallbackInfo& info) {
  Kernel& k = Live(info);
  RequireArgs(info, 2);
  return Result(info.Env(),
                k.Shutdown(Int32Arg(info, 0), static_cast<ShutdownHow>(Int32Arg(info, 1))));
}

Napi::Value KernelWrap::Close(const Napi::CallbackInfo& info) {
  Kernel& k = Live(info);
  RequireArgs(info, 1);
  return Result(info.Env(), k.Close(Int32Arg(info, 0)));
}

Napi::Value KernelWrap::Dup(const Napi::CallbackInfo& info) {
  Kernel& k = Live(info);
  RequireArgs(info, 1);
  return Result(info.Env(), k.Dup(Int32Arg(info, 0)));
}

Napi::Value KernelWrap::EventFd(const Napi::CallbackInfo& info) {
  return Result(info.Env(), Live(info).EventFd());
}

Napi::Value KernelWrap::SetSockOpt(const Napi::CallbackInfo& info) {
  Kernel& k = Live(info);
  RequireArgs(info, 3);
  return Result(info.Env(), k.SetSockOpt(Int32Arg(info, 0), static_cast<SockOpt>(Int32Arg(info, 1)),
                                         Int32Arg(info, 2)));
}

Napi::Value KernelWrap::GetSockOpt(const Napi::CallbackInfo& info) {
  Kernel& k = Live(info);
  RequireArgs(info, 2);
  return Result(info.Env(), k.GetSockOpt(Int32Arg(info, 0), static_cast<SockOpt>(Int32Arg(info, 1))));
}

Napi::Value KernelWrap::Ioctl(const Napi::CallbackInfo& info) {
  Kernel& k = Live(info);
  RequireArgs(info, 2);
  return Result(info.Env(), k.Ioctl(Int32Arg(info, 0), static_cast<IoctlRequest>(Int32Arg(info, 1))));
}

Napi::Value KernelWrap::EpollCreate(const Napi::CallbackInfo& info) {
  return Result(info.Env(), Live(info).EpollCreate());
}

Napi::Value KernelWrap::EpollCtl(const Napi::CallbackInfo& info) {
  Kernel& k = Live(info);
  RequireArgs(info, 5);
  const int32_t ep = Int32Arg(info, 0);
  const int32_t op = Int32Arg(info, 1);
  const int32_t fd = Int32Arg(info, 2);
  // ToUint32: int32 spellings of the high bits (EPOLLET as -2^31) and uint32 both work.
  const uint32_t events = NumberArg(info, 3).Uint32Value();
  // The user data is an int32 (sign-extended), so it comes back exactly as given.
  const auto data = static_cast<uint64_t>(static_cast<int64_t>(Int32Arg(info, 4)));
  return Result(info.Env(), k.EpollCtl(ep, op, fd, events, data));
}

Napi::Value KernelWrap::EpollWait(const Napi::CallbackInfo& info) {
  Kernel& k = Live(info);
  RequireArgs(info, 3);
  const int32_t ep = Int32Arg(info, 0);
  int32_t maxevents = Int32Arg(info, 1);
  const int32_t timeout = Int32Arg(info, 2);
  // maxevents <= 0 or above EP_MAX_EVENTS goes to the kernel as given: it
  // answers EINVAL, as Linux does, before touching the buffer. In between,
  // the buffer is capped, so one wait returns at most that many events.
  if (maxevents > 0 && maxevents <= ev::kMaxEvents) {
    maxevents = std::min(maxevents, kMaxWaitSlots);
    if (events_.size() < static_cast<size_t>(maxevents)) events_.resize(static_cast<size_t>(maxevents));
  }
  SysResult r = k.EpollWait(ep, events_.empty() ? nullptr : events_.data(), maxevents, timeout);
  Napi::Env env = info.Env();
  if (!r.ok()) return Errno(env, r);
  const auto n = static_cast<uint32_t>(r.value);
  Napi::Array out = Napi::Array::New(env, size_t{n} * 2);
  for (uint32_t i = 0; i < n; ++i) {
    const EpollEvent& e = events_[i];
    out.Set(2 * i, Napi::Number::New(env, static_cast<int32_t>(static_cast<uint32_t>(e.data))));
    out.Set(2 * i + 1, Napi::Number::New(env, e.events));
  }
  return out;
}

Napi::Value KernelWrap::Now(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(Live(info).NowMs()));
}

Napi::Value KernelWrap::Advance(const Napi::CallbackInfo& info) {
  Kernel& k = Live(info);
  RequireArgs(info, 1);
  k.Advance(NumberArg(info, 0).Int64Value());
  return info.Env().Undefined();
}

Napi::Value KernelWrap::Inspect(const Napi::CallbackInfo& info) {
  Kernel& k = Live(info);
  return Napi::String::New(info.Env(), sim_ ? InspectSimKernel(k) : std::string("{}"));
}

Napi::Value KernelWrap::InspectBrief(const Napi::CallbackInfo& info) {
  Kernel& k = Live(info);
  return Napi::String::New(info.Env(), sim_ ? InspectSimKernel(k, true) : std::string("{}"));
}

Napi::Value KernelWrap::Dispose(const Napi::CallbackInfo& info) {
  Live(info);
  kernel_.reset();
  scratch_.reset();
  scratch_size_ = 0;
  std::vector<EpollEvent>().swap(events_);
  return info.Env().Undefined();
}

}  // namespace edgeloop
