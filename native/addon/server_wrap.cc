#include "server_wrap.h"

#include <algorithm>
#include <string>
#include <vector>

#include "../reactor/embed/server_host.h"
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
                         InstanceMethod("runOnce", &ServerWrap::RunOnce, kAttr),
                         InstanceMethod("send", &ServerWrap::Send, kAttr),
                         InstanceMethod("shutdown", &ServerWrap::Shutdown, kAttr),
                         InstanceMethod("close", &ServerWrap::Close, kAttr),
                         InstanceMethod("drainTrace", &ServerWrap::DrainTrace, kAttr),
                         InstanceMethod("drainEvents", &ServerWrap::DrainEvents, kAttr),
                         InstanceMethod("drainEventBytes", &ServerWrap::DrainEventBytes, kAttr),
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

ServerWrap::~ServerWrap() = default;

ServerHost& ServerWrap::Live(const Napi::CallbackInfo& info) {
  if (!host_) throw Napi::Error::New(info.Env(), "server is disposed");
  return *host_;
}

Napi::Value ServerWrap::Address(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), Live(info).address());
}

Napi::Value ServerWrap::RunOnce(const Napi::CallbackInfo& info) {
  ServerHost& host = Live(info);
  RequireArgs(info, 1);
  Napi::Value v = info[0];
  if (!v.IsNumber()) throw Napi::TypeError::New(info.Env(), "argument 0 must be a number");
  return Napi::Number::New(info.Env(), host.RunOnce(v.As<Napi::Number>().Int32Value()));
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
  return Napi::Number::New(info.Env(), host.Send(conn, static_cast<const uint8_t*>(data), len));
}

Napi::Value ServerWrap::Shutdown(const Napi::CallbackInfo& info) {
  ServerHost& host = Live(info);
  RequireArgs(info, 1);
  return Napi::Number::New(info.Env(), host.Shutdown(ConnArg(info, 0)));
}

Napi::Value ServerWrap::Close(const Napi::CallbackInfo& info) {
  ServerHost& host = Live(info);
  RequireArgs(info, 2);
  return Napi::Number::New(info.Env(), host.Close(ConnArg(info, 0), StringArg(info, 1)));
}

Napi::Value ServerWrap::DrainTrace(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), Live(info).DrainTrace());
}

Napi::Value ServerWrap::DrainEvents(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), Live(info).DrainEvents());
}

Napi::Value ServerWrap::DrainEventBytes(const Napi::CallbackInfo& info) {
  std::vector<uint8_t> bytes = Live(info).DrainEventBytes();
  Napi::ArrayBuffer ab = Napi::ArrayBuffer::New(info.Env(), bytes.size());
  if (!bytes.empty()) std::copy(bytes.begin(), bytes.end(), static_cast<uint8_t*>(ab.Data()));
  return Napi::Uint8Array::New(info.Env(), bytes.size(), ab, 0);
}

Napi::Value ServerWrap::Snapshot(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), Live(info).Snapshot());
}

Napi::Value ServerWrap::Dispose(const Napi::CallbackInfo& info) {
  Live(info);
  host_.reset();
  return info.Env().Undefined();
}

}  // namespace edgeloop
