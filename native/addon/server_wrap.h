// ServerWrap: the JS class `Server`, the reactor (ServerHost) running on the
// kernel of an existing `Kernel` object: new Server(kernel, optionsJson).
// A translation layer only (contract: src/backends/raw-server.ts); options
// are validated in src/simulation/options.ts, the reactor is in native/reactor.
//
// setEventHandler(onEvent) installs a JsApp (js_app.h, the real server's):
// the reactor calls onEvent synchronously from inside runOnce (we are on the
// JS thread), and from inside send/close when they close a connection. An
// exception onEvent lets through closes its connection and is thrown by the
// call that ran it, once that call's work is done.
#pragma once

#include <napi.h>

#include <memory>

namespace edgeloop {

class JsApp;
class ServerHost;

class ServerWrap : public Napi::ObjectWrap<ServerWrap> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit ServerWrap(const Napi::CallbackInfo& info);
  ~ServerWrap() override;

 private:
  ServerHost& Live(const Napi::CallbackInfo& info);
  // Runs `body` (a host call that may call handlers). Once the outermost such
  // call is done: finishes a dispose() a handler asked for, then throws what a
  // handler call let through during it.
  template <typename F>
  int32_t Calling(Napi::Env env, F&& body);

  Napi::Value Address(const Napi::CallbackInfo& info);
  Napi::Value SetEventHandler(const Napi::CallbackInfo& info);
  Napi::Value RunOnce(const Napi::CallbackInfo& info);
  Napi::Value Send(const Napi::CallbackInfo& info);
  Napi::Value Shutdown(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value DrainTrace(const Napi::CallbackInfo& info);
  Napi::Value Snapshot(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info);

  // Declared first: destroyed after the host, whose closes still reach it.
  std::unique_ptr<JsApp> js_app_;
  std::unique_ptr<ServerHost> host_;
  // Host calls in progress (a handler's send() runs inside runOnce()).
  int depth_ = 0;
  // A dispose() from a handler: finished when the outermost call returns.
  bool dispose_pending_ = false;
};

}  // namespace edgeloop
