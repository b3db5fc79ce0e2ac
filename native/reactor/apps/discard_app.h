// discard: reads everything, answers nothing (RFC 863).
#pragma once

#include "../buffer.h"
#include "../callbacks.h"

namespace edgeloop {

class DiscardApp final : public App {
 public:
  void OnConnection(const TcpConnectionPtr&) override {}
  void OnMessage(const TcpConnectionPtr&, Buffer& input) override { input.RetrieveAll(); }
  bool WantsWriteComplete() const override { return false; }
};

}  // namespace edgeloop
