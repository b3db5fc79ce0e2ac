// echo: every byte read is sent back.
#pragma once

#include "../buffer.h"
#include "../callbacks.h"
#include "../tcp_connection.h"

namespace edgeloop {

class EchoApp final : public App {
 public:
  void OnConnection(const TcpConnectionPtr&) override {}
  void OnMessage(const TcpConnectionPtr& conn, Buffer& input) override {
    conn->Send(input.Peek(), input.ReadableBytes());
    input.RetrieveAll();
  }
  bool WantsWriteComplete() const override { return false; }
};

}  // namespace edgeloop
