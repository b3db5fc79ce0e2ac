// AppRecorder: the App decorator every host puts in front of its app (a
// built-in one, or the embedder's handlers). It writes every app event into
// the trace (actor "app", in the same log as the reactor's syscalls, so the
// trace shows what the app was told and when) and counts what the stats
// report (closes by reason, high-water crossings, the largest send_buf_ a
// connection reached), then passes the event on.
//
// Records: {"t":T,"actor":"app","call":"message","fd":5,"args":{"conn":1,"length":5}}
//   calls: connection (args.fd), message (args.length), writeComplete,
//   highWaterMark (args.bytes), close (args.reason; no "fd" once closed).
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

class AppRecorder final : public App {
 public:
  // `inner` may be null (app "js" with no handlers yet): messages are then
  // consumed and dropped. `trace` null: no records. `clock` gives their times.
  AppRecorder(App* inner, ServerCounters& counters, TraceLog* trace, Kernel& clock);

  // Not while the reactor runs.
  void set_inner(App* inner) { inner_ = inner; }

  void OnConnection(const TcpConnectionPtr& conn) override;
  void OnMessage(const TcpConnectionPtr& conn, Buffer& input) override;
  void OnWriteComplete(const TcpConnectionPtr& conn) override;
  void OnHighWaterMark(const TcpConnectionPtr& conn, size_t queued) override;
  void OnMemoryBudget(const TcpConnectionPtr& conn, size_t used, BudgetAction action) override;
  void OnClose(const TcpConnectionPtr& conn, const std::string& reason) override;
  // Only to record it, or for an inner app that wants it.
  bool WantsWriteComplete() const override { return trace_ != nullptr || (inner_ && inner_->WantsWriteComplete()); }

  // After the embedder sent on `conn` itself (handlers): its output may have grown.
  void NoteOutput(const TcpConnectionPtr& conn);

 private:
  // `extra` is the tail of the args object (",\"k\":v" pairs).
  void Record(const char* call, const TcpConnectionPtr& conn, const std::string& extra);

  App* inner_;
  ServerCounters& counters_;
  TraceLog* trace_;  // null: not tracing
  Kernel& clock_;
};

}  // namespace edgeloop
