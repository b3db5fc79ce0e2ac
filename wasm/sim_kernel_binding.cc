// The wasm face of the simulated kernel: an embind class `SimKernel` with
// exactly the methods of RawKernel (src/backends/raw-kernel.ts). It only
// translates numbers and bytes; every decision belongs to the kernel.
//
// Errors: nothing is ever thrown from C++ into JS. A C++ exception that
// escapes to JS arrives as a bare number, and even a JS Error thrown from
// inside wasm (val::throw_) unwinds the wasm frames without running their
// destructors or restoring the shadow stack pointer (measured: 16 bytes lost
// per throw). So each method catches, records the message with
// edgeloop_fail() and returns normally; the wrappers in binding-post.js then
// throw a real Error from plain JS.
#include <emscripten.h>
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "../native/kernel/kernel.h"
#include "../native/kernel/sim/sim_kernel.h"
#include "kernel_owner.h"
#include "text_out.h"

using emscripten::EM_VAL;
using emscripten::val;

// `edgeloopError` is declared in binding-post.js, in the same module scope.
EM_JS(void, edgeloop_fail, (const char* message), { edgeloopError = UTF8ToString(message); });

// A new JS Uint8Array owning a copy of [data, data + len): never a view into
// wasm memory, which a later memory growth would detach.
EM_JS(EM_VAL, edgeloop_copy_out, (const uint8_t* data, size_t len), {
  return Emval.toHandle(HEAPU8.slice(data, data + len));
});

EM_JS(size_t, edgeloop_js_length, (EM_VAL bytes), { return Emval.toValue(bytes).length >>> 0; });

// One TypedArray.prototype.set: a memcpy, not a per-byte loop.
EM_JS(void, edgeloop_copy_in, (EM_VAL bytes, uint8_t* dst), {
  HEAPU8.set(Emval.toValue(bytes), dst);
});

// The flat [data0, events0, ...] array: data as int32, events as uint32.
EM_JS(EM_VAL, edgeloop_events_out, (const uint32_t* pairs, int32_t count), {
  var out = [];
  var at = pairs >> 2;
  for (var i = 0; i < count; i++) {
    out.push(HEAP32[at + 2 * i], HEAPU32[at + 2 * i + 1]);
  }
  return Emval.toHandle(out);
});

namespace edgeloop {
namespace {

constexpr size_t kMaxRead = size_t{64} << 20;     // bytes one read() may return
constexpr size_t kKeptScratch = size_t{1} << 20;  // scratch kept between calls
constexpr int32_t kMaxWaitSlots = 65536;          // events one epollWait() may return

// The bytes a read(fd, max) asks for: NaN and negatives read nothing (the TS
// layer rejects them before here), and no more than kMaxRead.
size_t ReadLength(double max) { return max > 0 ? static_cast<size_t>(std::min(max, static_cast<double>(kMaxRead))) : 0; }

// Message buffer for the failure path: no allocation while reporting.
char g_message[512];

void Fail(const char* method, const char* what) {
  std::snprintf(g_message, sizeof g_message, "SimKernel.%s: %s", method, what);
  edgeloop_fail(g_message);
}

double Result(SysResult r) {
  return static_cast<double>(r.ok() ? r.value : -int64_t{r.err});
}

// ToInt64 as napi_get_value_int64 does it, so both engines agree: truncate,
// saturate, and read NaN or infinities as 0.
int64_t ToInt64(double ms) {
  if (!std::isfinite(ms)) return 0;
  if (ms >= 9223372036854775807.0) return INT64_MAX;
  if (ms <= -9223372036854775808.0) return INT64_MIN;
  return static_cast<int64_t>(ms);
}

}  // namespace

class SimKernelBinding final : public KernelOwner {
 public:
  explicit SimKernelBinding(uint32_t seed) {
    try {
      kernel_ = CreateSimKernel(seed);
    } catch (const std::exception& e) {
      Fail("constructor", e.what());
    } catch (...) {
      Fail("constructor", "unknown C++ exception");
    }
  }

  double Socket(int32_t family) {
    return Guard("socket", 0.0, [&](Kernel& k) { return Result(k.Socket(static_cast<Family>(family))); });
  }

  val SocketPair(int32_t family, int32_t sndbuf, int32_t rcvbuf, int32_t nodelay) {
    return Guard("socketpair", val::undefined(), [&](Kernel& k) {
      PairOptions opts;
      opts.sndbuf = sndbuf;
      opts.rcvbuf = rcvbuf;
      opts.nodelay = nodelay;
      int32_t fds[2] = {-1, -1};
      SysResult r = k.SocketPair(static_cast<Family>(family), opts, fds);
      if (!r.ok()) return val(Result(r));
      val pair = val::array();
      pair.set(0, fds[0]);
      pair.set(1, fds[1]);
      return pair;
    });
  }

