// Linux's epoll/poll bit values, as uint32 (EPOLLET is 1u << 31).
#pragma once

#include <cstdint>

namespace edgeloop {
namespace ev {

constexpr uint32_t kIn = 0x001;
constexpr uint32_t kPri = 0x002;
constexpr uint32_t kOut = 0x004;
constexpr uint32_t kErr = 0x008;
constexpr uint32_t kHup = 0x010;
constexpr uint32_t kRdNorm = 0x040;
constexpr uint32_t kRdBand = 0x080;
constexpr uint32_t kWrNorm = 0x100;
constexpr uint32_t kWrBand = 0x200;
constexpr uint32_t kMsg = 0x400;
constexpr uint32_t kRdHup = 0x2000;
constexpr uint32_t kExclusive = 1u << 28;
constexpr uint32_t kWakeup = 1u << 29;
constexpr uint32_t kOneShot = 1u << 30;
constexpr uint32_t kEt = 1u << 31;
// Bits that are flags of the registration, not events (fs/eventpoll.c EP_PRIVATE_BITS).
constexpr uint32_t kPrivateBits = kWakeup | kOneShot | kEt | kExclusive;

// EP_MAX_EVENTS: INT_MAX / sizeof(struct epoll_event) (12 bytes, packed on
// x86_64); epoll_wait answers EINVAL above it.
constexpr int32_t kMaxEvents = 0x7fffffff / 12;

// epoll_ctl operations, Linux numbering.
constexpr int32_t kCtlAdd = 1;
constexpr int32_t kCtlDel = 2;
constexpr int32_t kCtlMod = 3;

}  // namespace ev
}  // namespace edgeloop
