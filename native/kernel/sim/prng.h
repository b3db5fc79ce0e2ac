// The simulation's only source of randomness: SplitMix64, seeded, identical
// on every target. Draw from it only where Linux itself is random (ephemeral
// ports, autobind names), and later for seeded fault injection.
#pragma once

#include <cstdint>

namespace edgeloop {

class Prng {
 public:
  explicit Prng(uint64_t seed) : state_(seed) {}

  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }

  // Uniform in [lo, hi], both inclusive.
  uint32_t Range(uint32_t lo, uint32_t hi) {
    return lo + static_cast<uint32_t>(Next() % (static_cast<uint64_t>(hi) - lo + 1));
  }

  uint64_t state() const { return state_; }

 private:
  uint64_t state_;
};

}  // namespace edgeloop