  // Addresses come in as val (not std::string) so the whole conversion runs
  // inside the guard.
  double Bind(int32_t fd, val addr) {
    return Guard("bind", 0.0, [&](Kernel& k) { return Result(k.Bind(fd, addr.as<std::string>())); });
  }

  double Listen(int32_t fd, int32_t backlog) {
    return Guard("listen", 0.0, [&](Kernel& k) { return Result(k.Listen(fd, backlog)); });
  }

  double Connect(int32_t fd, val addr) {
    return Guard("connect", 0.0, [&](Kernel& k) { return Result(k.Connect(fd, addr.as<std::string>())); });
  }

  double Accept(int32_t fd) {
    return Guard("accept", 0.0, [&](Kernel& k) { return Result(k.Accept(fd)); });
  }

  val GetSockName(int32_t fd) {
    return Guard("getsockname", val::undefined(), [&](Kernel& k) {
      std::string addr;
      SysResult r = k.GetSockName(fd, &addr);
      if (!r.ok()) return val(Result(r));
      return val(addr);  // via embind's std::string: UTF-8, like the addon
    });
  }

  val Read(int32_t fd, double max) {
    return Guard("read", val::undefined(), [&](Kernel& k) {
      const size_t len = ReadLength(max);
      uint8_t* buf = Scratch(len);
      SysResult r = k.Read(fd, buf, len);
      val out = r.ok() ? val::take_ownership(edgeloop_copy_out(buf, static_cast<size_t>(r.value)))
                       : val(Result(r));
      TrimScratch();
      return out;
    });
  }

  double ReadDiscard(int32_t fd, double max) {
    return Guard("readDiscard", 0.0, [&](Kernel& k) {
      const size_t len = ReadLength(max);
      double result = Result(k.Read(fd, Scratch(len), len));
      TrimScratch();
      return result;
    });
  }

  double Write(int32_t fd, val data) {
    return Guard("write", 0.0, [&](Kernel& k) {
      const size_t len = edgeloop_js_length(data.as_handle());
      uint8_t* buf = Scratch(len);
      if (len > 0) edgeloop_copy_in(data.as_handle(), buf);
      double result = Result(k.Write(fd, buf, len));
      TrimScratch();
      return result;
    });
  }

  double Shutdown(int32_t fd, int32_t how) {
    return Guard("shutdown", 0.0,
                 [&](Kernel& k) { return Result(k.Shutdown(fd, static_cast<ShutdownHow>(how))); });
  }

  double Close(int32_t fd) {
    return Guard("close", 0.0, [&](Kernel& k) { return Result(k.Close(fd)); });
  }

  double Dup(int32_t fd) {
    return Guard("dup", 0.0, [&](Kernel& k) { return Result(k.Dup(fd)); });
  }

  double EventFd() {
    return Guard("eventfd", 0.0, [&](Kernel& k) { return Result(k.EventFd()); });
  }

  double SetSockOpt(int32_t fd, int32_t opt, int32_t value) {
    return Guard("setsockopt", 0.0,
                 [&](Kernel& k) { return Result(k.SetSockOpt(fd, static_cast<SockOpt>(opt), value)); });
  }

  double GetSockOpt(int32_t fd, int32_t opt) {
    return Guard("getsockopt", 0.0,
                 [&](Kernel& k) { return Result(k.GetSockOpt(fd, static_cast<SockOpt>(opt))); });
  }

  double Ioctl(int32_t fd, int32_t req) {
    return Guard("ioctl", 0.0,
                 [&](Kernel& k) { return Result(k.Ioctl(fd, static_cast<IoctlRequest>(req))); });
  }

  double EpollCreate() {
    return Guard("epollCreate", 0.0, [&](Kernel& k) { return Result(k.EpollCreate()); });
  }

  // events: embind's uint32_t conversion is JS `>>> 0` (ToUint32), so
  // EPOLLET spelled as -2^31 or as 2^31 both arrive as 0x80000000.
  double EpollCtl(int32_t ep, int32_t op, int32_t fd, uint32_t events, int32_t data) {
    return Guard("epollCtl", 0.0, [&](Kernel& k) {
      // The user data is an int32, sign-extended as the addon does, so it
      // comes back exactly as given.
      const auto user = static_cast<uint64_t>(static_cast<int64_t>(data));
      return Result(k.EpollCtl(ep, op, fd, events, user));
    });
  }

  val EpollWait(int32_t ep, int32_t maxevents, int32_t timeout_ms) {
    return Guard("epollWait", val::undefined(), [&](Kernel& k) {
      // maxevents <= 0 or above EP_MAX_EVENTS goes to the kernel as given: it
      // answers EINVAL, as Linux does, before touching the buffer. In between,
      // the buffer is capped, so one wait returns at most that many events.
      if (maxevents > 0 && maxevents <= ev::kMaxEvents) {
        maxevents = std::min(maxevents, kMaxWaitSlots);
        if (events_.size() < static_cast<size_t>(maxevents)) events_.resize(static_cast<size_t>(maxevents));
      }
      SysResult r = k.EpollWait(ep, events_.empty() ? nullptr : events_.data(), maxevents, timeout_ms);
      if (!r.ok()) return val(Result(r));
      const auto n = static_cast<size_t>(r.value);
      flat_.resize(2 * n);
      for (size_t i = 0; i < n; ++i) {
        flat_[2 * i] = static_cast<uint32_t>(events_[i].data);
        flat_[2 * i + 1] = events_[i].events;
      }
      return val::take_ownership(edgeloop_events_out(flat_.data(), static_cast<int32_t>(n)));
    });
  }

