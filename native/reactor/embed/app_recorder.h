// AppRecorder: an App decorator that writes every app event into the trace
// (actor "app", in the same log as the reactor's syscalls, so the trace shows
// what the app was told and when) before passing it on to the inner app: a
// built-in one, or the embedder's (HandlerApp: JS handlers, or the
// simulation's bookkeeping in front of a built-in app).
//
// Records: {"t":T,"actor":"app","call":"message","fd":5,"args":{"conn":1,"length":5}}
//   calls: connection (args.fd), message (args.length), writeComplete,
//   highWaterMark (args.bytes), close (args.reason; no "fd" once closed).
#pragma once

#include <cstdint>
#include <string>

#include "../../kernel/kernel.h"
#include "../../kernel/trace_log.h"
#include "../callbacks.h"

namespace edgeloop {

class AppRecorder final : public App {
 public:
  // `inner` may be null (app "js" with no handlers yet): messages are then
  // consumed and dropped. `trace` null: no records.
  AppRecorder(App* inner, TraceLog* trace, Kernel& clock);

  void set_inner(App* inner) { inner_ = inner; }

  void OnConnection(const TcpConnectionPtr& conn) override;
  void OnMessage(const TcpConnectionPtr& conn, Buffer& input) override;
  void OnWriteComplete(const TcpConnectionPtr& conn) override;
  void OnHighWaterMark(const TcpConnectionPtr& conn, size_t queued) override;
  void OnClose(const TcpConnectionPtr& conn, const std::string& reason) override;

 private:
  // `extra` is the tail of the args object (",\"k\":v" pairs).
  void Report(const char* type, const TcpConnectionPtr& conn, const std::string& extra);

  App* inner_;
  TraceLog* trace_;  // null: not tracing
  Kernel& clock_;
};

}  // namespace edgeloop
