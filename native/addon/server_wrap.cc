#include "server_wrap.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <optional>
#include <string>
#include <vector>

#include "../host/server_host.h"
#include "../kernel/linux/linux_kernel.h"
#include "../reactor/event_loop_thread_pool.h"
#include "js_app.h"
#include "kernel_wrap.h"
#include "napi_args.h"
#include "node_loop_pump.h"
#include "pressure_trim.h"

namespace edgeloop {

namespace {

// RunOnce(0) rounds per wakeup of the real server while each finds work (a
// bounded few, so Node's own callbacks wait little): what arrived during one
// round is taken without going back through libuv's epoll_wait first.
constexpr int kRoundsPerPump = 4;

HostEnvironment RealServer() {
  HostEnvironment env;
  env.real_sockets = true;
  env.make_pool = [](EventLoop* base, std::vector<Kernel*> kernels) -> std::unique_ptr<LoopPool> {
    auto pool = std::make_unique<EventLoopThreadPool>(base, std::move(kernels));
    pool->Start();
    return pool;
  };
  return env;
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
                         InstanceMethod("stats", &ServerWrap::Stats, kAttr),
                         InstanceMethod("stopAccepting", &ServerWrap::StopAccepting, kAttr),
                         InstanceMethod("setProbe", &ServerWrap::SetProbe, kAttr),
                         InstanceMethod("shutdownAll", &ServerWrap::ShutdownAll, kAttr),
                         InstanceMethod("closeAll", &ServerWrap::CloseAll, kAttr),
                         InstanceMethod("shutdownQuiet", &ServerWrap::ShutdownQuiet, kAttr),
                         InstanceMethod("writable", &ServerWrap::Writable, kAttr),
                         InstanceMethod("injectFault", &ServerWrap::InjectFault, kAttr),
                         InstanceMethod("dispose", &ServerWrap::Dispose, kAttr),
                     });
}

ServerWrap::ServerWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ServerWrap>(info) {
  Napi::Env env = info.Env();
  RequireArgs(info, 2);
  const std::string options = StringArg(info, 1);
  // std::exception from the host (bad options, a failed listen) becomes a JS
  // Error with its message (NODE_ADDON_API_CPP_EXCEPTIONS_ALL).
  if (!info[0].IsNull()) {
    host_ = std::make_unique<ServerHost>(KernelWrap::SharedFrom(env, info[0]), options);
    return;
  }
  host_ = std::make_unique<ServerHost>(std::shared_ptr<Kernel>(CreateLinuxKernel()), options, RealServer());
  uv_loop_t* loop = nullptr;
  NAPI_THROW_IF_FAILED_VOID(env, napi_get_uv_event_loop(env, &loop));
  async_ = std::make_unique<Napi::AsyncContext>(env, "edgeloop.Server");
  pump_ = std::make_unique<NodeLoopPump>(loop, host_->epoll_fd(), [this] { Pump(); });
  trim_ = std::make_unique<PressureTrim>(host_->budget());
  Ref();
  NAPI_THROW_IF_FAILED_VOID(env, napi_add_env_cleanup_hook(env, OnEnvCleanup, this));
  cleanup_hook_ = true;
}

ServerWrap::~ServerWrap() {
  // Garbage collected (a simulation, or a real server once disposed) or torn
  // down with its environment: JS is not called.
  if (cleanup_hook_) napi_remove_env_cleanup_hook(Env(), OnEnvCleanup, this);
  cleanup_hook_ = false;
  pump_.reset();
  if (js_app_) js_app_->set_enabled(false);
  host_.reset();
}

void ServerWrap::OnEnvCleanup(void* arg) {
  // The environment is going away (process exit, a worker ending): stop the
  // threads and close the handles; JS is no longer ours to call.
  auto* self = static_cast<ServerWrap*>(arg);
  self->cleanup_hook_ = false;
  self->pump_.reset();
  if (self->js_app_) self->js_app_->set_enabled(false);
  self->host_.reset();
}

ServerHost& ServerWrap::Live(const Napi::CallbackInfo& info) {
  if (!host_ || dispose_pending_) throw Napi::Error::New(info.Env(), "server is disposed");
  return *host_;
}

