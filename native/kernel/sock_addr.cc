#include "sock_addr.h"

#include <cstring>

namespace edgeloop {

namespace {

// Parses a decimal number of at most 6 digits into [0, limit] (the port).
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

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// glibc's inet_pton4 over [begin, end): the same text is accepted.
bool ParseIpv4Range(const char* begin, const char* end, uint8_t out[4]) {
  uint8_t tmp[4] = {};
  int octets = 0;
  bool saw_digit = false;
  uint32_t value = 0;
  for (const char* p = begin; p < end; ++p) {
    const char c = *p;
    if (c >= '0' && c <= '9') {
      if (saw_digit && value == 0) return false;  // a leading zero
      value = value * 10 + static_cast<uint32_t>(c - '0');
      if (value > 255) return false;
      if (!saw_digit) {
        if (++octets > 4) return false;
        saw_digit = true;
      }
      tmp[octets - 1] = static_cast<uint8_t>(value);
    } else if (c == '.' && saw_digit) {
      if (octets == 4) return false;
      saw_digit = false;
      value = 0;
    } else {
      return false;
    }
  }
  if (octets < 4 || !saw_digit) return false;
  std::memcpy(out, tmp, 4);
  return true;
}

// glibc's inet_pton6 over [begin, end).
bool ParseIpv6Range(const char* begin, const char* end, uint8_t out[16]) {
  uint8_t tmp[16] = {};
  size_t tp = 0;
  constexpr size_t kEnd = 16;
  long colonp = -1;  // where "::" stands, as an index into tmp
  const char* src = begin;
  if (src == end) return false;
  // A leading "::" needs care: a lone leading ':' is malformed.
  if (*src == ':') {
    ++src;
    if (src == end || *src != ':') return false;
  }
  const char* curtok = src;
  int xdigits = 0;
  uint32_t val = 0;
  while (src < end) {
    const char ch = *src++;
    const int digit = HexValue(ch);
    if (digit >= 0) {
      if (xdigits == 4) return false;
      val = (val << 4) | static_cast<uint32_t>(digit);
      ++xdigits;
      continue;
    }
    if (ch == ':') {
      curtok = src;
      if (xdigits == 0) {
        if (colonp >= 0) return false;
        colonp = static_cast<long>(tp);
        continue;
      }
      if (src == end) return false;  // a trailing single ':'
      if (tp + 2 > kEnd) return false;
      tmp[tp++] = static_cast<uint8_t>(val >> 8);
      tmp[tp++] = static_cast<uint8_t>(val);
      xdigits = 0;
      val = 0;
      continue;
    }
    if (ch == '.' && tp + 4 <= kEnd && ParseIpv4Range(curtok, end, tmp + tp)) {
      tp += 4;
      xdigits = 0;
      src = end;
      break;
    }
    return false;
  }
  if (xdigits > 0) {
    if (tp + 2 > kEnd) return false;
    tmp[tp++] = static_cast<uint8_t>(val >> 8);
    tmp[tp++] = static_cast<uint8_t>(val);
  }
  if (colonp >= 0) {
    // "::" must stand for at least one zero group.
    if (tp == kEnd) return false;
    const size_t at = static_cast<size_t>(colonp);
    const size_t n = tp - at;
    std::memmove(tmp + kEnd - n, tmp + at, n);
    std::memset(tmp + at, 0, kEnd - n - at);
    tp = kEnd;
  }
  if (tp != kEnd) return false;
  std::memcpy(out, tmp, 16);
  return true;
}

}  // namespace

bool ParseIpv4(const std::string& text, uint32_t* out) {
  uint8_t b[4];
  if (!ParseIpv4Range(text.data(), text.data() + text.size(), b)) return false;
  *out = (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | uint32_t{b[3]};
  return true;
}

bool ParseIpv6(const std::string& text, uint8_t out[16]) {
  return ParseIpv6Range(text.data(), text.data() + text.size(), out);
}

std::string FormatIpv4(uint32_t ip) {
  return std::to_string(ip >> 24) + "." + std::to_string((ip >> 16) & 0xff) + "." +
         std::to_string((ip >> 8) & 0xff) + "." + std::to_string(ip & 0xff);
}

std::string FormatIpv6(const uint8_t ip6[16]) {
  uint32_t words[8];
  for (int i = 0; i < 8; ++i) words[i] = (uint32_t{ip6[2 * i]} << 8) | ip6[2 * i + 1];
  // The longest run of zero words (the first of equals), if at least two long.
  int best_base = -1;
  int best_len = 0;
  int cur_base = -1;
  int cur_len = 0;
  for (int i = 0; i < 8; ++i) {
    if (words[i] == 0) {
      if (cur_base < 0) {
        cur_base = i;
        cur_len = 1;
      } else {
        ++cur_len;
      }
    } else if (cur_base >= 0) {
      if (best_base < 0 || cur_len > best_len) {
        best_base = cur_base;
        best_len = cur_len;
      }
      cur_base = -1;
    }
  }
  if (cur_base >= 0 && (best_base < 0 || cur_len > best_len)) {
    best_base = cur_base;
    best_len = cur_len;
  }
  if (best_base >= 0 && best_len < 2) best_base = -1;
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 8; ++i) {
    if (best_base >= 0 && i >= best_base && i < best_base + best_len) {
      if (i == best_base) out += ':';
      continue;
    }
    if (i != 0) out += ':';
    // IPv4-compatible (::a.b.c.d) and IPv4-mapped (::ffff:a.b.c.d).
    if (i == 6 && best_base == 0 && (best_len == 6 || (best_len == 5 && words[5] == 0xffff))) {
      out += FormatIpv4((uint32_t{ip6[12]} << 24) | (uint32_t{ip6[13]} << 16) | (uint32_t{ip6[14]} << 8) |
                        uint32_t{ip6[15]});
      return out;
    }
    bool started = false;
    for (int shift = 12; shift >= 0; shift -= 4) {
      const uint32_t nibble = (words[i] >> shift) & 0xf;
      if (nibble == 0 && !started && shift != 0) continue;
      started = true;
      out += kHex[nibble];
    }
  }
  if (best_base >= 0 && best_base + best_len == 8) out += ':';
  return out;
}

std::string SockAddr::ToString() const {
  if (family == Family::kUnix) return name.empty() ? std::string() : "@" + name;
  if (v6) return "[" + FormatIpv6(ip6) + "]:" + std::to_string(port);
  return FormatIpv4(ip) + ":" + std::to_string(port);
}

bool ParseSockAddr(const std::string& text, SockAddr* out) {
  if (!text.empty() && text[0] == '@') {
    // Linux allows 107 bytes after the leading NUL of an abstract name.
    if (text.size() < 2 || text.size() > 108) return false;
    out->family = Family::kUnix;
    out->v6 = false;
    out->name = text.substr(1);
    out->ip = 0;
    std::memset(out->ip6, 0, sizeof out->ip6);
    out->port = 0;
    return true;
  }
  SockAddr a;
  a.family = Family::kTcp;
  size_t pos;
  if (!text.empty() && text[0] == '[') {
    const size_t close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') return false;
    if (!ParseIpv6Range(text.data() + 1, text.data() + close, a.ip6)) return false;
    a.v6 = true;
    pos = close + 2;
  } else {
    const size_t colon = text.rfind(':');
    if (colon == std::string::npos) return false;
    uint8_t b[4];
    if (!ParseIpv4Range(text.data(), text.data() + colon, b)) return false;
    a.ip = (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | uint32_t{b[3]};
    pos = colon + 1;
  }
  uint32_t port = 0;
  if (!ParseNumber(text, &pos, 65535, &port) || pos != text.size()) return false;
  a.port = static_cast<uint16_t>(port);
  *out = a;
  return true;
}

}  // namespace edgeloop
