// State shared by every simulated file: the clock, the seeded PRNG, the
// sysctls, and the address namespaces (abstract AF_UNIX names, TCP ports).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "prng.h"
#include "sim_config.h"

namespace edgeloop {

class UnixSocket;
class TcpSocket;

class SimContext {
 public:
  explicit SimContext(uint32_t seed) : rng(seed) {}

  SimConfig config;
  Prng rng;
  int64_t now_ms = 0;
  // Reads and writes on TCP sockets so far: within one virtual millisecond,
  // the receiver's DRS clock (tcp_rcv_space_adjust.cc).
  uint64_t tcp_data_calls = 0;
  // Bytes those calls copied between user memory and skbs: the rest of the
  // DRS clock (a read of a MiB spends most of its time copying).
  uint64_t tcp_copied_bytes = 0;

  // current->task_frag: the one page_frag every TCP socket of the calling
  // thread copies written payload into (sk_page_frag; the sim's calls all
  // come from one thread). skb_page_frag_refill.cc.
  struct TaskFrag {
    int64_t page = 0;    // which page (0: none yet); a new one is a new number
    int64_t offset = 0;  // pfrag->offset: where the next copy lands
    // The payload that went into this page, one entry per writer: where its
    // last byte there ends in the writer's sequence space. The page is
    // referenced while any of it is on a write queue or in a receive skb
    // not yet consumed.
    struct Piece {
      std::weak_ptr<TcpSocket> sender;
      uint64_t end = 0;
    };
    std::vector<Piece> pieces;
    // The last copy: who made it and its end, so the next can tell whether
    // it continues the same fragment (skb_can_coalesce).
    const TcpSocket* last_writer = nullptr;
    uint64_t last_end = 0;
  };
  TaskFrag task_frag;

  // Files get a creation number: epoll keys and dumps order by it, never by address.
  uint64_t NextFileId() { return ++last_file_id_; }

  // Abstract AF_UNIX namespace: name -> bound socket.
  std::map<std::string, UnixSocket*> unix_names;
  // TCP: port -> bound socket, one per port whatever its address (the host's
  // only interface is lo); SO_REUSEADDR/SO_REUSEPORT do not share a port here.
  std::map<uint16_t, TcpSocket*> tcp_ports;

  // Timers fire in (time, sequence) order when the clock passes them.
  void Schedule(int64_t at_ms, std::function<void()> fn) {
    timers_.emplace(std::make_pair(at_ms, ++timer_seq_), std::move(fn));
  }
  // Earliest pending timer, or -1.
  int64_t NextTimer() const { return timers_.empty() ? -1 : timers_.begin()->first.first; }
  // Runs every timer due at or before `until_ms`, moving the clock to each.
  void RunTimersUntil(int64_t until_ms) {
    while (!timers_.empty() && timers_.begin()->first.first <= until_ms) {
      auto node = timers_.extract(timers_.begin());
      if (node.key().first > now_ms) now_ms = node.key().first;
      node.mapped()();
    }
    if (until_ms > now_ms) now_ms = until_ms;
  }
  size_t pending_timers() const { return timers_.size(); }

  // The loopback device (netif_rx and the per-CPU backlog it feeds): packets
  // are delivered one at a time in the order they were sent, and a packet
  // sent while another is being delivered waits its turn, as softirq
  // processing never nests. Delivery finishes before the sending call returns.
  void Loopback(std::function<void()> packet) {
    loopback_.push_back(std::move(packet));
    if (delivering_) return;
    delivering_ = true;
    while (!loopback_.empty()) {
      std::function<void()> next = std::move(loopback_.front());
      loopback_.pop_front();
      next();
    }
    delivering_ = false;
  }

 private:
  uint64_t last_file_id_ = 0;
  uint64_t timer_seq_ = 0;
  std::deque<std::function<void()>> loopback_;
  bool delivering_ = false;
  std::map<std::pair<int64_t, uint64_t>, std::function<void()>> timers_;
};

}  // namespace edgeloop
