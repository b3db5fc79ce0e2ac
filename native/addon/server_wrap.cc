#include "server_wrap.h"

#include <string>

#include "../host/server_host.h"
#include "js_app.h"
#include "kernel_wrap.h"

namespace edgeloop {

namespace {

void RequireArgs(const Napi::CallbackInfo& info, size_t n) {
  if (info.Length() < n) {
    throw Napi::TypeError::New(info.Env(), "expected " + std::to_string(n) + " argument(s)");
  }
}

// Connection ids are positive integers below 2^53 (JS numbers).
uint64_t ConnArg(const Napi::CallbackInfo& info, size_t i) {
  Napi::Value v = info[i];
  if (!v.IsNumber()) throw Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + " must be a number");
  const double d = v.As<Napi::Number>().DoubleValue();
  return d >= 1 && d <= 9007199254740991.0 ? static_cast<uint64_t>(d) : 0;
}

std::string StringArg(const Napi::CallbackInfo& info, size_t i) {
  Napi::Value v = info[i];
  if (!v.IsString()) throw Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + " must be a string");
  return v.As<Napi::String>().Utf8Value();
}

}  // namespace

Napi::Function ServerWrap::Define(Napi::Env env) {
  constexpr auto kAttr = napi_default_method;
  return DefineClass(env, "Server",
                     {
                         InstanceMethod("address", &ServerWrap::Address, kAttr),
                         InstanceMethod("setEventHandler", &ServerWrap::SetEventHandler, kAttr),
                         InstanceMethod("runOnce", &ServerWrap::RunOnce, kAttr),
                         InstanceMethod("send", &ServerWrap::Send, kAttr),
                         InstanceMethod("shutdown", &ServerWrap::Shutdown, kAttr),
                         InstanceMethod("close", &ServerWrap::Close, kAttr),
                         InstanceMethod("drainTrace", &ServerWrap::DrainTrace, kAttr),
                         InstanceMethod("snapshot", &ServerWrap::Snapshot, kAttr),
                         InstanceMethod("dispose", &ServerWrap::Dispose, kAttr),
                     });
}

ServerWrap::ServerWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ServerWrap>(info) {
  RequireArgs(info, 2);
  std::shared_ptr<Kernel> kernel = KernelWrap::SharedFrom(info.Env(), info[0]);
  // std::exception from the host (bad options, a failed listen) becomes a JS
  // Error (NODE_ADDON_API_CPP_EXCEPTIONS_ALL).
  host_ = std::make_unique<ServerHost>(std::move(kernel), StringArg(info, 1));
}

ServerWrap::~ServerWrap() {
  // Garbage collected or torn down with its environment: JS is not called.
  if (js_app_) js_app_->set_enabled(false);
  host_.reset();
}

ServerHost& ServerWrap::Live(const Napi::CallbackInfo& info) {
  if (!host_ || dispose_pending_) throw Napi::Error::New(info.Env(), "server is disposed");
  return *host_;
}

template <typename F>
int32_t ServerWrap::Calling(Napi::Env env, F&& body) {
  struct Depth {
    int& depth;
    explicit Depth(int& d) : depth(d) { ++depth; }
    ~Depth() { --depth; }
  };
  int32_t r;
  {
    Depth guard(depth_);
    r = body();
  }
  if (depth_ > 0) return r;
  Napi::Value error = js_app_ ? js_app_->TakeError() : Napi::Value();
  if (dispose_pending_) {  // a dispose() from a handler
    host_.reset();
    js_app_.reset();
  }
  if (!error.IsEmpty()) throw Napi::Error(env, error);
  return r;
}

Napi::Value ServerWrap::SetEventHandler(const Napi::CallbackInfo& info) {
  ServerHost& host = Live(info);
  RequireArgs(info, 1);
  Napi::Value v = info[0];
  if (!v.IsFunction() && !v.IsNull()) throw Napi::TypeError::New(info.Env(), "argument 0 must be a function or null");
  if (depth_ > 0) throw Napi::Error::New(info.Env(), "setEventHandler() from inside a handler");
  std::unique_ptr<JsApp> app = v.IsFunction() ? std::make_unique<JsApp>(info.Env(), v.As<Napi::Function>()) : nullptr;
  host.SetHandlers(app.get());
  js_app_ = std::move(app);
  return info.Env().Undefined();
}

Napi::Value ServerWrap::Address(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), Live(info).address());
}

Napi::Value ServerWrap::RunOnce(const Napi::CallbackInfo& info) {
  ServerHost& host = Live(info);
  RequireArgs(info, 1);
  Napi::Value v = info[0];
  if (!v.IsNumber()) throw Napi::TypeError::New(info.Env(), "argument 0 must be a number");
  // Handlers run inside; the host refuses a nested RunOnce (std::logic_error,
  // thrown as a JS Error).
  const int32_t timeout = v.As<Napi::Number>().Int32Value();
  const int32_t n = Calling(info.Env(), [&] { return host.RunOnce(timeout); });
  return Napi::Number::New(info.Env(), n);
}

Napi::Value ServerWrap::Send(const Napi::CallbackInfo& info) {
  ServerHost& host = Live(info);
  RequireArgs(info, 2);
  const uint64_t conn = ConnArg(info, 0);
  Napi::Value v = info[1];
  if (!v.IsTypedArray()) throw Napi::TypeError::New(info.Env(), "argument 1 must be a Uint8Array");
  Napi::TypedArray view = v.As<Napi::TypedArray>();
  void* data = nullptr;
  napi_status status = napi_get_typedarray_info(info.Env(), view, nullptr, nullptr, &data, nullptr, nullptr);
  NAPI_THROW_IF_FAILED(info.Env(), status, Napi::Value());
  const size_t len = data ? view.ByteLength() : 0;
  // `data` stays valid while handlers run: the view's buffer is held by `info`.
  const int32_t r = Calling(info.Env(), [&] { return host.Send(conn, static_cast<const uint8_t*>(data), len); });
  return Napi::Number::New(info.Env(), r);
}

Napi::Value ServerWrap::Shutdown(const Napi::CallbackInfo& info) {
  ServerHost& host = Live(info);
  RequireArgs(info, 1);
  const uint64_t conn = ConnArg(info, 0);
  const int32_t r = Calling(info.Env(), [&] { return host.Shutdown(conn); });
  return Napi::Number::New(info.Env(), r);
}

Napi::Value ServerWrap::Close(const Napi::CallbackInfo& info) {
  ServerHost& host = Live(info);
  RequireArgs(info, 2);
  const uint64_t conn = ConnArg(info, 0);
  const std::string reason = StringArg(info, 1);
  const int32_t r = Calling(info.Env(), [&] { return host.Close(conn, reason); });
  return Napi::Number::New(info.Env(), r);
}

Napi::Value ServerWrap::DrainTrace(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), Live(info).DrainTrace());
}

Napi::Value ServerWrap::Snapshot(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), Live(info).Snapshot());
}

Napi::Value ServerWrap::Dispose(const Napi::CallbackInfo& info) {
  Live(info);
  // The closes of what is still open happen without JS.
  if (js_app_) js_app_->set_enabled(false);
  if (depth_ > 0) {
    dispose_pending_ = true;  // from a handler: freed once the outermost call returns
  } else {
    host_.reset();
    // Its persistent reference to the handler would keep the simulation alive.
    js_app_.reset();
  }
  return info.Env().Undefined();
}

}  // namespace edgeloop