  double Now() {
    return Guard("now", 0.0, [&](Kernel& k) { return static_cast<double>(k.NowMs()); });
  }

  void Advance(double ms) {
    Guard("advance", 0, [&](Kernel& k) {
      k.Advance(ToInt64(ms));
      return 0;
    });
  }

  // Texts, as views the glue decodes (text_out.h).
  val Inspect() {
    return text_.Hand(Guard("inspect", std::string(), [&](Kernel& k) { return InspectSimKernel(k); }));
  }

  val InspectBrief() {
    return text_.Hand(Guard("inspectBrief", std::string(), [&](Kernel& k) { return InspectSimKernel(k, true); }));
  }

  std::shared_ptr<Kernel> SharedKernel() override { return kernel_; }

  void Dispose() {
    Guard("dispose", 0, [&](Kernel&) {
      kernel_.reset();
      scratch_.reset();
      scratch_size_ = 0;
      std::vector<EpollEvent>().swap(events_);
      std::vector<uint32_t>().swap(flat_);
      return 0;
    });
  }

 private:
  // Runs `body` on the live kernel. Any C++ exception becomes a recorded
  // message (thrown as an Error by the JS wrapper) and `fallback` is returned.
  template <typename R, typename F>
  R Guard(const char* method, R fallback, F&& body) {
    if (!kernel_) {
      edgeloop_fail("kernel is disposed");  // the addon's message
      return fallback;
    }
    try {
      return body(*kernel_);
    } catch (const std::exception& e) {
      Fail(method, e.what());
    } catch (...) {
      Fail(method, "unknown C++ exception");
    }
    return fallback;
  }

  // Not zero-filled, kept between calls up to kKeptScratch.
  uint8_t* Scratch(size_t len) {
    const size_t want = std::max<size_t>(len, 1);
    if (scratch_size_ < want) {
      scratch_.reset();
      scratch_size_ = 0;
      scratch_.reset(new uint8_t[want]);
      scratch_size_ = want;
    }
    return scratch_.get();
  }

  void TrimScratch() {
    if (scratch_size_ > kKeptScratch) {
      scratch_.reset();
      scratch_size_ = 0;
    }
  }

  std::shared_ptr<Kernel> kernel_;  // shared with servers built on this kernel
  TextOut text_;
  std::unique_ptr<uint8_t[]> scratch_;
  size_t scratch_size_ = 0;
  std::vector<EpollEvent> events_;
  std::vector<uint32_t> flat_;
};

}  // namespace edgeloop

EMSCRIPTEN_BINDINGS(edgeloop_sim_kernel) {
  using edgeloop::SimKernelBinding;
  // KernelOwner is registered by server_binding.cc.
  emscripten::class_<SimKernelBinding, emscripten::base<edgeloop::KernelOwner>>("SimKernel")
      .constructor<uint32_t>()
      .function("socket", &SimKernelBinding::Socket)
      .function("socketpair", &SimKernelBinding::SocketPair)
      .function("bind", &SimKernelBinding::Bind)
      .function("listen", &SimKernelBinding::Listen)
      .function("connect", &SimKernelBinding::Connect)
      .function("accept", &SimKernelBinding::Accept)
      .function("getsockname", &SimKernelBinding::GetSockName)
      .function("read", &SimKernelBinding::Read)
      .function("readDiscard", &SimKernelBinding::ReadDiscard)
      .function("write", &SimKernelBinding::Write)
      .function("shutdown", &SimKernelBinding::Shutdown)
      .function("close", &SimKernelBinding::Close)
      .function("dup", &SimKernelBinding::Dup)
      .function("eventfd", &SimKernelBinding::EventFd)
      .function("setsockopt", &SimKernelBinding::SetSockOpt)
      .function("getsockopt", &SimKernelBinding::GetSockOpt)
      .function("ioctl", &SimKernelBinding::Ioctl)
      .function("epollCreate", &SimKernelBinding::EpollCreate)
      .function("epollCtl", &SimKernelBinding::EpollCtl)
      .function("epollWait", &SimKernelBinding::EpollWait)
      .function("now", &SimKernelBinding::Now)
      .function("advance", &SimKernelBinding::Advance)
      .function("inspect", &SimKernelBinding::Inspect)
      .function("inspectBrief", &SimKernelBinding::InspectBrief)
      .function("dispose", &SimKernelBinding::Dispose);
}
