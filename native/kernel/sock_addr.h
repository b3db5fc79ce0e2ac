// Socket addresses as the API spells them: "127.0.0.1:PORT" for tcp and
// "@name" for an abstract AF_UNIX name. Only loopback IPv4 is accepted: the
// project never talks to another host.
#pragma once

#include <cstdint>
#include <string>

#include "kernel.h"

namespace edgeloop {

struct SockAddr {
  Family family = Family::kUnix;
  uint32_t ip = 0;      // host byte order (tcp)
  uint16_t port = 0;    // tcp; 0 = ephemeral
  std::string name;     // unix abstract name, without the '@'

  std::string ToString() const;
};

// False when `text` is not one of the two forms, or names a non-loopback IP.
bool ParseSockAddr(const std::string& text, SockAddr* out);

}  // namespace edgeloop
