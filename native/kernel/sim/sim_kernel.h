// SimKernel: a deterministic, Linux-faithful kernel (placeholder declaration;
// the implementation lives in sim_kernel.cc).
#pragma once

#include <cstdint>
#include <memory>

#include "../kernel.h"

namespace edgeloop {

std::unique_ptr<Kernel> CreateSimKernel(uint32_t seed);
// The simulated kernel's state as JSON (fd table, sockets, epoll lists).
std::string InspectSimKernel(const Kernel& kernel);

}  // namespace edgeloop
