#include "linux_server_wrap.h"

#include <cmath>
#include <exception>
#include <string>
#include <vector>

#include "../host/server_host.h"
#include "../kernel/linux/linux_kernel.h"
#include "../reactor/event_loop_thread_pool.h"
#include "js_app.h"

namespace edgeloop {

// Both handles in one allocation; libuv owns it from uv_close until the
// second close callback, which may run after the wrap is gone.
struct LinuxServerWrap::Handles {
  uv_poll_t poll;
  uv_idle_t idle;
  int open = 0;
  LinuxServerWrap* owner = nullptr;  // null once stopped

  static void OnClosed(uv_handle_t* handle) {
    auto* self = static_cast<Handles*>(handle->data);
    if (--self->open == 0) delete self;
  }
};

namespace {

void RequireArgs(const Napi::CallbackInfo& info, size_t n) {
  if (info.Length() < n) {
    throw Napi::TypeError::New(info.Env(), "expected " + std::to_string(n) + " argument(s)");
  }
}

double NumberArg(const Napi::CallbackInfo& info, size_t i) {
  Napi::Value v = info[i];
  if (!v.IsNumber()) throw Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + " must be a number");
  return v.As<Napi::Number>().DoubleValue();
}

// Connection ids are positive integers below 2^53 (JS numbers); anything
// else names no connection.
uint64_t ConnArg(const Napi::CallbackInfo& info, size_t i) {
  const double d = NumberArg(info, i);
  return d >= 1 && d <= 9007199254740991.0 ? static_cast<uint64_t>(d) : 0;
}

std::string StringArg(const Napi::CallbackInfo& info, size_t i) {
  Napi::Value v = info[i];
  if (!v.IsString()) throw Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + " must be a string");
  return v.As<Napi::String>().Utf8Value();
}

}  // namespace

Napi::Function LinuxServerWrap::Define(Napi::Env env) {
  constexpr auto kAttr = napi_default_method;
  return DefineClass(env, "LinuxServer",
                     {
                         InstanceMethod("address", &LinuxServerWrap::Address, kAttr),
                         InstanceMethod("send", &LinuxServerWrap::Send, kAttr),
                         InstanceMethod("shutdown", &LinuxServerWrap::Shutdown, kAttr),
                         InstanceMethod("close", &LinuxServerWrap::Close, kAttr),
                         InstanceMethod("drainTrace", &LinuxServerWrap::DrainTrace, kAttr),
                         InstanceMethod("stats", &LinuxServerWrap::Stats, kAttr),
                         InstanceMethod("snapshot", &LinuxServerWrap::Snapshot, kAttr),
                         InstanceMethod("stopAccepting", &LinuxServerWrap::StopAccepting, kAttr),
                         InstanceMethod("shutdownAll", &LinuxServerWrap::ShutdownAll, kAttr),
                         InstanceMethod("closeAll", &LinuxServerWrap::CloseAll, kAttr),
                         InstanceMethod("dispose", &LinuxServerWrap::Dispose, kAttr),
                     });
}

