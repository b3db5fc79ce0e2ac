// TraceLog: the records a TracingKernel (and whoever embeds the reactor)
// appends, kept as one JSON array text until drained. Text, not objects, so
// the native and wasm builds hand over byte-identical data and the binding
// only moves a string. Guarded: sub-reactor threads share one log.
#pragma once

#include <cstddef>
#include <functional>
#include <limits>
#include <mutex>
#include <string>
#include <string_view>

namespace edgeloop {

class TraceLog {
 public:
  // `object` is one complete JSON object. The probe's moment comes first:
  // the state then is the state up to this record.
  void Append(std::string_view object) {
    Probe();
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

  // The per-record probe: `probe` is called before each record is appended
  // and at the start of each traced call (TracingKernel), once `from` or
  // more records wait undrained: a moment when the state is the state up to
  // the last record appended, the reactor done with it and with whatever it
  // did before the next one (what the simulation's watch looks at,
  // src/simulation/simulation.ts). Set once; set_probe_from moves the
  // threshold (kProbeOff: never). Called on the thread that appends, with
  // no lock held: the probe may drain.
  static constexpr size_t kProbeOff = std::numeric_limits<size_t>::max();
  void set_probe(std::function<void()> probe) { probe_ = std::move(probe); }
  void set_probe_from(size_t from) { probe_from_ = from; }
  void Probe() {
    if (probe_from_ == kProbeOff || !probe_ || probing_) return;
    if (pending() < probe_from_) return;
    probing_ = true;
    probe_();
    probing_ = false;
  }

  // Held by a traced call that opens or closes an fd, across the call and
  // its record (TracingKernel). With sub-reactor threads, one loop's close
  // and another's accept may get and give the same fd number; a record is
  // appended after its call returns, so without this the accept's record
  // could come first and the close's record then name the new socket (the
  // trace names fds by number, in record order: src/server/server-trace.ts).
  std::unique_lock<std::mutex> FdOrder() { return std::unique_lock<std::mutex>(fd_order_); }

  void set_enabled(bool on) {
    std::lock_guard<std::mutex> lock(mu_);
    enabled_ = on;
  }

 private:
  std::mutex mu_;
  std::mutex fd_order_;
  std::string text_;
  size_t count_ = 0;
  bool enabled_ = true;
  std::function<void()> probe_;
  size_t probe_from_ = kProbeOff;
  bool probing_ = false;
};

}  // namespace edgeloop
