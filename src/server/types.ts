// The real server's public types (Node only: createServer is exported from
// the Node entry, never from the browser one). Names and shapes follow the
// simulation's (src/types.ts) wherever the two mean the same thing.
import type { HighWaterPolicy, TriggerMode, VariantName } from '../types.js';

/** A built-in app, run in C++ (on sub-reactor threads when `threads` > 0). */
export type ServerBuiltinApp = 'echo' | 'discard' | { bulk: number };

/** A connection of the real server, as JS handlers see it. */
export interface ServerConnection {
  /** 1, 2, ... in accept order. */
  readonly id: number;
  readonly closed: boolean;
  /** Why it closed: 'peer-closed', 'EPIPE', 'ECONNRESET', 'high-water-mark', 'handler-error', 'closed-by-app', 'server-stopped', ... */
  readonly closeReason: string | null;
  /**
   * Sends bytes (a string as UTF-8): written to the socket at once when
   * nothing is queued, the rest kept in the reactor's send_buf_ until the
   * socket drains. Returns true when all of the connection's output is in the
   * kernel now; false is the cue to stop producing: some waits in send_buf_
   * (onWriteComplete follows once it drains), or the attempt found the peer
   * gone (onClose follows). Like net's socket.write(), but stricter: Node says
   * false only past its highWaterMark. The tutorial's variants keep their
   * bugs: day26-as-written never reports write completion, day25-write-all
   * drops what the socket refused and says true. Throws EdgeloopError
   * ERR_CLOSED once closed or shut down.
   */
  send(data: Uint8Array | string): boolean;
  /** SHUT_WR once the output has drained. Throws ERR_CLOSED once closed. */
  shutdown(): void;
  /** Closes now, dropping pending output. Throws ERR_CLOSED once closed. */
  close(): void;
}

/**
 * JS callbacks. They run on Node's own thread, inside the reactor iteration
 * that produced the event, exactly where a built-in app's callback runs
 * (muduo's semantics): a send() from onMessage is queued before the reactor
 * reads on, so a request followed at once by the peer's half-close still gets
 * its reply, and the high-water mark pauses reading as soon as a handler's
 * output crosses it. A handler that throws closes its connection (reason
 * 'handler-error'); the server and the other connections carry on, and the
 * error is kept in `server.handlerErrors`.
 */
export interface ServerHandlers {
  onConnection?(conn: ServerConnection): void;
  /**
   * `data` is the handler's to keep; small messages are views into a shared
   * ArrayBuffer (as Node's pooled Buffers), so use `data` itself, not `data.buffer`.
   */
  onMessage?(conn: ServerConnection, data: Uint8Array): void;
  /**
   * The output has drained: all bytes sent so far are in the kernel. After a
   * send() that said false, once send_buf_ empties; after sends that went out
   * whole, once at the end of that round (muduo's semantics, so a producer
   * may be called when it has nothing left: let it return). At most one is
   * pending per connection, none while output is queued again, none after
   * shutdown() or close.
 Whether it is given is read once, at
   * listen(): without it the reactor does not report completions.
   */
  onWriteComplete?(conn: ServerConnection): void;
  onHighWaterMark?(conn: ServerConnection, queuedBytes: number): void;
  onClose?(conn: ServerConnection, reason: string): void;
}

