// NodeLoopPump: the real server's driver. It watches the reactor's epoll fd
// with a libuv uv_poll_t on Node's own loop and calls `on_ready` when it is
// readable (the reactor then runs RunOnce(0), never blocking Node). Work the
// reactor has queued that no fd will announce (a write-complete after a send
// from JS) is run on the next turn of Node's loop: Kick() arms a uv_idle_t;
// KickAfter() a uv_timer_t, for work that waits (pressure_trim.h).
//
// The handles live in one allocation that libuv owns from uv_close until the
// second close callback, which may run after the pump is gone.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>

namespace edgeloop {

class NodeLoopPump {
 public:
  // Throws std::runtime_error when libuv cannot watch `fd`.
  NodeLoopPump(uv_loop_t* loop, int32_t fd, std::function<void()> on_ready);
  // Stops watching and closes the handles; `on_ready` is not called again.
  ~NodeLoopPump();
  NodeLoopPump(const NodeLoopPump&) = delete;
  NodeLoopPump& operator=(const NodeLoopPump&) = delete;

  // Calls `on_ready` on the next turn of Node's loop.
  void Kick();
  // Calls `on_ready` in `ms` milliseconds (a timer that does not keep Node's
  // loop alive; a later call replaces an earlier one).
  void KickAfter(uint64_t ms);

 private:
  struct Handles;

  static void OnPoll(uv_poll_t* handle, int status, int events);
  static void OnIdle(uv_idle_t* handle);
  static void OnTimer(uv_timer_t* handle);

  Handles* handles_;
  std::function<void()> on_ready_;
};

}  // namespace edgeloop
