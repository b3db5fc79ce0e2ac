// TraceLog: the records a TracingKernel (and whoever embeds the reactor)
// appends, kept as one JSON array text until drained. Text, not objects, so
// the native and wasm builds hand over byte-identical data and the binding
// only moves a string. Guarded: sub-reactor threads share one log.
#pragma once

#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>

namespace edgeloop {

class TraceLog {
 public:
  // `object` is one complete JSON object.
  void Append(std::string_view object) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!enabled_) return;
    // ",\n" between records: still a JSON array, and a reader can cut it
    // into records without parsing it (src/trace.ts ingestNativeText; a
    // record's strings escape their newlines).
    if (count_ > 0) text_.append(",\n", 2);
    text_.append(object.data(), object.size());
    ++count_;
  }

  // "[...]" of everything appended since the last drain, one record per line.
  std::string Drain() {
    std::lock_guard<std::mutex> lock(mu_);
    std::string out;
    out.reserve(text_.size() + 2);
    out += '[';
    out += text_;
    out += ']';
    text_.clear();
    count_ = 0;
    return out;
  }

  // Records appended since the last drain.
  size_t pending() {
    std::lock_guard<std::mutex> lock(mu_);
    return count_;
  }

  void set_enabled(bool on) {
    std::lock_guard<std::mutex> lock(mu_);
    enabled_ = on;
  }

 private:
  std::mutex mu_;
  std::string text_;
  size_t count_ = 0;
  bool enabled_ = true;
};

}  // namespace edgeloop
