// The wasm face of the reactor: an embind class `SimServer`, built on an
// existing SimKernel object (new SimServer(kernel, optionsJson)), with the
// methods of RawServer (src/backends/raw-server.ts). It only translates; the
// reactor is in native/reactor, its embedding (ServerHost) in native/host.
//
// Errors follow sim_kernel_binding.cc: nothing is thrown from C++ into JS.
// A failing call records its message (edgeloopError, binding-post.js) and
// returns normally; the JS wrapper throws it as a real Error.
//
// JS handlers: setEventHandler(sink) installs a WasmHandlerApp (HandlerApp,
// native/host/handler_app.h) that calls the embedder's function
// synchronously from inside runOnce (and send/close), through the JS glue of
// binding-post.js (edgeloopEmit): `sink` is the glue's object holding the
// function; what the function throws is caught there, kept on the sink, and
// reported here as a failed call, so a JS exception never unwinds wasm
// frames. The glue throws the kept exception once the outermost call that
// ran the handler returns.
#include <emscripten.h>
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "../native/host/handler_app.h"
#include "../native/host/server_host.h"
#include "kernel_owner.h"
#include "text_out.h"

using emscripten::EM_VAL;
using emscripten::val;

EM_JS(void, edgeloop_server_fail, (const char* message), { edgeloopError = UTF8ToString(message); });

EM_JS(size_t, edgeloop_server_js_length, (EM_VAL bytes), { return Emval.toValue(bytes).length >>> 0; });

EM_JS(void, edgeloop_server_copy_in, (EM_VAL bytes, uint8_t* dst), {
  HEAPU8.set(Emval.toValue(bytes), dst);
});

// One call of the embedder's function through the glue; 0 if it returned, 1
// if it threw. kind: 0 no argument, 1 `number`, 2 a Uint8Array copy of
// data[0, size), 3 the UTF-8 string data[0, size).
EM_JS(int, edgeloop_server_emit,
      (EM_VAL sink, const char* type, double conn, int kind, double number, const uint8_t* data, size_t size), {
  var arg = undefined;
  if (kind == 1) arg = number;
  else if (kind == 2) arg = HEAPU8.slice(data, data + size);
  else if (kind == 3) arg = UTF8ToString(data, size);
  return edgeloopEmit(Emval.toValue(sink), UTF8ToString(type), conn, arg);
});

namespace edgeloop {
namespace {

char g_server_message[512];

void ServerFail(const char* method, const char* what) {
  std::snprintf(g_server_message, sizeof g_server_message, "SimServer.%s: %s", method, what);
  edgeloop_server_fail(g_server_message);
}

// Connection ids are positive integers below 2^53; anything else names no connection.
uint64_t ConnId(double id) {
  return std::isfinite(id) && id >= 1 && id <= 9007199254740991.0 ? static_cast<uint64_t>(id) : 0;
}

// JS handlers (or the simulation's bookkeeping) on the wasm side.
class WasmHandlerApp final : public HandlerApp {
 public:
  explicit WasmHandlerApp(val sink) : sink_(std::move(sink)) {}

 protected:
  bool Call(const char* type, uint64_t conn, const Arg& arg) override {
    int kind = 0;
    switch (arg.kind) {
      case Arg::Kind::kNone: kind = 0; break;
      case Arg::Kind::kNumber: kind = 1; break;
      case Arg::Kind::kBytes: kind = 2; break;
      case Arg::Kind::kString: kind = 3; break;
    }
    return edgeloop_server_emit(sink_.as_handle(), type, static_cast<double>(conn), kind, arg.number, arg.data,
                                arg.size) == 0;
  }

 private:
  val sink_;
};

}  // namespace

class SimServerBinding {
 public:
  SimServerBinding(KernelOwner& owner, std::string options) {
    try {
      std::shared_ptr<Kernel> kernel = owner.SharedKernel();
      if (!kernel) {
        edgeloop_server_fail("kernel is disposed");
        return;
      }
      host_ = std::make_unique<ServerHost>(std::move(kernel), options);
    } catch (const std::exception& e) {
      ServerFail("constructor", e.what());
    } catch (...) {
      ServerFail("constructor", "unknown C++ exception");
    }
  }

  std::string Address() {
    return Guard("address", std::string(), [&](ServerHost& h) { return h.address(); });
  }

  ~SimServerBinding() {
    // embind's delete(): JS is not called any more.
    if (handlers_) handlers_->set_enabled(false);
    host_.reset();
  }

  // `sink`: the glue's object (binding-post.js), or null.
  void SetEventHandler(val sink) {
    Guard("setEventHandler", 0, [&](ServerHost& h) {
      if (depth_ > 0) throw std::logic_error("setEventHandler() from inside a handler");
      std::unique_ptr<WasmHandlerApp> app =
          sink.isNull() || sink.isUndefined() ? nullptr : std::make_unique<WasmHandlerApp>(sink);
      h.SetHandlers(app.get());
      handlers_ = std::move(app);
      return 0;
    });
  }

  double RunOnce(int32_t timeout_ms) {
    // Handlers run inside; the host refuses a nested RunOnce (std::logic_error).
    return Calling("runOnce", [&](ServerHost& h) { return static_cast<double>(h.RunOnce(timeout_ms)); });
  }

  double Send(double conn, val data) {
    return Calling("send", [&](ServerHost& h) {
      const size_t len = edgeloop_server_js_length(data.as_handle());
      std::vector<uint8_t> bytes(len);
      if (len > 0) edgeloop_server_copy_in(data.as_handle(), bytes.data());
      return static_cast<double>(h.Send(ConnId(conn), bytes.data(), len));
    });
  }

