#include "node_loop_pump.h"

#include <stdexcept>
#include <string>

namespace edgeloop {

struct NodeLoopPump::Handles {
  uv_poll_t poll;
  uv_idle_t idle;
  uv_timer_t timer;
  int open = 0;
  NodeLoopPump* owner = nullptr;  // null once the pump is gone

  static void OnClosed(uv_handle_t* handle) {
    auto* self = static_cast<Handles*>(handle->data);
    if (--self->open == 0) delete self;
  }
};

NodeLoopPump::NodeLoopPump(uv_loop_t* loop, int32_t fd, std::function<void()> on_ready)
    : handles_(new Handles()), on_ready_(std::move(on_ready)) {
  const int rc = uv_poll_init(loop, &handles_->poll, fd);
  if (rc != 0) {
    delete handles_;
    throw std::runtime_error(std::string("uv_poll_init on the reactor's epoll fd failed: ") + uv_strerror(rc));
  }
  uv_idle_init(loop, &handles_->idle);
  uv_timer_init(loop, &handles_->timer);
  uv_unref(reinterpret_cast<uv_handle_t*>(&handles_->timer));
  handles_->poll.data = handles_;
  handles_->idle.data = handles_;
  handles_->timer.data = handles_;
  handles_->open = 3;
  handles_->owner = this;
  const int started = uv_poll_start(&handles_->poll, UV_READABLE, OnPoll);
  if (started != 0) {
    handles_->owner = nullptr;
    uv_close(reinterpret_cast<uv_handle_t*>(&handles_->poll), Handles::OnClosed);
    uv_close(reinterpret_cast<uv_handle_t*>(&handles_->idle), Handles::OnClosed);
    uv_close(reinterpret_cast<uv_handle_t*>(&handles_->timer), Handles::OnClosed);
    throw std::runtime_error(std::string("uv_poll_start on the reactor's epoll fd failed: ") + uv_strerror(started));
  }
}

NodeLoopPump::~NodeLoopPump() {
  handles_->owner = nullptr;
  uv_poll_stop(&handles_->poll);
  uv_idle_stop(&handles_->idle);
  uv_timer_stop(&handles_->timer);
  uv_close(reinterpret_cast<uv_handle_t*>(&handles_->poll), Handles::OnClosed);
  uv_close(reinterpret_cast<uv_handle_t*>(&handles_->idle), Handles::OnClosed);
  uv_close(reinterpret_cast<uv_handle_t*>(&handles_->timer), Handles::OnClosed);
}

void NodeLoopPump::Kick() {
  if (!uv_is_active(reinterpret_cast<uv_handle_t*>(&handles_->idle))) uv_idle_start(&handles_->idle, OnIdle);
}

void NodeLoopPump::KickAfter(uint64_t ms) { uv_timer_start(&handles_->timer, OnTimer, ms, 0); }

namespace {
// A copy is called: `on_ready` may free the pump (a dispose from a handler).
void CallOwner(const std::function<void()>* on_ready) {
  std::function<void()> call = *on_ready;
  call();
}
}  // namespace

void NodeLoopPump::OnPoll(uv_poll_t* handle, int /*status*/, int /*events*/) {
  auto* handles = static_cast<Handles*>(handle->data);
  if (handles->owner) CallOwner(&handles->owner->on_ready_);
}

void NodeLoopPump::OnIdle(uv_idle_t* handle) {
  uv_idle_stop(handle);
  auto* handles = static_cast<Handles*>(handle->data);
  if (handles->owner) CallOwner(&handles->owner->on_ready_);
}

void NodeLoopPump::OnTimer(uv_timer_t* handle) {
  auto* handles = static_cast<Handles*>(handle->data);
  if (handles->owner) CallOwner(&handles->owner->on_ready_);
}

}  // namespace edgeloop
