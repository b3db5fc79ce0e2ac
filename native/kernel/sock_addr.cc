#include "sock_addr.h"

namespace edgeloop {

namespace {

// Parses a decimal number of at most `max_digits` digits into [0, limit].
bool ParseNumber(const std::string& s, size_t* pos, uint32_t limit, uint32_t* out) {
  size_t start = *pos;
  uint64_t v = 0;
  while (*pos < s.size() && s[*pos] >= '0' && s[*pos] <= '9' && *pos - start < 6) {
    v = v * 10 + static_cast<uint64_t>(s[*pos] - '0');
    ++*pos;
  }
  if (*pos == start || v > limit) return false;
  *out = static_cast<uint32_t>(v);
  return true;
}

}  // namespace

std::string SockAddr::ToString() const {
  if (family == Family::kUnix) return name.empty() ? std::string() : "@" + name;
  return std::to_string(ip >> 24) + "." + std::to_string((ip >> 16) & 0xff) + "." +
         std::to_string((ip >> 8) & 0xff) + "." + std::to_string(ip & 0xff) + ":" +
         std::to_string(port);
}

bool ParseSockAddr(const std::string& text, SockAddr* out) {
  if (!text.empty() && text[0] == '@') {
    // Linux allows 107 bytes after the leading NUL of an abstract name.
    if (text.size() < 2 || text.size() > 108) return false;
    out->family = Family::kUnix;
    out->name = text.substr(1);
    out->ip = 0;
    out->port = 0;
    return true;
  }
  size_t pos = 0;
  uint32_t ip = 0;
  for (int i = 0; i < 4; ++i) {
    uint32_t octet = 0;
    if (!ParseNumber(text, &pos, 255, &octet)) return false;
    ip = (ip << 8) | octet;
    const char want = i < 3 ? '.' : ':';
    if (pos >= text.size() || text[pos] != want) return false;
    ++pos;
  }
  uint32_t port = 0;
  if (!ParseNumber(text, &pos, 65535, &port) || pos != text.size()) return false;
  if ((ip >> 24) != 127) return false;
  out->family = Family::kTcp;
  out->ip = ip;
  out->port = static_cast<uint16_t>(port);
  out->name.clear();
  return true;
}

}  // namespace edgeloop