  double Shutdown(double conn) {
    return Calling("shutdown", [&](ServerHost& h) { return static_cast<double>(h.Shutdown(ConnId(conn))); });
  }

  double Close(double conn, std::string reason) {
    return Calling("close", [&](ServerHost& h) { return static_cast<double>(h.Close(ConnId(conn), reason)); });
  }

  // Texts, as views the glue decodes (text_out.h).
  val DrainTrace() {
    return text_.Hand(Guard("drainTrace", std::string(), [&](ServerHost& h) { return h.DrainTrace(); }));
  }

  // A count of records; anything negative or not finite turns the probe off.
  void SetProbe(double from) {
    Guard("setProbe", 0, [&](ServerHost& h) {
      h.SetProbe(std::isfinite(from) && from >= 0 ? static_cast<int64_t>(std::min(from, 9007199254740991.0)) : -1);
      return 0;
    });
  }

  val Snapshot() {
    return text_.Hand(Guard("snapshot", std::string(), [&](ServerHost& h) { return h.Snapshot(); }));
  }

  val Stats() {
    return text_.Hand(Guard("stats", std::string(), [&](ServerHost& h) { return h.Stats(); }));
  }

  void StopAccepting() {
    Calling("stopAccepting", [&](ServerHost& h) {
      h.StopAccepting();
      return 0.0;
    });
  }

  void ShutdownAll() {
    Calling("shutdownAll", [&](ServerHost& h) {
      h.ShutdownAll();
      return 0.0;
    });
  }

  void ShutdownQuiet(double quiet_ms) {
    Calling("shutdownQuiet", [&](ServerHost& h) {
      // Checked in TS (CloseOptions.quietMs); NaN or a negative is no quiet period.
      h.ShutdownQuiet(std::isfinite(quiet_ms) && quiet_ms > 0 ? static_cast<int64_t>(std::min(quiet_ms, 2147483647.0)) : 0);
      return 0.0;
    });
  }

  void CloseAll(std::string reason, bool reset_unsent) {
    Calling("closeAll", [&](ServerHost& h) {
      h.CloseAll(reason, reset_unsent);
      return 0.0;
    });
  }

  double Writable(double conn) {
    return Guard("writable", static_cast<double>(ServerHost::kNoConnection),
                 [&](ServerHost& h) { return static_cast<double>(h.Writable(ConnId(conn))); });
  }

  // A bad spec fails the call (its message thrown as a JS Error by the glue).
  void InjectFault(std::string spec) {
    Guard("injectFault", 0, [&](ServerHost& h) {
      h.InjectFault(spec);
      return 0;
    });
  }

  void Dispose() {
    Guard("dispose", 0, [&](ServerHost&) {
      // The closes of what is still open happen without JS.
      if (handlers_) handlers_->set_enabled(false);
      if (depth_ > 0) {
        dispose_pending_ = true;  // from a handler: freed once the outermost call returns
      } else {
        host_.reset();
        handlers_.reset();  // its handle on the JS sink would keep the simulation alive
      }
      return 0;
    });
  }

 private:
  // A host call that may run handlers. Once the outermost one returns, a
  // dispose() a handler asked for is finished (the glue then throws what a
  // handler let through).
  template <typename F>
  double Calling(const char* method, F&& body) {
    ++depth_;
    const double r = Guard(method, 0.0, std::forward<F>(body));
    if (--depth_ == 0 && dispose_pending_) {
      host_.reset();
      handlers_.reset();
    }
    return r;
  }

  template <typename R, typename F>
  R Guard(const char* method, R fallback, F&& body) {
    if (!host_ || dispose_pending_) {
      edgeloop_server_fail("server is disposed");  // the addon's message
      return fallback;
    }
    try {
      return body(*host_);
    } catch (const std::exception& e) {
      ServerFail(method, e.what());
    } catch (...) {
      ServerFail(method, "unknown C++ exception");
    }
    return fallback;
  }

  // Declared first: destroyed after the host, whose closes still reach it.
  std::unique_ptr<WasmHandlerApp> handlers_;
  std::unique_ptr<ServerHost> host_;
  int depth_ = 0;  // host calls in progress (a handler's send() runs inside runOnce())
  TextOut text_;
  bool dispose_pending_ = false;
};

}  // namespace edgeloop

EMSCRIPTEN_BINDINGS(edgeloop_sim_server) {
  using edgeloop::KernelOwner;
  using edgeloop::SimServerBinding;
  emscripten::class_<KernelOwner>("KernelOwner");
  emscripten::class_<SimServerBinding>("SimServer")
      .constructor<KernelOwner&, std::string>()
      .function("address", &SimServerBinding::Address)
      .function("setEventHandler", &SimServerBinding::SetEventHandler)
      .function("runOnce", &SimServerBinding::RunOnce)
      .function("send", &SimServerBinding::Send)
      .function("shutdown", &SimServerBinding::Shutdown)
      .function("close", &SimServerBinding::Close)
      .function("drainTrace", &SimServerBinding::DrainTrace)
      .function("setProbe", &SimServerBinding::SetProbe)
      .function("snapshot", &SimServerBinding::Snapshot)
      .function("stats", &SimServerBinding::Stats)
      .function("stopAccepting", &SimServerBinding::StopAccepting)
      .function("shutdownAll", &SimServerBinding::ShutdownAll)
      .function("closeAll", &SimServerBinding::CloseAll)
      .function("shutdownQuiet", &SimServerBinding::ShutdownQuiet)
      .function("writable", &SimServerBinding::Writable)
      .function("injectFault", &SimServerBinding::InjectFault)
      .function("dispose", &SimServerBinding::Dispose);
}
