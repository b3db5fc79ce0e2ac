// PressureTrim: gives the memory a budget episode used back to the system.
// When clients that never read fill the memory budget and then leave, the
// output buffers they held are freed, but glibc keeps freed memory in its
// heaps (the brk heap and the thread arenas only shrink from the top): a JS
// echo sat 75 MiB over its idle size after 1,000 of them left. Once the
// budget, having been over half full, falls under a sixteenth, the server
// (Node's thread, after a pump) returns what its heaps hold free with
// malloc_trim(0), which releases free pages anywhere in every arena, not
// only the top. With JS handlers, the message bytes of the episode are freed
// only when V8 collects them: the server asks for that collection at the same
// time, and trims again a second and two seconds later (kFollowUps apart by
// kFollowUpMs), asking again each time: V8 frees an array buffer's memory
// only when a collection after the one that found it dead sweeps it.
// Nothing when the budget is off or on a libc without malloc_trim.
#pragma once

#include <chrono>
#include <cstdint>

#include "../reactor/memory_budget.h"

namespace edgeloop {

class PressureTrim {
 public:
  explicit PressureTrim(const MemoryBudget& budget) : budget_(budget) {}

  static constexpr int kFollowUps = 2;
  static constexpr uint64_t kFollowUpMs = 1000;

  // After each pump: whether to trim now (an episode just ended, or a
  // follow-up is due). The caller asks its JS runtime for a collection,
  // trims, and comes back in kFollowUpMs while follow_up_due().
  bool ShouldTrim();
  bool follow_up_due() const { return follow_ups_ > 0; }
  static void Trim();

 private:
  using Clock = std::chrono::steady_clock;
  const MemoryBudget& budget_;
  bool pressured_ = false;
  int follow_ups_ = 0;  // still due
  Clock::time_point follow_up_at_;
};

}  // namespace edgeloop