export interface ServerOptions {
  /** A loopback IPv4 address (127.x.y.z) or 'localhost'. Default '127.0.0.1'. */
  host?: string;
  /** 0 to 65535; 0 picks a free port (see address() once listening). */
  port: number;
  /** A built-in app, or JS handlers. Default 'echo'. */
  app?: ServerBuiltinApp | ServerHandlers;
  /** JS handlers (the same as passing them as `app`; give one or the other). */
  handlers?: ServerHandlers;
  /**
   * Sub-reactor threads (default 0: everything on Node's loop). With N > 0 the
   * main reactor accepts and hands connections round robin to N threads;
   * only built-in apps can run there (JS handlers need threads: 0).
   */
  threads?: number;
  /** Output bytes per connection that fire onHighWaterMark (default 4 MiB). */
  highWaterMark?: number;
  /** What crossing it does: stop reading until half drained (default), or close. */
  highWaterPolicy?: HighWaterPolicy;
  /**
   * How the reactor registers its sockets: 'edge' (default, EPOLLET: read and
   * accept until EAGAIN, the seed's design) or 'level' (muduo's own mode: one
   * read or accept per event, epoll reports what is left). 'level' needs
   * variant 'edgeloop': the tutorial's variants run as written.
   */
  trigger?: TriggerMode;
  /** Open connections at most; more are accepted and closed at once (counted in stats().refused). Default: no limit. */
  maxConnections?: number;
  /** Default 'edgeloop'. The tutorial's variants are for seeing their bugs, not for serving. */
  variant?: VariantName;
  /** listen(2)'s backlog (default 4096). */
  backlog?: number;
  /** SO_SNDBUF / SO_RCVBUF of accepted sockets (Linux doubles them). Default: the kernel's autotuning. */
  sndbuf?: number;
  rcvbuf?: number;
  /**
   * A file to record the reactor's syscalls and app events to, as a JSON
   * Lines trace (the simulation's format: header line, then one record per
   * line; `t` is ms since listen).
   */
  trace?: string;
}

export interface ServerAddressInfo {
  host: string;
  port: number;
  /** 'host:port' */
  address: string;
}

export interface ServerStats {
  /** Still accepting new connections (false once close() began). */
  accepting: boolean;
  connectionsOpen: number;
  /** Connections accepted and served so far. */
  connectionsTotal: number;
  /** Accepted and closed at once because maxConnections were open. */
  refused: number;
  /** Accepted and closed at once because the process was out of fds (EMFILE). */
  dropped: number;
  /** Bytes read from / written to connection sockets. */
  bytesIn: number;
  bytesOut: number;
  /** epoll_wait calls of every reactor, and those that returned events. */
  epollWaits: number;
  wakeups: number;
  /** High-water-mark crossings. */
  highWaterEvents: number;
  /** The largest send buffer (bytes queued in the reactor) one connection reached. */
  peakSendBuffer: number;
  /** Connections handed to each reactor: [main] without threads, one entry per sub-reactor with. */
  perLoop: number[];
  /** Closed connections by reason. */
  closeReasons: Record<string, number>;
  /** JS handlers that threw. */
  handlerErrors: number;
}

export interface ServerConnectionSnapshot {
  id: number;
  fd: number;
  /** 0: the main reactor; i: sub-reactor i. */
  loop: number;
  state: 'connecting' | 'connected' | 'disconnecting' | 'disconnected';
  peerHalfClosed: boolean;
  reading: boolean;
  writing: boolean;
  /** The reactor's interest mask for it, as names ('EPOLLIN|EPOLLPRI|EPOLLET'). */
  interest: string;
  mask: number;
  /** Bytes in the reactor's send_buf_. */
  sendBuf: number;
  /** Bytes read and not yet consumed by the app. */
  readBuf: number;
  /** SIOCOUTQ of the server's socket: written, not yet acknowledged by the peer. */
  kernelSendQueue: number;
}

export interface ServerSnapshot {
  /** ms since listen. */
  time: number;
  address: string;
  /** -1 once the server stopped accepting. */
  listenFd: number;
  epollFd: number;
  threads: number;
  /** Iterations of the main reactor. */
  iterations: number;
  /** Open connections, by id (gathered from every reactor). */
  connections: ServerConnectionSnapshot[];
}

export interface CloseOptions {
  /** How long open connections get to finish (their output drained, their peer closed) before they are closed (default 5000). */
  timeoutMs?: number;
}

export interface HandlerError {
  conn: number;
  handler: keyof ServerHandlers;
  error: unknown;
}
