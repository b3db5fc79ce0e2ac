// AppRecorder: an App decorator that reports every app event twice before
// passing it on: as a trace record (actor "app", in the same log as the
// reactor's syscalls, so the trace shows what the app was told and when)
// and as an event for the embedder (JS handlers, the simulation's
// bookkeeping). With no inner app (JS handlers) it also hands the message
// bytes over and consumes them.
//
// Event objects: {"type":"connection","conn":1,"fd":5}
//   {"type":"message","conn":1,"length":5}          (bytes in the byte stream, in order)
//   {"type":"writeComplete","conn":1}  {"type":"highWaterMark","conn":1,"bytes":N}
//   {"type":"close","conn":1,"reason":"peer-closed"}
//   {"type":"dropped"}   (accepted and closed at once for lack of fds: no connection)
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "../../kernel/kernel.h"
#include "../../kernel/trace_log.h"
#include "../callbacks.h"

namespace edgeloop {

class AppRecorder final : public App {
 public:
  // `inner` may be null: then message bytes are captured for the embedder.
  AppRecorder(App* inner, TraceLog* trace, Kernel& clock);

  void OnConnection(const TcpConnectionPtr& conn) override;
  void OnMessage(const TcpConnectionPtr& conn, Buffer& input) override;
  void OnWriteComplete(const TcpConnectionPtr& conn) override;
  void OnHighWaterMark(const TcpConnectionPtr& conn, size_t queued) override;
  void OnClose(const TcpConnectionPtr& conn, const std::string& reason) override;

  // Not an App callback: the connection never reached the app.
  void RecordDropped();

  // "[...]" of the events since the last drain.
  std::string DrainEvents();
  // The captured message bytes since the last drain, in event order.
  std::vector<uint8_t> DrainBytes();

 private:
  // `extra` is the tail of the args object and of the event (",\"k\":v" pairs).
  void Report(const char* type, const TcpConnectionPtr& conn, const std::string& extra);
  void AddEvent(const std::string& object);

  App* inner_;
  TraceLog* trace_;  // null: not tracing
  Kernel& clock_;
  std::string events_;
  size_t event_count_ = 0;
  std::vector<uint8_t> bytes_;
};

}  // namespace edgeloop
