#include "app_recorder.h"

#include "../reactor/buffer.h"
#include "../reactor/tcp_connection.h"
#include "../util/json_writer.h"

namespace edgeloop {

AppRecorder::AppRecorder(App* inner, ServerCounters& counters, TraceLog* trace, Kernel& clock)
    : inner_(inner), counters_(counters), trace_(trace), clock_(clock) {}

// Callers test trace_ first: without a trace, no record's text is built (a
// message's to_string and concatenations cost as much as an echo's bookkeeping).
void AppRecorder::Record(const char* call, const TcpConnectionPtr& conn, const std::string& extra) {
  if (!trace_) return;
  // No fd once closed: the number may already belong to something else.
  const std::string fd = conn->state() == TcpConnection::State::kDisconnected
                             ? std::string()
                             : ",\"fd\":" + std::to_string(conn->fd());
  trace_->Append("{\"t\":" + std::to_string(clock_.NowMs()) + ",\"actor\":\"app\",\"call\":\"" + call + "\"" + fd +
                 ",\"args\":{\"conn\":" + std::to_string(conn->id()) + extra + "}}");
}

void AppRecorder::NoteOutput(const TcpConnectionPtr& conn) { counters_.NotePeak(conn->OutputBytes()); }

void AppRecorder::OnConnection(const TcpConnectionPtr& conn) {
  if (trace_) Record("connection", conn, ",\"fd\":" + std::to_string(conn->fd()));
  if (inner_) inner_->OnConnection(conn);
  NoteOutput(conn);
}

void AppRecorder::OnMessage(const TcpConnectionPtr& conn, Buffer& input) {
  if (trace_) Record("message", conn, ",\"length\":" + std::to_string(input.ReadableBytes()));
  if (inner_) {
    inner_->OnMessage(conn, input);
  } else {
    input.RetrieveAll();
  }
  NoteOutput(conn);
}

void AppRecorder::OnWriteComplete(const TcpConnectionPtr& conn) {
  if (trace_) Record("writeComplete", conn, "");
  if (inner_) inner_->OnWriteComplete(conn);
  NoteOutput(conn);
}

void AppRecorder::OnHighWaterMark(const TcpConnectionPtr& conn, size_t queued) {
  ++counters_.high_water;
  counters_.NotePeak(queued);
  if (trace_) Record("highWaterMark", conn, ",\"bytes\":" + std::to_string(queued));
  if (inner_) inner_->OnHighWaterMark(conn, queued);
}

void AppRecorder::OnMemoryBudget(const TcpConnectionPtr& conn, size_t used, BudgetAction action) {
  const char* what = action == BudgetAction::kPause ? "pause-reading" : "reset";
  if (trace_) Record("memoryBudget", conn, ",\"bytes\":" + std::to_string(used) + ",\"action\":\"" + what + "\"");
  if (inner_) inner_->OnMemoryBudget(conn, used, action);
}

void AppRecorder::OnClose(const TcpConnectionPtr& conn, const std::string& reason) {
  counters_.NoteClose(reason);
  if (trace_) {
    JsonWriter quoted;
    quoted.String(reason);
    Record("close", conn, ",\"reason\":" + quoted.str());
  }
  if (inner_) inner_->OnClose(conn, reason);
}

}  // namespace edgeloop
