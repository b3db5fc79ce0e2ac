// StatsApp: the App decorator every real server puts in front of its app (a
// built-in one, or the recorder that hands events to JS handlers). It counts
// connections, closes by reason, high-water crossings and the largest
// send_buf_ a connection reached, and it writes the app records of the
// trace, in the same shape as AppRecorder's (embed/app_recorder.h), so a real
// server's trace reads like the simulation's:
//   {"t":T,"actor":"app","call":"message","fd":5,"args":{"conn":1,"length":5}}
//
// Thread-safe: sub-reactors call it concurrently (counters are atomics, the
// trace log locks), and the apps behind it keep no per-connection state.
#pragma once

#include <cstdint>
#include <string>

#include "../kernel/kernel.h"
#include "../kernel/trace_log.h"
#include "../reactor/callbacks.h"
#include "server_counters.h"

namespace edgeloop {

class StatsApp final : public App {
 public:
  // `trace` null: no app records. `clock` gives the records' times.
  StatsApp(App* inner, ServerCounters& counters, TraceLog* trace, Kernel& clock);

  void OnConnection(const TcpConnectionPtr& conn) override;
  void OnMessage(const TcpConnectionPtr& conn, Buffer& input) override;
  void OnWriteComplete(const TcpConnectionPtr& conn) override;
  void OnHighWaterMark(const TcpConnectionPtr& conn, size_t queued) override;
  void OnClose(const TcpConnectionPtr& conn, const std::string& reason) override;
  // Only to record it, or for an inner app that wants it.
  bool WantsWriteComplete() const override { return trace_ != nullptr || (inner_ && inner_->WantsWriteComplete()); }

  // After the embedder sent on `conn` itself (JS handlers): its output may have grown.
  void NoteOutput(const TcpConnectionPtr& conn);

 private:
  void Record(const char* call, const TcpConnectionPtr& conn, const std::string& extra);

  App* inner_;
  ServerCounters& counters_;
  TraceLog* trace_;
  Kernel& clock_;
};

}  // namespace edgeloop
