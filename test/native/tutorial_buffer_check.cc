// The check behind test/tutorial-buffer-cost.test.ts: TutorialBuffer
// (native/reactor/variants/tutorial_buffer.h) against the tutorial's Buffer
// as written (TutorialModel below: a vector, muduo's makeSpace, the memmove),
// compiled together with g++.
//
//   model   random Append / Retrieve / Retrieve(-1) / RetrieveAll sequences:
//           readablebytes(), Capacity() and the readable bytes agree after
//           every operation (so what Retrieve(-1) exposes is the tutorial's).
//   cost    a day-26 flood's pattern: each step Appends what the reactor read
//           (the echo) and Retrieves what the socket took, for N and 3N
//           steps. Prints one JSON line: the bytes each class moved inside
//           itself per byte appended. The tutorial's grows with N (the
//           memmove of the whole readable part per step: O(N^2) a run);
//           ours must stay under a constant.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include "../../native/reactor/variants/tutorial_buffer.h"

namespace {

using edgeloop::TutorialBuffer;

// The tutorial's Buffer, as the model was before the renumbering: the oracle.
class TutorialModel {
 public:
  TutorialModel() : buffer_(kPrePendIndex + kInitialSize) {}
  int readablebytes() const { return write_index_ - read_index_; }
  const uint8_t* Peek() const { return buffer_.data() + read_index_; }
  size_t Capacity() const { return buffer_.size(); }
  uint64_t moved = 0;

  void Append(const uint8_t* data, int len) {
    if (len <= 0) return;
    const int writable = static_cast<int>(buffer_.size()) - write_index_;
    if (writable < len) {
      const int readable = readablebytes();
      if (writable + read_index_ - kPrePendIndex < len || read_index_ < kPrePendIndex) {
        buffer_.resize(static_cast<size_t>(write_index_ + len));
      } else {
        std::memmove(buffer_.data() + kPrePendIndex, buffer_.data() + read_index_, static_cast<size_t>(readable));
        moved += static_cast<uint64_t>(readable);
        read_index_ = kPrePendIndex;
        write_index_ = kPrePendIndex + readable;
      }
    }
    std::memcpy(buffer_.data() + write_index_, data, static_cast<size_t>(len));
    write_index_ += len;
  }
  void Retrieve(int len) {
    if (len + read_index_ < write_index_) {
      read_index_ += len;
      if (read_index_ < 0) read_index_ = 0;
    } else {
      RetrieveAll();
    }
  }
  void RetrieveAll() { read_index_ = write_index_ = kPrePendIndex; }

 private:
  static constexpr int kPrePendIndex = 8;
  static constexpr int kInitialSize = 1024;
  std::vector<uint8_t> buffer_;
  int read_index_ = kPrePendIndex;
  int write_index_ = kPrePendIndex;
};

bool Same(const TutorialModel& a, const TutorialBuffer& b) {
  return a.readablebytes() == b.readablebytes() && a.Capacity() == b.Capacity() &&
         std::memcmp(a.Peek(), b.Peek(), static_cast<size_t>(a.readablebytes())) == 0;
}

int ModelCheck() {
  for (unsigned seed = 0; seed < 2000; seed++) {
    std::mt19937 rng(seed);
    auto below = [&rng](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
    TutorialModel a;
    TutorialBuffer b;
    uint8_t next = 1;
    const int max_len = 1 << below(15);
    for (int op = 0; op < 1500; op++) {
      const int what = below(20);
      if (what < 10) {
        std::vector<uint8_t> d(static_cast<size_t>(below(max_len + 1)));
        for (auto& x : d) x = next++;
        a.Append(d.data(), static_cast<int>(d.size()));
        b.Append(d.data(), static_cast<int>(d.size()));
      } else if (what < 16) {
        const int len = below(a.readablebytes() + 1);
        a.Retrieve(len);
        b.Retrieve(len);
      } else if (what < 19) {
        // Day 26's error path, once or in a run (one per failed write).
        for (int k = seed % 2 ? 1 : below(40); k > 0; k--) {
          a.Retrieve(-1);
          b.Retrieve(-1);
        }
      } else {
        a.RetrieveAll();
        b.RetrieveAll();
      }
      if (!Same(a, b)) {
        std::printf("{\"error\":\"seed %u, operation %d: readable %d/%d, capacity %zu/%zu\"}\n", seed, op,
                    a.readablebytes(), b.readablebytes(), a.Capacity(), b.Capacity());
        return 1;
      }
    }
  }
  return 0;
}

// One flood: per step the echo of `in` bytes is appended and `out` leave.
template <typename B>
uint64_t Flood(B& buf, int steps, int in, int out, uint64_t (*moved)(const B&)) {
  std::vector<uint8_t> chunk(static_cast<size_t>(in), 0x5a);
  for (int s = 0; s < steps; s++) {
    buf.Append(chunk.data(), in);
    buf.Retrieve(out < buf.readablebytes() ? out : buf.readablebytes());
  }
  return moved(buf);
}

uint64_t OursMoved(const TutorialBuffer& b) { return b.BytesMoved(); }
uint64_t ModelMoved(const TutorialModel& b) { return b.moved; }

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "model") == 0) {
    const int r = ModelCheck();
    if (r == 0) std::printf("{\"model\":\"same\"}\n");
    return r;
  }
  // What a day-26 unix flood does per step (measured: ~200 KiB echoed, 64 KiB read by the peer).
  const int in = 200 * 1024;
  const int out = 64 * 1024;
  const int n = 300;
  double ours[2];
  double tutorial[2];
  for (int k = 0; k < 2; k++) {
    const int steps = k == 0 ? n : 3 * n;
    const double appended = static_cast<double>(steps) * in;
    TutorialBuffer b;
    ours[k] = static_cast<double>(Flood<TutorialBuffer>(b, steps, in, out, OursMoved)) / appended;
    TutorialModel m;
    tutorial[k] = static_cast<double>(Flood<TutorialModel>(m, steps, in, out, ModelMoved)) / appended;
  }
  std::printf("{\"steps\":[%d,%d],\"movedPerByteAppended\":{\"ours\":[%.3f,%.3f],\"tutorial\":[%.3f,%.3f]}}\n", n, 3 * n,
              ours[0], ours[1], tutorial[0], tutorial[1]);
  return 0;
}
