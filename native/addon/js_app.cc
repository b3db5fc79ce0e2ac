#include "js_app.h"

#include <cstring>

#include "../reactor/buffer.h"
#include "../reactor/tcp_connection.h"

namespace edgeloop {

JsApp::JsApp(Napi::Env env, Napi::Function on_event) : env_(env), on_event_(Napi::Persistent(on_event)) {}

void JsApp::Call(const char* type, const TcpConnectionPtr& conn, napi_value arg) {
  if (!enabled_) return;
  try {
    on_event_.Call({Napi::String::New(env_, type), Napi::Number::New(env_, static_cast<double>(conn->id())),
                    arg ? Napi::Value(env_, arg) : env_.Undefined()});
  } catch (const Napi::Error& e) {
    if (error_.IsEmpty()) error_ = Napi::Reference<Napi::Value>::New(e.Value(), 1);
  }
}

Napi::Value JsApp::TakeError() {
  if (error_.IsEmpty()) return Napi::Value();
  Napi::Value v = error_.Value();
  error_.Reset();
  return v;
}

void JsApp::OnConnection(const TcpConnectionPtr& conn) {
  Napi::HandleScope scope(env_);
  Call("connection", conn, nullptr);
}

void JsApp::OnMessage(const TcpConnectionPtr& conn, Buffer& input) {
  Napi::HandleScope scope(env_);
  const size_t n = input.ReadableBytes();
  Napi::ArrayBuffer ab = Napi::ArrayBuffer::New(env_, n);
  if (n > 0) std::memcpy(ab.Data(), input.Peek(), n);
  input.RetrieveAll();
  Call("message", conn, Napi::Uint8Array::New(env_, n, ab, 0));
}

void JsApp::OnWriteComplete(const TcpConnectionPtr& conn) {
  Napi::HandleScope scope(env_);
  Call("writeComplete", conn, nullptr);
}

void JsApp::OnHighWaterMark(const TcpConnectionPtr& conn, size_t queued) {
  Napi::HandleScope scope(env_);
  Call("highWaterMark", conn, Napi::Number::New(env_, static_cast<double>(queued)));
}

void JsApp::OnClose(const TcpConnectionPtr& conn, const std::string& reason) {
  Napi::HandleScope scope(env_);
  Call("close", conn, Napi::String::New(env_, reason));
}

}  // namespace edgeloop
