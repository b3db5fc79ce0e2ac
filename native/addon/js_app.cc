#include "js_app.h"

#include <cstring>
#include <string>

namespace edgeloop {

JsApp::JsApp(Napi::Env env, Napi::Function on_event, App* inner)
    : HandlerApp(inner), env_(env), on_event_(Napi::Persistent(on_event)) {}

bool JsApp::Call(const char* type, uint64_t conn, const Arg& arg) {
  Napi::HandleScope scope(env_);
  try {
    Napi::Value value = env_.Undefined();
    switch (arg.kind) {
      case Arg::Kind::kNone: break;
      case Arg::Kind::kNumber: value = Napi::Number::New(env_, arg.number); break;
      case Arg::Kind::kBytes: {
        Napi::ArrayBuffer ab = Napi::ArrayBuffer::New(env_, arg.size);
        if (arg.size > 0) std::memcpy(ab.Data(), arg.data, arg.size);
        value = Napi::Uint8Array::New(env_, arg.size, ab, 0);
        break;
      }
      case Arg::Kind::kString:
        value = Napi::String::New(env_, reinterpret_cast<const char*>(arg.data), arg.size);
        break;
    }
    on_event_.Call({Napi::String::New(env_, type), Napi::Number::New(env_, static_cast<double>(conn)), value});
    return true;
  } catch (const Napi::Error& e) {
    if (error_.IsEmpty()) error_ = Napi::Reference<Napi::Value>::New(e.Value(), 1);
    return false;
  }
}

Napi::Value JsApp::TakeError() {
  if (error_.IsEmpty()) return Napi::Value();
  Napi::Value v = error_.Value();
  error_.Reset();
  return v;
}

}  // namespace edgeloop
