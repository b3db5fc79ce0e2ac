// A simulated open file (struct file): what an fd refers to. dup() shares
// one File between fds; the File is released when its last fd is closed.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "../kernel.h"
#include "../../util/json_writer.h"
#include "sim_context.h"
#include "wait_queue.h"

namespace edgeloop {

class SocketFile;
class EpollFile;
class EpollItem;

class File : public std::enable_shared_from_this<File> {
 public:
  enum class Kind { kUnixSocket, kTcpSocket, kEpoll, kEventFd };

  File(SimContext& ctx, Kind kind) : ctx_(ctx), kind_(kind), id_(ctx.NextFileId()) {}
  virtual ~File() = default;
  File(const File&) = delete;
  File& operator=(const File&) = delete;

  Kind kind() const { return kind_; }
  uint64_t id() const { return id_; }
  WaitQueue& wait_queue() { return wait_queue_; }

  // The file's current readiness (f_op->poll), before any mask is applied.
  virtual uint32_t Poll() = 0;
  // read(2)/write(2). Files that support neither answer EINVAL, as Linux does.
  virtual SysResult Read(uint8_t* /*buf*/, size_t /*len*/) { return SysResult::Fail(err::kEINVAL); }
  virtual SysResult Write(const uint8_t* /*data*/, size_t /*len*/) {
    return SysResult::Fail(err::kEINVAL);
  }
  virtual SysResult Ioctl(IoctlRequest /*request*/) { return SysResult::Fail(err::kENOTTY); }
  // The last fd went away (f_op->release).
  virtual void Release() {}
  virtual SocketFile* AsSocket() { return nullptr; }
  virtual EpollFile* AsEpoll() { return nullptr; }
  virtual void Describe(JsonWriter& json) const = 0;
  // Describe() cut to what a view redraws after every step (inspect with
  // brief: the playground's gauges); the whole description by default.
  virtual void DescribeBrief(JsonWriter& json) const { Describe(json); }

  // The epoll items that watch this file (f_ep), so release can unhook them.
  std::vector<EpollItem*>& epoll_items() { return epoll_items_; }

 protected:
  SimContext& ctx_;

 private:
  Kind kind_;
  uint64_t id_;
  WaitQueue wait_queue_;
  std::vector<EpollItem*> epoll_items_;
};

}  // namespace edgeloop