LinuxServerWrap::LinuxServerWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<LinuxServerWrap>(info) {
  Napi::Env env = info.Env();
  RequireArgs(info, 4);
  const std::string options = StringArg(info, 0);
  const double threads = NumberArg(info, 1);
  const double max_connections = NumberArg(info, 2);
  if (!(threads >= 0 && threads <= kMaxThreads && std::floor(threads) == threads)) {
    throw Napi::RangeError::New(env, "argument 1 (threads) must be an integer from 0 to " +
                                         std::to_string(kMaxThreads));
  }
  if (!(max_connections >= 0 && max_connections <= 9007199254740991.0 &&
        std::floor(max_connections) == max_connections)) {
    throw Napi::RangeError::New(env, "argument 2 (maxConnections) must be a non-negative integer");
  }
  Napi::Value on_event = info[3];
  if (!on_event.IsFunction() && !on_event.IsNull() && !on_event.IsUndefined()) {
    throw Napi::TypeError::New(env, "argument 3 (onEvent) must be a function or null");
  }
  uv_loop_t* loop = nullptr;
  NAPI_THROW_IF_FAILED_VOID(env, napi_get_uv_event_loop(env, &loop));

  // std::exception from here (bad options, a failed listen) becomes a JS
  // Error with its message (NODE_ADDON_API_CPP_EXCEPTIONS_ALL).
  if (on_event.IsFunction()) {
    js_app_ = std::make_unique<JsApp>(env, on_event.As<Napi::Function>());
    // Argument 4 (optional): false when no JS handler takes writeComplete, so
    // the reactor does not queue one per completed send only for JS to drop it.
    if (info.Length() > 4 && info[4].IsBoolean()) js_app_->set_wants_write_complete(info[4].As<Napi::Boolean>().Value());
    // Message bytes arrive as views into shared slabs (js_app.h).
    js_app_->set_pooled_messages(true);
  }
  HostConfig config = ParseHostConfig(options);
  config.threads = static_cast<int32_t>(threads);
  config.server.max_connections = static_cast<uint64_t>(max_connections);
  if (config.threads > 0 && config.app == AppKind::kJs) {
    throw Napi::Error::New(env, "options: \"threads\" must be 0 with JS handlers (they run on Node's thread)");
  }
  HostEnvironment real;
  real.real_sockets = true;
  real.make_pool = [](EventLoop* base, std::vector<Kernel*> kernels) -> std::unique_ptr<LoopPool> {
    auto pool = std::make_unique<EventLoopThreadPool>(base, std::move(kernels));
    pool->Start();
    return pool;
  };
  host_ = std::make_unique<ServerHost>(std::shared_ptr<Kernel>(CreateLinuxKernel()), config, std::move(real));
  if (js_app_) host_->SetHandlers(js_app_.get());
  async_ = std::make_unique<Napi::AsyncContext>(env, "edgeloop.LinuxServer");

  auto* handles = new Handles();
  const int rc = uv_poll_init(loop, &handles->poll, host_->epoll_fd());
  if (rc != 0) {
    delete handles;
    host_.reset();
    throw Napi::Error::New(env, std::string("uv_poll_init on the reactor's epoll fd failed: ") + uv_strerror(rc));
  }
  uv_idle_init(loop, &handles->idle);
  handles->poll.data = handles;
  handles->idle.data = handles;
  handles->open = 2;
  handles->owner = this;
  handles_ = handles;
  uv_poll_start(&handles->poll, UV_READABLE, OnPoll);
  Ref();
  NAPI_THROW_IF_FAILED_VOID(env, napi_add_env_cleanup_hook(env, OnEnvCleanup, this));
  cleanup_hook_ = true;
}

LinuxServerWrap::~LinuxServerWrap() {
  // Only reached once stopped (a running server holds a strong reference
  // to itself), or at environment teardown.
  if (cleanup_hook_) napi_remove_env_cleanup_hook(Env(), OnEnvCleanup, this);
  cleanup_hook_ = false;
  if (handles_) {
    handles_->owner = nullptr;
    uv_close(reinterpret_cast<uv_handle_t*>(&handles_->poll), Handles::OnClosed);
    uv_close(reinterpret_cast<uv_handle_t*>(&handles_->idle), Handles::OnClosed);
    handles_ = nullptr;
  }
  if (js_app_) js_app_->set_enabled(false);
  host_.reset();
}

void LinuxServerWrap::Stop() {
  if (cleanup_hook_) {
    napi_remove_env_cleanup_hook(Env(), OnEnvCleanup, this);
    cleanup_hook_ = false;
  }
  if (handles_) {
    handles_->owner = nullptr;
    uv_poll_stop(&handles_->poll);
    uv_idle_stop(&handles_->idle);
    uv_close(reinterpret_cast<uv_handle_t*>(&handles_->poll), Handles::OnClosed);
    uv_close(reinterpret_cast<uv_handle_t*>(&handles_->idle), Handles::OnClosed);
    handles_ = nullptr;
    Unref();
  }
  // JS was told what it needs before dispose(); the closes of whatever is
  // still open happen without it.
  if (js_app_) js_app_->set_enabled(false);
  if (pumping_) {
    dispose_pending_ = true;  // Pump() frees the server once RunOnce returns
    return;
  }
  host_.reset();
}

void LinuxServerWrap::OnEnvCleanup(void* arg) {
  // The environment is going away (process exit, a worker ending): stop the
  // threads and close the handles; JS is no longer ours to call.
  auto* self = static_cast<LinuxServerWrap*>(arg);
  self->cleanup_hook_ = false;
  if (self->handles_) {
    self->handles_->owner = nullptr;
    uv_close(reinterpret_cast<uv_handle_t*>(&self->handles_->poll), Handles::OnClosed);
    uv_close(reinterpret_cast<uv_handle_t*>(&self->handles_->idle), Handles::OnClosed);
    self->handles_ = nullptr;
  }
  if (self->js_app_) self->js_app_->set_enabled(false);
  self->host_.reset();
}

void LinuxServerWrap::OnPoll(uv_poll_t* handle, int /*status*/, int /*events*/) {
  auto* handles = static_cast<Handles*>(handle->data);
  if (handles->owner) handles->owner->Pump();
}

void LinuxServerWrap::OnIdle(uv_idle_t* handle) {
  uv_idle_stop(handle);
  auto* handles = static_cast<Handles*>(handle->data);
  if (handles->owner) handles->owner->Pump();
}

