// ServerWrap: the JS class `Server`, the reactor's one host (ServerHost) in
// Node. A translation layer (contract: src/backends/raw-server.ts); options
// are validated in src/, the host is in native/host.
//   new Server(kernel, optionsJson)  the simulation: the host on a Kernel
//       object's kernel (sim, or the kernel API's linux), driven by runOnce().
//   new Server(null, optionsJson)    the real server: the host on a
//       LinuxKernel of its own, with sub-reactor threads ("threads") and the
//       real sockets' settings, driven by Node's own loop (NodeLoopPump): when
//       the reactor's epoll fd is readable, up to a few RunOnce(0) rounds run
//       inside a HandleScope and a CallbackScope (async hooks see them;
//       promise jobs run after). While it runs the object holds a strong
//       reference to itself (a listening server is not garbage), and it is
//       torn down with its environment.
//
// setEventHandler(onEvent, wantsWriteComplete) installs a JsApp (js_app.h):
// the reactor calls onEvent synchronously from inside the iteration (we are
// on the JS thread), and from inside send/close when they close a
// connection. injectFault(specJson) arms a fault in the simulation's reactor
// (ServerHost::InjectFault; a JS Error for a bad spec or on a real server).
// An exception onEvent lets through closes its connection and is
// thrown by the call that ran it once that call's work is done; from Node's
// loop, it goes where Node sends every error of an event-loop callback.
#pragma once

#include <napi.h>

#include <memory>
#include <string>

namespace edgeloop {

class JsApp;
class NodeLoopPump;
class PressureTrim;
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
  // The real server's pump: a few RunOnce(0) rounds from Node's loop.
  void Pump();
  // Something was asked of the reactor from JS: pump on the next loop turn.
  void Kick();
  // Frees the host (joining its threads) and what it calls.
  void Release();
  static void OnEnvCleanup(void* arg);

  Napi::Value Address(const Napi::CallbackInfo& info);
  Napi::Value SetEventHandler(const Napi::CallbackInfo& info);
  Napi::Value RunOnce(const Napi::CallbackInfo& info);
  Napi::Value Send(const Napi::CallbackInfo& info);
  Napi::Value Shutdown(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value DrainTrace(const Napi::CallbackInfo& info);
  Napi::Value Snapshot(const Napi::CallbackInfo& info);
  Napi::Value Stats(const Napi::CallbackInfo& info);
  Napi::Value StopAccepting(const Napi::CallbackInfo& info);
  Napi::Value SetProbe(const Napi::CallbackInfo& info);
  Napi::Value ShutdownAll(const Napi::CallbackInfo& info);
  Napi::Value CloseAll(const Napi::CallbackInfo& info);
  Napi::Value ShutdownQuiet(const Napi::CallbackInfo& info);
  Napi::Value Writable(const Napi::CallbackInfo& info);
  Napi::Value InjectFault(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info);

  // Declared first: destroyed after the host, whose closes still reach it.
  std::unique_ptr<JsApp> js_app_;
  std::unique_ptr<ServerHost> host_;
  // The real server's driver and async context; null in a simulation.
  std::unique_ptr<NodeLoopPump> pump_;
  std::unique_ptr<PressureTrim> trim_;  // the real server's
  std::unique_ptr<Napi::AsyncContext> async_;
  bool cleanup_hook_ = false;
  // Host calls in progress (a handler's send() runs inside runOnce()).
  int depth_ = 0;
  // A dispose() from a handler: finished when the outermost call returns.
  bool dispose_pending_ = false;
};

}  // namespace edgeloop
