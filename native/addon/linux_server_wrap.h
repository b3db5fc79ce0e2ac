// LinuxServerWrap: the JS class `LinuxServer`, the reactor as a real server
// on Linux (native/host/server_host.h on LinuxKernel, with sub-reactor
// threads) driven from Node's own event loop:
//   new LinuxServer(optionsJson, threads, maxConnections, onEvent | null)
// A translation layer (contract: src/server/raw.ts); options are validated
// in src/server/options.ts, the host is in native/host.
//
// The main reactor's epoll fd is watched by a libuv uv_poll_t: when it is
// readable the reactor runs one RunOnce(0) (never blocking Node) inside a
// HandleScope and a CallbackScope (async hooks see it; promise jobs run
// after it). With JS handlers (onEvent, app "js") the reactor calls them
// from inside that iteration through JsApp. Calls from JS (send, shutdown,
// ...) can leave work queued in the reactor that no fd will announce (a
// write-complete); they arm a uv_idle_t so the same pump runs on the next
// turn of Node's loop.
//
// While it runs, the object holds a strong reference to itself (a listening
// server is not garbage), and it is torn down with its environment.
#pragma once

#include <napi.h>
#include <uv.h>

#include <memory>
#include <string>

namespace edgeloop {

class JsApp;
class ServerHost;

class LinuxServerWrap : public Napi::ObjectWrap<LinuxServerWrap> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit LinuxServerWrap(const Napi::CallbackInfo& info);
  ~LinuxServerWrap() override;

 private:
  struct Handles;

  ServerHost& Live(const Napi::CallbackInfo& info);
  // One RunOnce(0) and the delivery of its events: the work of every libuv callback.
  void Pump();
  // RunOnce(0) with pumping_ set, then a dispose asked for meanwhile; the
  // failure's text, empty if none.
  std::string RunReactor();
  // Something was asked of the reactor from JS: pump on the next loop turn.
  void Kick();
  // Closes the libuv handles, frees the server (joining its threads).
  void Stop();

  static void OnPoll(uv_poll_t* handle, int status, int events);
  static void OnIdle(uv_idle_t* handle);
  static void OnEnvCleanup(void* arg);

  Napi::Value Address(const Napi::CallbackInfo& info);
  Napi::Value Send(const Napi::CallbackInfo& info);
  Napi::Value Shutdown(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value DrainTrace(const Napi::CallbackInfo& info);
  Napi::Value Stats(const Napi::CallbackInfo& info);
  Napi::Value Snapshot(const Napi::CallbackInfo& info);
  Napi::Value StopAccepting(const Napi::CallbackInfo& info);
  Napi::Value ShutdownAll(const Napi::CallbackInfo& info);
  Napi::Value CloseAll(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info);

  // Declared first: destroyed after the server, whose closes still call it.
  std::unique_ptr<JsApp> js_app_;
  std::unique_ptr<ServerHost> host_;
  Handles* handles_ = nullptr;  // freed by the last uv_close callback
  std::unique_ptr<Napi::AsyncContext> async_;
  bool cleanup_hook_ = false;
  // Inside RunOnce: a dispose() from a handler must not free the server under
  // the reactor's feet; it is finished when the iteration returns.
  bool pumping_ = false;
  bool dispose_pending_ = false;
};

}  // namespace edgeloop