void LinuxServerWrap::Kick() {
  // From a handler, inside RunOnce: what it queued runs before RunOnce returns.
  if (pumping_) return;
  if (handles_ && !uv_is_active(reinterpret_cast<uv_handle_t*>(&handles_->idle))) {
    uv_idle_start(&handles_->idle, OnIdle);
  }
}

namespace {
constexpr int kRoundsPerPump = 4;
}  // namespace

std::string LinuxServerWrap::RunReactor() {
  std::string failure;
  pumping_ = true;
  try {
    // More rounds while each finds work (a bounded few, so Node's own
    // callbacks wait little): what arrived during one round is taken without
    // going back through libuv's epoll_wait and loop first.
    for (int round = 0; round < kRoundsPerPump && host_->RunOnce(0) > 0 && !dispose_pending_; ++round) {
    }
  } catch (const std::exception& e) {
    failure = e.what();  // a reactor bug; reported by the caller, outside the reactor
  }
  pumping_ = false;
  if (dispose_pending_) {
    dispose_pending_ = false;
    host_.reset();
  }
  return failure;
}

void LinuxServerWrap::Pump() {
  if (!host_ || pumping_) return;
  Napi::Env env = Env();
  if (!js_app_) {
    // A built-in app runs no JS inside the iteration: no scopes to open (with
    // a few connections they cost as much as the round itself).
    const std::string failure = RunReactor();
    if (!failure.empty()) {
      Napi::HandleScope scope(env);
      napi_fatal_exception(env, Napi::Error::New(env, "edgeloop reactor: " + failure).Value());
    }
    return;
  }
  Napi::HandleScope scope(env);
  // Holds the JS object: a handler (or a promise job) may drop the last
  // reference to it while this runs.
  Napi::Object self = Value();
  static_cast<void>(self);
  std::string failure;
  {
    // Handlers run inside; promise jobs and nextTicks after it closes.
    Napi::CallbackScope callback_scope(env, *async_);
    failure = RunReactor();
  }
  // Nothing in JS is on the stack to catch these: they go where Node sends
  // every error of an event-loop callback.
  if (!failure.empty()) {
    napi_fatal_exception(env, Napi::Error::New(env, "edgeloop reactor: " + failure).Value());
  } else if (js_app_) {
    Napi::Value error = js_app_->TakeError();
    if (!error.IsEmpty()) napi_fatal_exception(env, error);
  }
}

ServerHost& LinuxServerWrap::Live(const Napi::CallbackInfo& info) {
  if (!host_) throw Napi::Error::New(info.Env(), "server is disposed");
  return *host_;
}

Napi::Value LinuxServerWrap::Address(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), Live(info).address());
}

Napi::Value LinuxServerWrap::Send(const Napi::CallbackInfo& info) {
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
  const int32_t r = host.Send(conn, static_cast<const uint8_t*>(data), len);
  Kick();
  return Napi::Number::New(info.Env(), r);
}

Napi::Value LinuxServerWrap::Shutdown(const Napi::CallbackInfo& info) {
  ServerHost& host = Live(info);
  RequireArgs(info, 1);
  const int32_t r = host.Shutdown(ConnArg(info, 0));
  Kick();
  return Napi::Number::New(info.Env(), r);
}

Napi::Value LinuxServerWrap::Close(const Napi::CallbackInfo& info) {
  ServerHost& host = Live(info);
  RequireArgs(info, 2);
  const int32_t r = host.Close(ConnArg(info, 0), StringArg(info, 1));
  Kick();
  return Napi::Number::New(info.Env(), r);
}

Napi::Value LinuxServerWrap::DrainTrace(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), Live(info).DrainTrace());
}

Napi::Value LinuxServerWrap::Stats(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), Live(info).Stats());
}

Napi::Value LinuxServerWrap::Snapshot(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), Live(info).Snapshot());
}

Napi::Value LinuxServerWrap::StopAccepting(const Napi::CallbackInfo& info) {
  Live(info).StopAccepting();
  Kick();
  return info.Env().Undefined();
}

Napi::Value LinuxServerWrap::ShutdownAll(const Napi::CallbackInfo& info) {
  Live(info).ShutdownAll();
  Kick();
  return info.Env().Undefined();
}

Napi::Value LinuxServerWrap::CloseAll(const Napi::CallbackInfo& info) {
  ServerHost& host = Live(info);
  RequireArgs(info, 1);
  host.CloseAll(StringArg(info, 0));
  Kick();
  return info.Env().Undefined();
}

Napi::Value LinuxServerWrap::Dispose(const Napi::CallbackInfo& info) {
  Live(info);
  Stop();
  return info.Env().Undefined();
}

}  // namespace edgeloop
