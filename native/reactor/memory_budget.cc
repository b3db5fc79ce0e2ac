#include "memory_budget.h"

namespace edgeloop {

void MemoryBudget::Recharge(size_t before, size_t after) {
  if (before == after) return;
  size_t now;
  if (after > before) {
    now = used_.fetch_add(after - before, std::memory_order_relaxed) + (after - before);
    size_t seen = peak_.load(std::memory_order_relaxed);
    while (now > seen && !peak_.compare_exchange_weak(seen, now, std::memory_order_relaxed)) {
    }
    // Every growth past the hard limit asks; the server keeps one trim queued at a time.
    if (enabled() && now >= hard_limit_ && over_limit_) over_limit_();
  } else {
    const size_t was = used_.fetch_sub(before - after, std::memory_order_relaxed);
    const size_t half = limit_ / 2;
    if (enabled() && was >= half && was - (before - after) < half && paused_now_.load(std::memory_order_relaxed) > 0 && relaxed_) {
      relaxed_();
    }
  }
}

}  // namespace edgeloop
