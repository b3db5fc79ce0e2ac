// What the wasm SimServer needs from the SimKernel object it is built on:
// the kernel, shared, so the server keeps it alive past the kernel's
// dispose(). SimKernelBinding implements it; embind passes a SimKernel JS
// object where a KernelOwner& is expected (registered as its base).
#pragma once

#include <memory>

#include "../native/kernel/kernel.h"

namespace edgeloop {

class KernelOwner {
 public:
  virtual ~KernelOwner() = default;
  // nullptr once the owner was disposed.
  virtual std::shared_ptr<Kernel> SharedKernel() = 0;
};

}  // namespace edgeloop
