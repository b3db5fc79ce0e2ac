#include "app_recorder.h"

#include "../../kernel/sim/json_writer.h"
#include "../buffer.h"
#include "../tcp_connection.h"

namespace edgeloop {

namespace {
std::string Quoted(const std::string& s) {
  JsonWriter json;
  json.String(s);
  return json.str();
}
}  // namespace

AppRecorder::AppRecorder(App* inner, TraceLog* trace, Kernel& clock)
    : inner_(inner), trace_(trace), clock_(clock) {}

void AppRecorder::Report(const char* type, const TcpConnectionPtr& conn, const std::string& extra) {
  if (trace_) {
    // No fd once closed: the number may already belong to something else.
    const std::string fd = conn->state() == TcpConnection::State::kDisconnected
                               ? std::string()
                               : ",\"fd\":" + std::to_string(conn->fd());
    trace_->Append("{\"t\":" + std::to_string(clock_.NowMs()) + ",\"actor\":\"app\",\"call\":\"" + type + "\"" +
                   fd + ",\"args\":{\"conn\":" + std::to_string(conn->id()) + extra + "}}");
  }
}

void AppRecorder::OnConnection(const TcpConnectionPtr& conn) {
  Report("connection", conn, ",\"fd\":" + std::to_string(conn->fd()));
  if (inner_) inner_->OnConnection(conn);
}

void AppRecorder::OnMessage(const TcpConnectionPtr& conn, Buffer& input) {
  const size_t n = input.ReadableBytes();
  Report("message", conn, ",\"length\":" + std::to_string(n));
  if (inner_) {
    inner_->OnMessage(conn, input);
  } else {
    input.RetrieveAll();
  }
}

void AppRecorder::OnWriteComplete(const TcpConnectionPtr& conn) {
  Report("writeComplete", conn, "");
  if (inner_) inner_->OnWriteComplete(conn);
}

void AppRecorder::OnHighWaterMark(const TcpConnectionPtr& conn, size_t queued) {
  Report("highWaterMark", conn, ",\"bytes\":" + std::to_string(queued));
  if (inner_) inner_->OnHighWaterMark(conn, queued);
}

void AppRecorder::OnClose(const TcpConnectionPtr& conn, const std::string& reason) {
  Report("close", conn, ",\"reason\":" + Quoted(reason));
  if (inner_) inner_->OnClose(conn, reason);
}

}  // namespace edgeloop