void ServerWrap::Release() {
  trim_.reset();  // it reads the host's budget
  host_.reset();
  // Its persistent reference to the handler would keep the simulation alive.
  js_app_.reset();
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
  if (dispose_pending_) Release();
  if (!error.IsEmpty()) throw Napi::Error(env, error);
  Kick();
  return r;
}

void ServerWrap::Kick() {
  if (pump_ && host_) pump_->Kick();
}

void ServerWrap::Pump() {
  if (!host_ || depth_ > 0) return;
  Napi::Env env = Env();
  std::string failure;
  auto rounds = [&] {
    ++depth_;
    try {
      for (int round = 0; round < kRoundsPerPump && host_->RunOnce(0) > 0 && !dispose_pending_; ++round) {
      }
    } catch (const std::exception& e) {
      failure = e.what();  // a reactor bug; reported below, outside the reactor
    }
    --depth_;
  };
  // Open until the end: the handler's error is a handle in it, reported
  // below (it was opened inside the else, and the report then made its
  // handle outside any scope: V8's fatal "Cannot create a handle without a
  // HandleScope" instead of the handler's exception).
  std::optional<Napi::HandleScope> scope;
  Napi::Value error;
  if (!js_app_) {
    // A built-in app runs no JS inside the iteration: no scopes to open (with
    // a few connections they cost as much as the round itself).
    rounds();
  } else {
    scope.emplace(env);
    // Holds the JS object: a handler (or a promise job) may drop the last
    // reference to it while this runs.
    Napi::Object self = Value();
    static_cast<void>(self);
    {
      // Handlers run inside; promise jobs and nextTicks after it closes.
      Napi::CallbackScope callback_scope(env, *async_);
      rounds();
    }
    // Those jobs may have disposed of the server or replaced the handlers.
    if (js_app_) error = js_app_->TakeError();
  }
  if (dispose_pending_) {
    Release();
  } else if (trim_) {
    // A budget episode is over (pressure_trim.h): the heaps are trimmed, and
    // again once V8 has collected the JS garbage it made.
    if (trim_->ShouldTrim()) {
      if (js_app_) js_app_->AskCollection();
      PressureTrim::Trim();
      if (trim_->follow_up_due()) pump_->KickAfter(PressureTrim::kFollowUpMs);
    }
  }
  // Nothing in JS is on the stack to catch these: they go where Node sends
  // every error of an event-loop callback.
  if (!failure.empty()) {
    Napi::HandleScope failure_scope(env);
    napi_fatal_exception(env, Napi::Error::New(env, "edgeloop reactor: " + failure).Value());
  } else if (!error.IsEmpty()) {
    napi_fatal_exception(env, error);
  }
}

Napi::Value ServerWrap::SetEventHandler(const Napi::CallbackInfo& info) {
  ServerHost& host = Live(info);
  RequireArgs(info, 1);
  Napi::Value v = info[0];
  if (!v.IsFunction() && !v.IsNull()) throw Napi::TypeError::New(info.Env(), "argument 0 must be a function or null");
  if (depth_ > 0) throw Napi::Error::New(info.Env(), "setEventHandler() from inside a handler");
  std::unique_ptr<JsApp> app = v.IsFunction() ? std::make_unique<JsApp>(info.Env(), v.As<Napi::Function>()) : nullptr;
  if (app) {
    // Argument 1 (optional): false when no JS handler takes writeComplete, so
    // the reactor does not queue one per completed send only for JS to drop it.
    if (info.Length() > 1 && info[1].IsBoolean()) app->set_wants_write_complete(info[1].As<Napi::Boolean>().Value());
    // The real server: message bytes arrive as views into shared slabs (js_app.h).
    app->set_pooled_messages(pump_ != nullptr);
    // Messages handed to JS count against the budget until V8 is asked to collect them (js_app.h).
    if (pump_) app->set_budget(&host.budget());
  }
  host.SetHandlers(app.get());
  js_app_ = std::move(app);
  return info.Env().Undefined();
}

Napi::Value ServerWrap::Address(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), Live(info).address());
}

