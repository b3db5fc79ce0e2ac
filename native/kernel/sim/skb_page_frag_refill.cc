// Where written payload lands in memory, after net/core/sock.c
// (sk_page_frag_refill, skb_page_frag_refill), include/net/sock.h
// (sk_page_frag: current->task_frag for a socket that may sleep),
// net/ipv4/tcp.c (tcp_sendmsg_locked: skb_can_coalesce, skb_fill_page_desc,
// skb_frag_size_add) and net/core/skbuff.c (skb_try_coalesce's
// MAX_SKB_FRAGS test, which the receive side applies: tcp_socket.cc
// QueueData, tcp_add_backlog.cc).
//
// tcp_sendmsg_locked copies a write's payload into the calling task's one
// page_frag, a 32 KiB page (SKB_FRAG_PAGE_ORDER) that every TCP socket the
// thread writes to shares. Before each copy, skb_page_frag_refill keeps the
// page if nothing else references it any more (page_ref_count 1: the copy
// starts again at offset 0), or if at least 32 bytes are left; else it
// takes a new page. A copy takes at most what is left of the page, and
// extends the tail skb's last fragment only when it continues it exactly
// (skb_can_coalesce: same page, the next byte); otherwise it is a new
// fragment. Loopback hands the receiver the sender's skbs (clones sharing
// the fragments), and coalescing into a receive skb adds the segment's
// fragments, at most MAX_SKB_FRAGS (17) per skb: a segment whose payload
// crosses a page boundary brings two, so where the boundaries fall decides
// which segments still coalesce, hence the receive queue's truesize and the
// windows the receiver offers (seed 2840: the receiver's rcv_ssthresh, and
// with it the writer's MSS, 404 bytes apart).
//
// A page is referenced by each skb holding a fragment of it: the sender's,
// until the ACK frees or trims it (tcp_clean_rtx_queue, tcp_trim_head), and
// the receiver's, until the reader has consumed the whole skb
// (tcp_eat_recv_skb). Simplified: a receive queue collapsed by
// tcp_prune_queue copies its payload and so lets go of the pages, which the
// sim does not track (it counts the collapsed skbs as still holding them);
// tcp_sendmsg_locked's own MAX_SKB_FRAGS test on the sender's skb (a new skb
// after 17 fragments, which only interleaved writers of one thread reach) is
// not modelled; the order-3 allocation is assumed never to fail.
#include "tcp_socket.h"

#include <algorithm>

namespace edgeloop {

namespace {

constexpr int64_t kPageFragSize = 32768;  // PAGE_SIZE << SKB_FRAG_PAGE_ORDER
constexpr int64_t kRefillMin = 32;        // sk_page_frag_refill's 32U

}  // namespace

bool TcpSocket::HoldsPayloadBelow(uint64_t end) const {
  // Our skbs: unsent and unacknowledged payload, trimmed at snd_una.
  if (!write_queue_.empty() && write_queue_.front().seq < end) return true;
  // The peer's receive skbs (loopback's clones of ours, or skbs they were
  // coalesced into): freed only once wholly read.
  return peer_ && !peer_->receive_queue_.empty() && peer_->rx_freed_ < end;
}

size_t TcpSocket::PageFragCopy(TxSkb& tail, const uint8_t* data, size_t n) {
  SimContext::TaskFrag& pf = ctx_.task_frag;
  bool referenced = false;
  for (const auto& piece : pf.pieces) {
    const std::shared_ptr<TcpSocket> sender = piece.sender.lock();
    if (sender && sender->HoldsPayloadBelow(piece.end)) {
      referenced = true;
      break;
    }
  }
  if (pf.page != 0 && !referenced) {
    pf.offset = 0;  // page_ref_count 1: the page is ours alone again
    pf.pieces.clear();
    pf.last_writer = nullptr;
  } else if (pf.page == 0 || pf.offset + kRefillMin > kPageFragSize) {
    ++pf.page;  // put_page, and a fresh page
    pf.offset = 0;
    pf.pieces.clear();
    pf.last_writer = nullptr;
  }
  const size_t copy = std::min(n, static_cast<size_t>(kPageFragSize - pf.offset));
  // skb_can_coalesce: the tail's last fragment ends where this copy begins.
  // A copy that continues our last one in the page but starts a new skb
  // is a new fragment of that skb, which needs no mark: a segment begins
  // one anyway, and tcp_grow_skb's skb_shift merges the two fragments
  // again when it joins the skbs.
  const bool continues = pf.last_writer == this && pf.last_end == write_seq_;
  if (!continues) frag_starts_.push_back(write_seq_);
  while (!frag_starts_.empty() && frag_starts_.front() < snd_una_) frag_starts_.pop_front();
  tail.data.insert(tail.data.end(), data, data + copy);
  write_seq_ += copy;
  pf.offset += static_cast<int64_t>(copy);
  pf.last_writer = this;
  pf.last_end = write_seq_;
  // One entry per writer: its queues hold some of its payload in this page
  // exactly when they hold any below the last byte it put there.
  for (auto& piece : pf.pieces) {
    if (piece.sender.lock().get() == this) {
      piece.end = write_seq_;
      return copy;
    }
  }
  pf.pieces.push_back({Self(), write_seq_});
  return copy;
}

int64_t TcpSocket::FragsOf(uint64_t begin, uint64_t end) const {
  // One fragment where the range begins (a split skb starts inside one),
  // and one more for each that starts within it.
  // frag_starts_ ascends (our sequence numbers only grow).
  const auto first = std::upper_bound(frag_starts_.begin(), frag_starts_.end(), begin);
  const auto last = std::lower_bound(first, frag_starts_.end(), end);
  return 1 + static_cast<int64_t>(last - first);
}

}  // namespace edgeloop
