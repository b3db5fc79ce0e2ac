#include "js_app.h"

#include <cstring>
#include <string>

namespace edgeloop {

namespace {
// Pooled messages (set_pooled_messages): up to 8 KiB each, in 64 KiB slabs, so
// a message a handler keeps pins at most 64 KiB (Node's pool: 4 KiB in 8 KiB).
constexpr size_t kSlab = size_t{64} << 10;
constexpr size_t kPooledMax = size_t{8} << 10;
// What the external-memory report is raised by to start a collection: V8's
// own trigger is 64 MiB over what its last collection left (V8's
// kExternalAllocationSoftLimit), so this passes it whatever is outstanding.
constexpr int64_t kAskBy = int64_t{64} << 20;
}  // namespace

void JsApp::CountHandedBytes(size_t n) {
  if (!budget_ || !budget_->enabled()) return;
  handed_since_ask_ += n;
  // Asks come at least a sixteenth of the budget apart, so a server at its
  // pause point (whose connections still pass data into the kernel) asks
  // every 4 MiB handed at a 64 MiB budget, not on every message.
  // Only under pressure (over half the budget): otherwise V8's own young-
  // generation collections keep up, and a full collection per budget's
  // worth of traffic would cost a busy echo its throughput.
  if (budget_->Relaxed() || handed_since_ask_ < budget_->limit() / 16 ||
      handed_since_ask_ + budget_->used() < budget_->pause_at()) {
    return;
  }
  AskCollection();
}

void JsApp::AskCollection() {
  handed_since_ask_ = 0;
  Napi::MemoryManagement::AdjustExternalMemory(env_, kAskBy);
  Napi::MemoryManagement::AdjustExternalMemory(env_, -kAskBy);
}

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
        CountHandedBytes(arg.size);
        // A slab's bytes are only ever appended to, so a view handed out
        // never changes under its holder.
        if (pooled_ && arg.size > 0 && arg.size <= kPooledMax) {
          if (slab_.IsEmpty() || kSlab - slab_used_ < arg.size) {
            Napi::ArrayBuffer fresh = Napi::ArrayBuffer::New(env_, kSlab);
            slab_ = Napi::Reference<Napi::ArrayBuffer>::New(fresh, 1);
            slab_data_ = static_cast<uint8_t*>(fresh.Data());
            slab_used_ = 0;
          }
          std::memcpy(slab_data_ + slab_used_, arg.data, arg.size);
          value = Napi::Uint8Array::New(env_, arg.size, slab_.Value(), slab_used_);
          slab_used_ += (arg.size + 7) & ~size_t{7};
          break;
        }
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
