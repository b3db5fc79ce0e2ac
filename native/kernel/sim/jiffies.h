// The sim's jiffies and the timer wheel that fires TCP's timers on them
// (kernel/time/timer.c). HZ=250 on the reference machine: a jiffy is 4 ms,
// and the sim's jiffies tick at multiples of 4 virtual ms from time 0 (the
// random tester counts Linux's time from the jiffy boundary before a
// program began, so a replay's jiffies fall where that run's did). A timer
// armed for `jiffies + n` sits in the wheel's level 0 (every TCP timeout
// here is under 64 jiffies), and calc_index rounds its expiry up by one
// tick so that it never fires early: it fires at the boundary of jiffy
// `now + n + 1`, so 4n + 1 to 4n + 4 ms after it was armed.
#pragma once

#include <cstdint>

namespace edgeloop {

constexpr int64_t kJiffyMs = 4;               // HZ = 250
constexpr int64_t kWheelRoundJiffies = 1;     // calc_index: expires + 1 at level 0

inline int64_t JiffiesAt(int64_t ms) { return ms / kJiffyMs; }

// When a timer whose expiry is jiffy `expires` fires, in virtual ms.
inline int64_t TimerFiresAtMs(int64_t expires) { return (expires + kWheelRoundJiffies) * kJiffyMs; }

}  // namespace edgeloop
