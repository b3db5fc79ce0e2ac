// HandlerApp: the App behind JS handlers, shared by the real server (the
// addon's JsApp, N-API) and the simulation (the addon's Server: the same
// JsApp; the wasm SimServer: its own, through emscripten). Each reactor
// callback becomes one synchronous call of the embedder's function, from
// inside the reactor iteration, exactly where a built-in app's callback runs:
//   ('connection', id, fd)   ('message', id, bytes)   ('writeComplete', id)
//   ('highWaterMark', id, queuedBytes)   ('close', id, reason)   ('dropped', 0)
//   ('refused', 0)   ('aborted', 0)
// So a handler's send() happens before the reactor reads on: an end of file
// read right after a request sees the reply already written or queued (and
// flushes it before closing), and the high-water mark pauses reading as soon
// as a handler's output crosses it. The message bytes are consumed before
// the call: what the embedder gets is a copy. 'dropped' (accepted and closed
// at once for lack of fds), 'refused' (accepted and closed at once:
// maxConnections were open) and 'aborted' (a queued connection the kernel
// dropped as accept failed ECONNABORTED: an injected fault, simulation
// only) concern no connection and are not App callbacks; the host reports
// them through OnDropped(), OnRefused() and OnAborted().
//
// With an inner app (a built-in one, when the simulation keeps its books on
// it) the embedder only observes: it is called first, then the inner app,
// which consumes the message bytes; the message event then carries their
// count instead of a copy.
//
// The embedder's function must not let an exception into C++: the binding
// catches it (in wasm, in JS glue: a JS exception unwinding wasm frames would
// skip every C++ destructor), keeps it for its caller, and reports a failed
// call. The connection of a failed call is then closed (reason
// "handler-error"): only that connection pays.
//
// Single-threaded: the embedder's thread, which runs the reactor.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "../reactor/callbacks.h"

namespace edgeloop {

class HandlerApp : public App {
 public:
  // The third argument of a call.
  struct Arg {
    enum class Kind { kNone, kNumber, kBytes, kString };
    Kind kind = Kind::kNone;
    double number = 0;              // kNumber
    const uint8_t* data = nullptr;  // kBytes; kString: UTF-8, not terminated
    size_t size = 0;
  };

  explicit HandlerApp(App* inner = nullptr) : inner_(inner) {}

  // Null: this is the app (JS handlers). Otherwise it observes `inner`.
  void set_inner(App* inner) { inner_ = inner; }
  // Off: the embedder is not called any more (the environment is being torn
  // down, or the server disposed and JS already told); messages are still
  // consumed and an inner app still gets everything.
  void set_enabled(bool on) { enabled_ = on; }
  bool enabled() const { return enabled_; }

  void OnConnection(const TcpConnectionPtr& conn) final;
  void OnMessage(const TcpConnectionPtr& conn, Buffer& input) final;
  void OnWriteComplete(const TcpConnectionPtr& conn) final;
  void OnHighWaterMark(const TcpConnectionPtr& conn, size_t queued) final;
  void OnClose(const TcpConnectionPtr& conn, const std::string& reason) final;
  void OnDropped();
  void OnRefused();
  void OnAborted();
  // ('probe', 0): the host's per-record probe (ServerHost::SetProbe), called
  // before a record is appended to the trace or a call starts, the state
  // then being the state up to the last record; the embedder only looks.
  void OnProbe();

 protected:
  // One call of the embedder's function: (type, conn, arg). False if it
  // threw (the subclass keeps what it threw for the embedder).
  virtual bool Call(const char* type, uint64_t conn, const Arg& arg) = 0;

 private:
  // Calls the embedder if enabled; a failed call closes `conn`. True while
  // `conn` is still open afterwards.
  bool Emit(const char* type, const TcpConnectionPtr& conn, const Arg& arg);

  App* inner_;
  bool enabled_ = true;
};

}  // namespace edgeloop
