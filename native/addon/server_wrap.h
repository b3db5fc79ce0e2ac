// ServerWrap: the JS class `Server`, the reactor (ServerHost) running on the
// kernel of an existing `Kernel` object: new Server(kernel, optionsJson).
// A translation layer only (contract: src/backends/raw-server.ts); options
// are validated in src/simulation/options.ts, the reactor is in native/reactor.
#pragma once

#include <napi.h>

#include <memory>

namespace edgeloop {

class ServerHost;

class ServerWrap : public Napi::ObjectWrap<ServerWrap> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit ServerWrap(const Napi::CallbackInfo& info);
  ~ServerWrap() override;

 private:
  ServerHost& Live(const Napi::CallbackInfo& info);

  Napi::Value Address(const Napi::CallbackInfo& info);
  Napi::Value RunOnce(const Napi::CallbackInfo& info);
  Napi::Value Send(const Napi::CallbackInfo& info);
  Napi::Value Shutdown(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value DrainTrace(const Napi::CallbackInfo& info);
  Napi::Value DrainEvents(const Napi::CallbackInfo& info);
  Napi::Value DrainEventBytes(const Napi::CallbackInfo& info);
  Napi::Value Snapshot(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info);

  std::unique_ptr<ServerHost> host_;
};

}  // namespace edgeloop
