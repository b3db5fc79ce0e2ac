#include "handler_app.h"

#include <vector>

#include "../reactor/buffer.h"
#include "../reactor/tcp_connection.h"

namespace edgeloop {

namespace {

HandlerApp::Arg NumberArg(double value) {
  HandlerApp::Arg arg;
  arg.kind = HandlerApp::Arg::Kind::kNumber;
  arg.number = value;
  return arg;
}

}  // namespace

bool HandlerApp::Emit(const char* type, const TcpConnectionPtr& conn, const Arg& arg) {
  if (enabled_ && !Call(type, conn->id(), arg) && conn->state() != TcpConnection::State::kDisconnected) {
    conn->ForceClose(reason::kHandlerError);
  }
  return conn->state() != TcpConnection::State::kDisconnected;
}

void HandlerApp::OnConnection(const TcpConnectionPtr& conn) {
  if (Emit("connection", conn, NumberArg(conn->fd())) && inner_) inner_->OnConnection(conn);
}

void HandlerApp::OnMessage(const TcpConnectionPtr& conn, Buffer& input) {
  const size_t n = input.ReadableBytes();
  if (inner_) {
    if (Emit("message", conn, NumberArg(static_cast<double>(n)))) inner_->OnMessage(conn, input);
    return;
  }
  // Consumed first: while the handler runs, the reactor holds none of it
  // (a snapshot from the handler shows an empty input buffer).
  std::vector<uint8_t> bytes(input.Peek(), input.Peek() + n);
  input.RetrieveAll();
  Arg arg;
  arg.kind = Arg::Kind::kBytes;
  arg.data = bytes.data();
  arg.size = bytes.size();
  Emit("message", conn, arg);
}

void HandlerApp::OnWriteComplete(const TcpConnectionPtr& conn) {
  if (Emit("writeComplete", conn, Arg()) && inner_) inner_->OnWriteComplete(conn);
}

void HandlerApp::OnHighWaterMark(const TcpConnectionPtr& conn, size_t queued) {
  if (Emit("highWaterMark", conn, NumberArg(static_cast<double>(queued))) && inner_) {
    inner_->OnHighWaterMark(conn, queued);
  }
}

void HandlerApp::OnClose(const TcpConnectionPtr& conn, const std::string& reason) {
  Arg arg;
  arg.kind = Arg::Kind::kString;
  arg.data = reinterpret_cast<const uint8_t*>(reason.data());
  arg.size = reason.size();
  Emit("close", conn, arg);  // already closed: a failure has nothing left to close
  if (inner_) inner_->OnClose(conn, reason);
}

void HandlerApp::OnDropped() {
  if (enabled_) Call("dropped", 0, Arg());  // no connection to close on failure
}

void HandlerApp::OnRefused() {
  if (enabled_) Call("refused", 0, Arg());
}

void HandlerApp::OnAborted() {
  if (enabled_) Call("aborted", 0, Arg());
}

void HandlerApp::OnProbe() {
  if (enabled_) Call("probe", 0, Arg());
}

}  // namespace edgeloop
