// Receive memory: what net/ipv4/tcp_input.c does when the receive queue's
// truesize has passed sk_rcvbuf (tcp_try_rmem_schedule -> tcp_prune_queue
// -> tcp_clamp_window, tcp_collapse), part of TcpSocket. Small segments
// each cost a whole skb (832 bytes beyond their payload on loopback), so a
// queue of them passes SO_RCVBUF long before its bytes do; Linux then
// copies the bloated skbs into compact ones of at most SKB_MAX_ORDER(0, 0)
// = 3776 bytes each (a 4 KiB kmalloc head), which frees the window again
// (`nstat`: PruneCalled, TCPRcvCollapsed).
//
// Not modelled: the fast path (tcp_rcv_established queues a segment
// without this check while sk_forward_alloc covers its truesize, so Linux
// may prune a few segments later), the out-of-order queue (loopback keeps
// order), and what follows when collapsing does not help: the segment is
// dropped (RcvPruned) and the sender's RTO brings it back. The sim queues
// it instead.
#include <algorithm>

#include "skb_truesize.h"
#include "tcp_socket.h"

namespace edgeloop {

namespace {

constexpr int64_t kCollapseChunk = 4096 - 320;  // SKB_MAX_ORDER(0, 0)

}  // namespace

void TcpSocket::PruneQueue() {
  // tcp_prune_queue: tcp_clamp_window first. An unlocked buffer grows to
  // what is queued (at most tcp_rmem[2]); then, still over, collapse.
  if (!rcvbuf_locked_ && rcvbuf_ < ctx_.config.tcp_rmem[2]) {
    rcvbuf_ = static_cast<int32_t>(std::min<int64_t>(rcv_.rmem_alloc(), ctx_.config.tcp_rmem[2]));
  }
  rcv_.ClampWindow(rcvbuf_);
  if (rcv_.rmem_alloc() <= rcvbuf_) return;
  CollapseQueue();
}

void TcpSocket::CollapseQueue() {
  // tcp_collapse over the whole receive queue (copied_seq to rcv_nxt): the
  // skbs before the first bloated one (or the first partly read one) stay;
  // from there on everything is copied into new linear skbs.
  size_t first = 0;
  for (; first < receive_queue_.size(); ++first) {
    const RxSkb& skb = receive_queue_[first];
    const size_t offset = first == 0 ? receive_head_offset_ : 0;
    const auto len = static_cast<int64_t>(skb.data.size() - offset);
    if (offset > 0 || rcv_.Bloated(skb.truesize, len)) break;
  }
  if (first == receive_queue_.size()) return;
  std::vector<uint8_t> data;
  int64_t before = 0;
  for (size_t i = first; i < receive_queue_.size(); ++i) {
    const RxSkb& skb = receive_queue_[i];
    const size_t offset = i == 0 ? receive_head_offset_ : 0;
    data.insert(data.end(), skb.data.begin() + static_cast<std::ptrdiff_t>(offset), skb.data.end());
    before += skb.truesize;
  }
  if (first == 0) receive_head_offset_ = 0;
  receive_queue_.erase(receive_queue_.begin() + static_cast<std::ptrdiff_t>(first), receive_queue_.end());
  int64_t after = 0;
  for (size_t at = 0; at < data.size();) {
    const auto copy = static_cast<size_t>(std::min<int64_t>(kCollapseChunk, static_cast<int64_t>(data.size() - at)));
    RxSkb skb;
    skb.data.assign(data.begin() + static_cast<std::ptrdiff_t>(at), data.begin() + static_cast<std::ptrdiff_t>(at + copy));
    skb.truesize = SkbHeadTruesize(static_cast<int32_t>(copy));
    skb.own_end = 0;  // a new skb, no sender's clone: later segments may coalesce into it
    skb.frags = 0;
    after += skb.truesize;
    receive_queue_.push_back(std::move(skb));
    at += copy;
  }
  rcv_.OnCollapsed(before, after);
}

}  // namespace edgeloop
