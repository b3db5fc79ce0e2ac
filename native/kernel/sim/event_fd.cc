#include "event_fd.h"

namespace edgeloop {

namespace {
constexpr uint64_t kMax = ~0ull;
}  // namespace

uint32_t EventFdFile::Poll() {
  uint32_t mask = 0;
  if (count_ > 0) mask |= ev::kIn;
  if (count_ == kMax) mask |= ev::kErr;
  if (kMax - 1 > count_) mask |= ev::kOut;
  return mask;
}

SysResult EventFdFile::Read(uint8_t* buf, size_t len) {
  if (len < 8) return SysResult::Fail(err::kEINVAL);
  if (count_ == 0) return SysResult::Fail(err::kEAGAIN);
  uint64_t value = count_;
  count_ = 0;
  for (int i = 0; i < 8; ++i) buf[i] = static_cast<uint8_t>(value >> (8 * i));
  wait_queue().Wake(ev::kOut);
  return SysResult::Ok(8);
}

SysResult EventFdFile::Write(const uint8_t* data, size_t len) {
  // Linux 6.18 wants exactly one u64 per write.
  if (len != 8) return SysResult::Fail(err::kEINVAL);
  uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value |= static_cast<uint64_t>(data[i]) << (8 * i);
  if (value == kMax) return SysResult::Fail(err::kEINVAL);
  if (kMax - count_ <= value) return SysResult::Fail(err::kEAGAIN);
  count_ += value;
  wait_queue().Wake(ev::kIn);
  return SysResult::Ok(8);
}

void EventFdFile::Describe(JsonWriter& json) const {
  json.FieldString("type", "eventfd");
  json.Key("count");
  json.String(std::to_string(count_));
}

}  // namespace edgeloop
