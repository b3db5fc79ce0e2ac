// Socket addresses as the API spells them: "A.B.C.D:PORT" for tcp over IPv4,
// "[IPV6]:PORT" for tcp over IPv6 (any address: which ones a kernel accepts
// is its own business, as with bind(2)), and "@name" for an abstract AF_UNIX
// name. The text forms are inet_pton's and inet_ntop's, done here in plain
// C++: the simulated kernel is compiled to wasm too and must not call the OS.
#pragma once

#include <cstdint>
#include <string>

#include "kernel.h"

namespace edgeloop {

struct SockAddr {
  Family family = Family::kUnix;
  bool v6 = false;       // tcp: an IPv6 address (ip6), else IPv4 (ip)
  uint32_t ip = 0;       // IPv4, host byte order
  uint8_t ip6[16] = {};  // IPv6, network byte order (as in struct in6_addr)
  uint16_t port = 0;     // tcp; 0 = ephemeral
  std::string name;      // unix abstract name, without the '@'

  // "A.B.C.D:PORT", "[IPV6]:PORT" (inet_ntop's form) or "@name".
  std::string ToString() const;
};

// False when `text` is not one of the three forms.
bool ParseSockAddr(const std::string& text, SockAddr* out);

// inet_pton(AF_INET): exactly four decimal parts of 1 to 3 digits, each at
// most 255, no leading zeros. *out in host byte order.
bool ParseIpv4(const std::string& text, uint32_t* out);
// inet_pton(AF_INET6): up to eight groups of 1 to 4 hex digits, one "::" for
// a run of zero groups, an optional dotted IPv4 tail. No zone ("%eth0").
bool ParseIpv6(const std::string& text, uint8_t out[16]);
std::string FormatIpv4(uint32_t ip);
// inet_ntop(AF_INET6) as glibc writes it (RFC 5952's shape: lower case, the
// longest run of two or more zero groups as "::", an IPv4 tail for
// IPv4-mapped and IPv4-compatible addresses).
std::string FormatIpv6(const uint8_t ip6[16]);

}  // namespace edgeloop
