// How much socket memory the kernel charges for an skb (skb->truesize),
// which is what SIOCOUTQ reports for AF_UNIX and what decides writability.
#pragma once

#include <cstdint>

namespace edgeloop {

// Largest payload one AF_UNIX stream skb carries for a given sndbuf
// (unix_stream_sendmsg: "keep two messages in the pipe", capped by one
// linear page head plus UNIX_SKB_FRAGS_SZ of page fragments).
int32_t UnixSkbMaxPayload(int32_t sndbuf);
// truesize of the skb unix_stream_sendmsg allocates for `size` bytes.
int32_t UnixSkbTruesize(int32_t size);
// truesize of alloc_skb(linear): the head's kmalloc bucket plus the sk_buff.
int32_t SkbHeadTruesize(int32_t linear);

}  // namespace edgeloop
