#include "skb_truesize.h"

#include <algorithm>

#include "sim_config.h"

namespace edgeloop {

namespace {

constexpr int32_t kUnixSkbFragsSz = 32768;  // UNIX_SKB_FRAGS_SZ

int32_t DataAlign(int32_t n) { return (n + 63) & ~63; }
int32_t PageAlign(int32_t n) { return (n + kPageSize - 1) & ~(kPageSize - 1); }

// alloc_skb(header_len): the head lands in a power-of-two kmalloc bucket
// (never below 512, since skb_shared_info alone takes 320), plus the sk_buff.
int32_t HeadTruesize(int32_t linear) {
  const int32_t want = DataAlign(linear) + kSkbSharedInfo;
  int32_t bucket = 512;
  while (bucket < want) bucket <<= 1;
  return bucket + kSkbStruct;
}

}  // namespace

int32_t SkbHeadTruesize(int32_t linear) { return HeadTruesize(linear); }

int32_t UnixSkbMaxPayload(int32_t sndbuf) {
  return std::min((sndbuf >> 1) - 64, kSkbMaxHead0 + kUnixSkbFragsSz);
}

int32_t UnixSkbTruesize(int32_t size) {
  int32_t data_len = std::max(0, size - kSkbMaxHead0);
  data_len = std::min(size, PageAlign(data_len));
  // alloc_skb_with_frags charges whole pages (in blocks of up to order 3,
  // which always add up to the page-aligned length).
  return HeadTruesize(size - data_len) + PageAlign(data_len);
}

}  // namespace edgeloop
