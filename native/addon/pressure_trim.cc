#include "pressure_trim.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace edgeloop {

bool PressureTrim::ShouldTrim() {
  if (!budget_.enabled()) return false;
  const size_t used = budget_.used();
  if (used >= budget_.limit() / 2) {
    pressured_ = true;
    follow_ups_ = 0;
    return false;
  }
  if (pressured_ && used < budget_.limit() / 16) {
    pressured_ = false;
    follow_ups_ = kFollowUps;
    follow_up_at_ = Clock::now() + std::chrono::milliseconds(kFollowUpMs);
    return true;
  }
  if (follow_ups_ > 0 && Clock::now() >= follow_up_at_) {
    --follow_ups_;
    follow_up_at_ = Clock::now() + std::chrono::milliseconds(kFollowUpMs);
    return true;
  }
  return false;
}

void PressureTrim::Trim() {
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

}  // namespace edgeloop
