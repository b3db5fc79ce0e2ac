// JsApp: the App behind JS handlers on the real server. Each reactor callback
// becomes one synchronous call of a JS function, from inside the reactor
// iteration on Node's thread, exactly where a built-in app's callback runs:
//   onEvent('connection', id)   onEvent('message', id, Uint8Array)
//   onEvent('writeComplete', id)   onEvent('highWaterMark', id, bytes)
//   onEvent('close', id, reason)
// So a handler's send() happens before the reactor reads on: an end of file
// read right after a request sees the reply queued (and flushes it), and the
// high-water mark pauses reading as soon as a handler's output crosses it.
// The message bytes are consumed: what JS gets is a copy.
//
// The JS side (src/server/server.ts) catches what handlers throw; an error
// that still gets here is kept for the embedder and never unwinds through
// reactor frames.
#pragma once

#include <napi.h>

#include <string>

#include "../reactor/callbacks.h"

namespace edgeloop {

class JsApp final : public App {
 public:
  JsApp(Napi::Env env, Napi::Function on_event);

  void OnConnection(const TcpConnectionPtr& conn) override;
  void OnMessage(const TcpConnectionPtr& conn, Buffer& input) override;
  void OnWriteComplete(const TcpConnectionPtr& conn) override;
  void OnHighWaterMark(const TcpConnectionPtr& conn, size_t queued) override;
  void OnClose(const TcpConnectionPtr& conn, const std::string& reason) override;

  // Off: events are dropped (the environment is being torn down, or the
  // server is being disposed and JS has already been told).
  void set_enabled(bool on) { enabled_ = on; }
  // The first exception a call let through since the last take, or an empty value.
  Napi::Value TakeError();

 private:
  // `arg`: null for none.
  void Call(const char* type, const TcpConnectionPtr& conn, napi_value arg);

  Napi::Env env_;
  Napi::FunctionReference on_event_;
  Napi::Reference<Napi::Value> error_;
  bool enabled_ = true;
};

}  // namespace edgeloop
