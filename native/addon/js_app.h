// JsApp: HandlerApp (native/host/handler_app.h) for N-API, shared by the
// real server and the simulation on the addon (both ServerWrap):
// each reactor callback is one synchronous call of a JS function on Node's
// thread, from inside the reactor iteration:
//   onEvent('connection', id, fd)   onEvent('message', id, Uint8Array)
//   onEvent('writeComplete', id)   onEvent('highWaterMark', id, bytes)
//   onEvent('close', id, reason)   onEvent('dropped', 0)   onEvent('refused', 0)
//   onEvent('aborted', 0)
// (with an inner built-in app, 'message' carries the byte count).
//
// The JS side (src/server/server.ts, src/simulation/simulation.ts) catches
// what handlers throw; an error that still gets here is caught, kept for the
// embedder (TakeError) and closes its connection; it never unwinds through
// reactor frames.
#pragma once

#include <napi.h>

#include "../host/handler_app.h"
#include "../reactor/memory_budget.h"

namespace edgeloop {

class JsApp final : public HandlerApp {
 public:
  JsApp(Napi::Env env, Napi::Function on_event, App* inner = nullptr);

  // The first exception a call let through since the last take, or an empty value.
  Napi::Value TakeError();

  // Off: writeComplete is never delivered (no handler takes it), and the
  // reactor queues nothing for it. On by default.
  void set_wants_write_complete(bool on) { wants_write_complete_ = on; }
  bool WantsWriteComplete() const override { return wants_write_complete_; }

  // On (the real server): small messages are copied into a shared slab and
  // handed over as Uint8Array views of it, as Node's Buffer pool does, not
  // as an ArrayBuffer each (a zero-filled allocation per message: 15% of a
  // JS echo's CPU at 4 KiB). Off (the simulation): each message owns its
  // ArrayBuffer, as in the wasm engine.
  void set_pooled_messages(bool on) { pooled_ = on; }

  // The real server's memory budget, or null. Message bytes handed to JS are
  // garbage once the handler is done with them (an echo copies them into
  // send_buf_), but V8 starts collecting them only after its external memory
  // has grown by 64 MiB since its last collection: that alone can double
  // the growth a 64 MiB budget allows. With a budget under pressure (over
  // half of it buffered), the bytes handed over since the last collection
  // was asked for count against it: when they and the buffered output reach
  // the budget's pause point, V8 is told (its external-memory report, raised
  // and lowered again), and starts one. Measured (bench nonreaders, 300
  // non-readers, JS echo): the server's growth 86-90 MiB with, 106-110 without.
  void set_budget(const MemoryBudget* budget) { budget_ = budget; }
  // Asks V8 for a collection now (the same way).
  void AskCollection();

 protected:
  bool Call(const char* type, uint64_t conn, const Arg& arg) override;

 private:
  Napi::Env env_;
  Napi::FunctionReference on_event_;
  Napi::Reference<Napi::Value> error_;
  bool wants_write_complete_ = true;
  bool pooled_ = false;
  Napi::Reference<Napi::ArrayBuffer> slab_;  // the slab being filled; views keep older ones alive
  uint8_t* slab_data_ = nullptr;
  size_t slab_used_ = 0;
  const MemoryBudget* budget_ = nullptr;
  size_t handed_since_ask_ = 0;  // message bytes given to JS since the last ask

  void CountHandedBytes(size_t n);
};

}  // namespace edgeloop