Napi::Value ServerWrap::RunOnce(const Napi::CallbackInfo& info) {
  ServerHost& host = Live(info);
  if (pump_) throw Napi::Error::New(info.Env(), "runOnce() on a real server: Node's event loop drives it");
  const int32_t timeout = Int32Arg(info, 0);
  // Handlers run inside; the host refuses a nested RunOnce (std::logic_error,
  // thrown as a JS Error).
  const int32_t n = Calling(info.Env(), [&] { return host.RunOnce(timeout); });
  return Napi::Number::New(info.Env(), n);
}

Napi::Value ServerWrap::Send(const Napi::CallbackInfo& info) {
  ServerHost& host = Live(info);
  RequireArgs(info, 2);
  const uint64_t conn = ConnArg(info, 0);
  const BytesView bytes = BytesArg(info, 1);
  const int32_t r = Calling(info.Env(), [&] { return host.Send(conn, bytes.data, bytes.size); });
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

Napi::Value ServerWrap::Stats(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), Live(info).Stats());
}

Napi::Value ServerWrap::SetProbe(const Napi::CallbackInfo& info) {
  ServerHost& host = Live(info);
  RequireArgs(info, 1);
  // A count of records; anything negative or not finite turns the probe off.
  const double from = NumberArg(info, 0).DoubleValue();
  host.SetProbe(std::isfinite(from) && from >= 0 ? static_cast<int64_t>(std::min(from, 9007199254740991.0)) : -1);
  return info.Env().Undefined();
}

Napi::Value ServerWrap::StopAccepting(const Napi::CallbackInfo& info) {
  ServerHost& host = Live(info);
  Calling(info.Env(), [&] {
    host.StopAccepting();
    return 0;
  });
  return info.Env().Undefined();
}

Napi::Value ServerWrap::ShutdownAll(const Napi::CallbackInfo& info) {
  ServerHost& host = Live(info);
  Calling(info.Env(), [&] {
    host.ShutdownAll();
    return 0;
  });
  return info.Env().Undefined();
}

Napi::Value ServerWrap::CloseAll(const Napi::CallbackInfo& info) {
  ServerHost& host = Live(info);
  RequireArgs(info, 2);
  const std::string reason = StringArg(info, 0);
  if (!info[1].IsBoolean()) throw Napi::TypeError::New(info.Env(), "argument 1 must be a boolean");
  const bool reset_unsent = info[1].As<Napi::Boolean>().Value();
  Calling(info.Env(), [&] {
    host.CloseAll(reason, reset_unsent);
    return 0;
  });
  return info.Env().Undefined();
}

Napi::Value ServerWrap::ShutdownQuiet(const Napi::CallbackInfo& info) {
  ServerHost& host = Live(info);
  RequireArgs(info, 1);
  const int32_t quiet_ms = Int32Arg(info, 0);
  if (quiet_ms < 0) throw Napi::RangeError::New(info.Env(), "argument 0 (quietMs) must be >= 0");
  Calling(info.Env(), [&] {
    host.ShutdownQuiet(quiet_ms);
    return 0;
  });
  return info.Env().Undefined();
}

Napi::Value ServerWrap::Writable(const Napi::CallbackInfo& info) {
  ServerHost& host = Live(info);
  RequireArgs(info, 1);
  return Napi::Number::New(info.Env(), host.Writable(ConnArg(info, 0)));
}

Napi::Value ServerWrap::InjectFault(const Napi::CallbackInfo& info) {
  ServerHost& host = Live(info);
  RequireArgs(info, 1);
  const std::string spec = StringArg(info, 0);
  // std::invalid_argument (a bad spec) and std::logic_error (a real server)
  // become a JS Error with their message. No handler runs: nothing fires yet.
  host.InjectFault(spec);
  return info.Env().Undefined();
}

Napi::Value ServerWrap::Dispose(const Napi::CallbackInfo& info) {
  Live(info);
  // The closes of what is still open happen without JS.
  if (js_app_) js_app_->set_enabled(false);
  if (pump_) {
    if (cleanup_hook_) {
      napi_remove_env_cleanup_hook(info.Env(), OnEnvCleanup, this);
      cleanup_hook_ = false;
    }
    pump_.reset();
    Unref();
  }
  if (depth_ > 0) {
    dispose_pending_ = true;  // from a handler: freed once the outermost call returns
  } else {
    Release();
  }
  return info.Env().Undefined();
}

}  // namespace edgeloop
