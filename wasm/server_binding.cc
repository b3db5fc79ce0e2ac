// The wasm face of the reactor: an embind class `SimServer`, built on an
// existing SimKernel object (new SimServer(kernel, optionsJson)), with the
// methods of RawServer (src/backends/raw-server.ts). It only translates; the
// reactor and its embedding live in native/reactor.
//
// Errors follow sim_kernel_binding.cc: nothing is thrown from C++ into JS.
// A failing call records its message (edgeloopError, binding-post.js) and
// returns normally; the JS wrapper throws it as a real Error.
#include <emscripten.h>
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "../native/reactor/embed/server_host.h"
#include "kernel_owner.h"

using emscripten::EM_VAL;
using emscripten::val;

EM_JS(void, edgeloop_server_fail, (const char* message), { edgeloopError = UTF8ToString(message); });

EM_JS(EM_VAL, edgeloop_server_copy_out, (const uint8_t* data, size_t len), {
  return Emval.toHandle(HEAPU8.slice(data, data + len));
});

EM_JS(size_t, edgeloop_server_js_length, (EM_VAL bytes), { return Emval.toValue(bytes).length >>> 0; });

EM_JS(void, edgeloop_server_copy_in, (EM_VAL bytes, uint8_t* dst), {
  HEAPU8.set(Emval.toValue(bytes), dst);
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

  double RunOnce(int32_t timeout_ms) {
    return Guard("runOnce", 0.0, [&](ServerHost& h) { return static_cast<double>(h.RunOnce(timeout_ms)); });
  }

  double Send(double conn, val data) {
    return Guard("send", 0.0, [&](ServerHost& h) {
      const size_t len = edgeloop_server_js_length(data.as_handle());
      std::vector<uint8_t> bytes(len);
      if (len > 0) edgeloop_server_copy_in(data.as_handle(), bytes.data());
      return static_cast<double>(h.Send(ConnId(conn), bytes.data(), len));
    });
  }

  double Shutdown(double conn) {
    return Guard("shutdown", 0.0, [&](ServerHost& h) { return static_cast<double>(h.Shutdown(ConnId(conn))); });
  }

  double Close(double conn, std::string reason) {
    return Guard("close", 0.0, [&](ServerHost& h) { return static_cast<double>(h.Close(ConnId(conn), reason)); });
  }

  std::string DrainTrace() {
    return Guard("drainTrace", std::string(), [&](ServerHost& h) { return h.DrainTrace(); });
  }

  std::string DrainEvents() {
    return Guard("drainEvents", std::string(), [&](ServerHost& h) { return h.DrainEvents(); });
  }

  val DrainEventBytes() {
    return Guard("drainEventBytes", val::undefined(), [&](ServerHost& h) {
      std::vector<uint8_t> bytes = h.DrainEventBytes();
      return val::take_ownership(edgeloop_server_copy_out(bytes.data(), bytes.size()));
    });
  }

  std::string Snapshot() {
    return Guard("snapshot", std::string(), [&](ServerHost& h) { return h.Snapshot(); });
  }

  void Dispose() {
    Guard("dispose", 0, [&](ServerHost&) {
      host_.reset();
      return 0;
    });
  }

 private:
  template <typename R, typename F>
  R Guard(const char* method, R fallback, F&& body) {
    if (!host_) {
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

  std::unique_ptr<ServerHost> host_;
};

}  // namespace edgeloop

EMSCRIPTEN_BINDINGS(edgeloop_sim_server) {
  using edgeloop::KernelOwner;
  using edgeloop::SimServerBinding;
  emscripten::class_<KernelOwner>("KernelOwner");
  emscripten::class_<SimServerBinding>("SimServer")
      .constructor<KernelOwner&, std::string>()
      .function("address", &SimServerBinding::Address)
      .function("runOnce", &SimServerBinding::RunOnce)
      .function("send", &SimServerBinding::Send)
      .function("shutdown", &SimServerBinding::Shutdown)
      .function("close", &SimServerBinding::Close)
      .function("drainTrace", &SimServerBinding::DrainTrace)
      .function("drainEvents", &SimServerBinding::DrainEvents)
      .function("drainEventBytes", &SimServerBinding::DrainEventBytes)
      .function("snapshot", &SimServerBinding::Snapshot)
      .function("dispose", &SimServerBinding::Dispose);
}
