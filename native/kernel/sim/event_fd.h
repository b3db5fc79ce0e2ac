// eventfd(0, EFD_NONBLOCK): a 64-bit counter, the reactor's cross-thread wakeup.
#pragma once

#include "file.h"

namespace edgeloop {

class EventFdFile final : public File {
 public:
  explicit EventFdFile(SimContext& ctx) : File(ctx, Kind::kEventFd) {}

  uint32_t Poll() override;
  SysResult Read(uint8_t* buf, size_t len) override;
  SysResult Write(const uint8_t* data, size_t len) override;
  void Describe(JsonWriter& json) const override;

 private:
  uint64_t count_ = 0;
};

}  // namespace edgeloop
