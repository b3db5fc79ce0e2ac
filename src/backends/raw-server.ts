// The contract between the TypeScript API and the reactor's one host
// (native/host/server_host.h) in a compiled binding: the addon's `Server` and
// the wasm module's `SimServer`. A simulation constructs it on an existing raw
// kernel object, new Server(rawKernel, optionsJson), and drives it with
// runOnce(); the real server (addon only) is new Server(null, optionsJson):
// a LinuxKernel of its own, sub-reactor threads, driven by Node's event loop.
// Like RawKernel it is C-like and does no validation of its own beyond
// types; src/ validates options before they get here.

/**
 * Results of send/shutdown/close: 0 (for send: all of the connection's output
 * is in the kernel), or one of these. RAW_QUEUED (send only): accepted, but
 * stop: output waits in the reactor's send_buf_, or the attempt found the
 * peer gone (its close event follows).
 */
export const RAW_QUEUED = 1;
export const RAW_NO_CONNECTION = -1;
export const RAW_SHUTTING_DOWN = -2;
/** send()/writable(): the server's graceful close shut the connection down (its output was flushed, it was quiet). */
export const RAW_SERVER_CLOSING = -3;

/**
 * The app events, called synchronously from inside the reactor iteration
 * (runOnce), or from inside send/close when they close a connection, where a
 * built-in app's callback runs: ('connection', id, fd), ('message', id,
 * bytes: a copy, app 'js'; with a built-in app, which consumed them, their
 * count), ('writeComplete', id), ('highWaterMark', id, queuedBytes),
 * ('close', id, reason), ('dropped', 0) (accepted and closed at once for lack
 * of fds), ('refused', 0) (accepted and closed at once: maxConnections were
 * open), ('aborted', 0) (simulation only: an injected acceptError ECONNABORTED
 * took a queued connection off the listener and closed it before the reactor
 * saw it; like 'dropped' and 'refused' it uses up one queued peer, in order).
 * It may call send, shutdown, close, drainTrace and snapshot, not
 * runOnce. It should not throw: an exception closes that connection
 * ('handler-error') and is thrown by the outermost call that ran it, once
 * the reactor is done.
 */
export type RawServerEventCallback = (type: string, conn: number, arg?: Uint8Array | number | string) => void;

export interface RawServer {
  /** The listening address as getsockname reports it ('@name', 'A.B.C.D:PORT' or '[IPV6]:PORT'). */
  address(): string;
  /**
   * Installs (or, with null, removes) the app events' callback. Not from inside it.
   * `wantsWriteComplete` false: no 'writeComplete' events (no handler takes them; default true).
   */
  setEventHandler(onEvent: RawServerEventCallback | null, wantsWriteComplete?: boolean): void;
  /** One reactor iteration (epoll_wait with this timeout, callbacks, queued work): ready events, or -errno. Not on a real server. */
  runOnce(timeoutMs: number): number;
  send(conn: number, data: Uint8Array): number;
  /** SHUT_WR once the connection's output has drained. */
  shutdown(conn: number): number;
  /** Closes now; `reason` is reported in the close event. */
  close(conn: number, reason: string): number;
  /** JSON array of the reactor's syscall records and app event records since the last drain. */
  drainTrace(): string;
  /** JSON: the reactor's state (epoll fd, connections with their loop and buffers). */
  snapshot(): string;
  /**
   * The per-record probe: the event callback gets ('probe', 0) before each
   * record the host appends to its trace and at the start of each of the
   * reactor's kernel calls, once `from` or more records wait undrained (so
   * the state then is the state up to the last of them). It may drain the
   * trace and look (snapshot, the kernel's inspect); nothing else.
   * Negative: off; with threads > 0 it is never called.
   */
  setProbe(from: number): void;
  /** JSON: the counters (connections open/total/refused, bytes, wakeups, close reasons, ...). */
  stats(): string;
  /** Closes the listening socket; open connections carry on. */
  stopAccepting(): void;
  /** Shutdown() on every open connection. */
  shutdownAll(): void;
  /**
   * A graceful close's look, as often as the caller likes: shuts down each
   * connection whose own loop has seen no read for `quietMs` (of the
   * kernel's clock) since the first look, with nothing unread in its socket
   * and nothing left to send (native/host/server_host.h).
   */
  shutdownQuiet(quietMs: number): void;
  /**
   * Closes every open connection now with this reason; `resetUnsent`: one
   * still holding output is reset instead (reason 'server-stopped-reset').
   */
  closeAll(reason: string, resetUnsent: boolean): void;
  /** Whether send() on the connection would be taken: 0, RAW_SHUTTING_DOWN, RAW_SERVER_CLOSING or RAW_NO_CONNECTION. */
  writable(conn: number): number;
  /**
   * Simulation only: arms a fault in the reactor's own syscalls (the peers'
   * are never touched; native/host/fault_kernel.h). `specJson`, checked in
   * C++ (a bad one throws an Error naming the field):
   *   {"fault":"eintr","count":N}
   *   {"fault":"acceptError","errno":"EMFILE"|"ENFILE"|"ECONNABORTED"|"ENOBUFS"|"ENOMEM","count":N}
   *   {"fault":"shortWrite","fd":F,"maxBytes":M,"count":N}
   *   {"fault":"spuriousWakeup","fd":F,"events":"EPOLLIN"|"EPOLLOUT"|"EPOLLIN|EPOLLOUT","count":N}
   *   {"fault":"nofile","limit":L}        (simulated kernel only)
   *   {"fault":"delayedAck","ms":36..40}  (simulated kernel only)
   * `fd` is the reactor's fd of the connection; count 1..1e6, default 1,
   * used up only by calls the fault really changed. Each firing adds a
   * record to the trace: {t, actor: 'sim', call: 'fault', args: {fault, ...the
   * spec's fields but count}}, just before the reactor's record of the call.
   * On a real server it throws 'faults are for the simulation only'.
   */
  injectFault(specJson: string): void;
  /** Closes every connection (the callback is not called) and the listener. Further calls throw. */
  dispose(): void;
}
