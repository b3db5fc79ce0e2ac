// The one public types file: every backend (real Linux, native sim, wasm sim)
// is driven through exactly these types, from Node and from the browser (the
// real server's are Node's only: createServer is exported from the Node
// entry). It imports nothing, so every module may import it.

/** How to open a kernel. There is never a silent fallback between backends. */
export type KernelBackendOptions =
  | {
      backend: 'linux';
      /** Record every call (default true). */
      trace?: boolean;
    }
  | {
      backend: 'sim';
      /** 'native' (the Node addon; the default in Node) or 'wasm' (the default and only choice in the browser). */
      engine?: 'native' | 'wasm';
      /** uint32, default 1. Same script + same seed => byte-identical trace on both engines. */
      seed?: number;
      /** Record every call (default true). */
      trace?: boolean;
    };

export type BackendName = 'linux' | 'sim';
export type EngineName = 'native' | 'wasm';
/**
 * Where a Simulation's reactor runs: the simulated kernel on the native addon
 * or the wasm module, or (Node only) real Linux through the addon: the same
 * reactor on real epoll, its peers real sockets.
 */
export type SimulationEngineName = EngineName | 'linux';

/**
 * 'unix' = AF_UNIX stream; 'tcp' = TCP, over IPv4 or IPv6 by the address it
 * is bound or connected to (the sim: IPv4 loopback, 127.0.0.0/8).
 */
export type Family = 'unix' | 'tcp';

/**
 * The errno names the kernels produce (Linux numbering, see errno_codes.h),
 * plus `E<number>` for a number without a name.
 */
export type ErrnoName =
  | 'EPERM'
  | 'ENOENT'
  | 'EINTR'
  | 'EBADF'
  | 'EAGAIN'
  | 'ENOMEM'
  | 'EACCES'
  | 'EFAULT'
  | 'EEXIST'
  | 'EINVAL'
  | 'ENFILE'
  | 'EMFILE'
  | 'ENOTTY'
  | 'EPIPE'
  | 'ENOSYS'
  | 'ELOOP'
  | 'ENOTSOCK'
  | 'EDESTADDRREQ'
  | 'ENOPROTOOPT'
  | 'EOPNOTSUPP'
  | 'EAFNOSUPPORT'
  | 'EADDRINUSE'
  | 'EADDRNOTAVAIL'
  | 'ENETUNREACH'
  | 'ECONNABORTED'
  | 'ECONNRESET'
  | 'EISCONN'
  | 'ENOTCONN'
  | 'ETIMEDOUT'
  | 'ECONNREFUSED'
  | 'EHOSTUNREACH'
  | 'EALREADY'
  | 'EINPROGRESS'
  | `E${number}`;

export type SockOptName = 'SO_SNDBUF' | 'SO_RCVBUF' | 'TCP_NODELAY' | 'SO_ERROR' | 'SO_REUSEADDR' | 'SO_REUSEPORT';
export type ShutdownHow = 'RD' | 'WR' | 'RDWR';
export type IoctlName = 'SIOCINQ' | 'SIOCOUTQ';
export type EpollOpName = 'ADD' | 'MOD' | 'DEL';

/** One ready item: `fd` is the number given at ADD/MOD time (epoll's user data), `events` a uint32 mask. */
export interface EpollEventRecord {
  fd: number;
  events: number;
}

/** Applied to both ends before they connect. Buffer sizes are positive; Linux doubles them. */
export interface SocketPairOptions {
  sndbuf?: number;
  rcvbuf?: number;
  nodelay?: boolean | 0 | 1;
}

/** First line of a JSON Lines trace. It names the kernel, never the engine. */
export interface TraceHeader {
  type: 'header';
  version: 1;
  kernel: BackendName;
  /** The sim's seed; null on linux. */
  seed: number | null;
}

/** A ready event as recorded by epollWait: fd (user data), its name at ADD/MOD time, event names. */
export interface TraceEvent {
  fd: number;
  name: string | null;
  events: string;
}

/**
 * One call. Keys always appear in this order; optional ones only when they apply:
 * seq, t, actor, call, fd, name, args, ret | err, created, events, site, origin.
 * `fd`/`name` are present for calls that take an fd (name null when the fd is
 * not open through this kernel); `created` names the fds a call returned.
 * `site`/`origin`: the reactor's C++ behind a call it made (see CallSiteText).
 */
export interface TraceRecord {
  seq: number;
  /** sim: virtual ms at the start of the call; linux: ms since open, 3 decimals. */
  t: number;
  actor: string;
  call: string;
  fd?: number;
  name?: string | null;
  args: Record<string, unknown>;
  ret?: number | string | number[];
  err?: ErrnoName;
  created?: string | string[];
  events?: TraceEvent[];
  /**
   * The reactor function and line that made the call (reactor records only):
   * the text at the site's first record in the trace, its number after
   * (sites numbered from 0 in the order their text first appears, as
   * `site` or `origin`; callSiteTable() reads them).
   */
  site?: CallSiteText | number;
  /**
   * The line that asked for the call through a Channel: an epollCtl made by
   * Epoll::UpdateChannel because TcpConnection::Send called EnableWrite.
   * Text or number, as `site`.
   */
  origin?: CallSiteText | number;
}

/**
 * A line of the reactor's C++: `"<Class>::<function> <repo-relative file>:<line>"`,
 * e.g. `"TcpConnection::Send native/reactor/tcp_connection.cc:73"` (the
 * same on the native and wasm builds). parseCallSite() splits it.
 */
export type CallSiteText = string;

/** A record without seq and t: what the store keeps once per distinct value. */
export type RecordTemplate = Omit<TraceRecord, 'seq' | 't'>;

/** A trace store's content (src/trace-store.ts) as plain data (typed arrays transferable between threads). */
export interface TraceColumns {
  seq: Float64Array;
  t: Float64Array;
  template: Uint32Array;
  /** Each template's JSON text: an object with the record's keys after t, in order. */
  templates: string[];
}

/** A trace kept as columns: its header and its records as a TraceStore holds them. */
export interface CompactTrace {
  header: TraceHeader;
  columns: TraceColumns;
}

export interface Trace {
  header: TraceHeader;
  records: readonly TraceRecord[];
}

/**
 * A call recorded by native code on a kernel (native/kernel/tracing_kernel.h:
 * the reactor), or an app event recorded beside those calls. Kernel.ingestTrace()
 * turns it into a TraceRecord: fds get their stable names, `err` its errno
 * name, epollCtl/epollWait masks their event names.
 */
export interface NativeTraceRecord {
  t: number;
  actor: string;
  call: string;
  fd?: number;
  args: Record<string, unknown>;
  ret?: number | string | number[];
  /** An errno number. */
  err?: number;
  /** epollWait: [user data, events] pairs. */
  events?: Array<[number, number]>;
  /**
   * The reactor's calls: the C++ that made it (TraceRecord.site), spelled
   * out in the first record of this actor that has it, later the number of
   * an earlier one (the actor's distinct sites in order of first appearance, from 0).
   */
  site?: CallSiteText | number;
  origin?: CallSiteText | number;
}

/**
 * ERR_CLOSED: an operation on a simulated connection that is closed (or,
 * for send, shutting down). ERR_LISTEN: a real server could not listen
 * (the port is in use: errno 'EADDRINUSE'). ERR_SCENARIO: a scenario document
 * failed validation (ScenarioError lists every problem with its JSON path).
 */
export type EdgeloopErrorCode =
  | 'ERR_INVALID_ARG'
  | 'ERR_UNKNOWN_NAME'
  | 'ERR_DISPOSED'
  | 'ERR_BACKEND'
  | 'ERR_CLOSED'
  | 'ERR_LISTEN'
  | 'ERR_SCENARIO'
  /** Sim only: epollWait(-1) with nothing ready and nothing scheduled (Linux would block forever). */
  | 'ERR_SIM_BLOCKED';

/**
 * The syscall-level kernel API. Failures the kernel reports come back as errno
 * names; only misuse of the JS API throws (an EdgeloopError).
 */
export interface KernelApi {
  readonly backend: BackendName;
  /** Only for backend 'sim'. */
  readonly engine: EngineName | undefined;

  socket(family: Family): number | ErrnoName;
  socketpair(family: Family, opts?: SocketPairOptions): [number, number] | ErrnoName;
  /**
   * addr: 'A.B.C.D:PORT' or '[IPV6]:PORT' (tcp) or '@name' (abstract unix).
   * linux takes any address the host has ('0.0.0.0:0', '[::]:0', '[::1]:0',
   * an interface's); the sim models loopback only: another IPv4 address is
   * EADDRNOTAVAIL, an IPv6 one EAFNOSUPPORT.
   */
  bind(fd: number, addr: string): number | ErrnoName;
  listen(fd: number, backlog: number): number | ErrnoName;
  /** addr as for bind. The sim: an IPv4 address outside 127.0.0.0/8 is ENETUNREACH, an IPv6 one EAFNOSUPPORT. */
  connect(fd: number, addr: string): number | ErrnoName;
  accept(fd: number): number | ErrnoName;
  /** 'A.B.C.D:PORT', '[IPV6]:PORT' (inet_ntop's form: '[::1]:8080') or '@name' ('' for an unbound unix socket). */
  getsockname(fd: number): string | ErrnoName;
  /** The bytes read (empty at end of file). */
  read(fd: number, max: number): Uint8Array | ErrnoName;
  /** `data` as bytes, or a count of filler bytes (a per-fd running pattern `(offset + i) & 0xff`). */
  write(fd: number, data: Uint8Array | number): number | ErrnoName;
  shutdown(fd: number, how: ShutdownHow): number | ErrnoName;
  close(fd: number): number | ErrnoName;
  dup(fd: number): number | ErrnoName;
  eventfd(): number | ErrnoName;
  setsockopt(fd: number, name: SockOptName, value: number | boolean): number | ErrnoName;
  /**
   * SO_ERROR gives the pending errno as a number (0 for none); errnoName()
   * converts. SO_REUSEADDR / SO_REUSEPORT give 1 or 0 (the sim records them
   * and accepted tcp sockets inherit them, with no other effect there).
   */
  getsockopt(fd: number, name: SockOptName): number | ErrnoName;
  ioctl(fd: number, request: IoctlName): number | ErrnoName;
  epollCreate(): number | ErrnoName;
  /** op: a name, or a raw number passed through (Linux: 1 ADD, 2 DEL, 3 MOD). mask: int32 or uint32. */
  epollCtl(ep: number, op: EpollOpName | number, fd: number, mask: number): number | ErrnoName;
  epollWait(ep: number, maxevents: number, timeoutMs: number): EpollEventRecord[] | ErrnoName;
  /** sim: virtual ms pass; linux: sleeps. */
  advance(ms: number): void;
  /** sim: virtual ms; linux: ms since open (3 decimals). */
  now(): number;
  /**
   * sim: the simulated kernel's state (parsed JSON); linux: null. `brief`:
   * each file cut to what a view redraws every step (sockets: type, state,
   * sndbuf, rcvbuf, charged, writable, writableUpTo, recvQueueBytes, and
   * TCP's writeSeq, sndUna, sndNxt, sndWndEdge; epolls as in full), without
   * the PRNG state and the timer count: a fifth of the text.
   */
  inspect(options?: { brief?: boolean }): SimKernelState | null;
  /** Sets the actor recorded for subsequent calls (default 'app'). */
  setActor(name: string): void;
  /** Appends calls native code made on this kernel (the reactor) to this trace. */
  ingestTrace(records: readonly NativeTraceRecord[]): void;
  /** The trace's name of an open fd ('s1', 'ep1', ...), or null. */
  fdName(fd: number): string | null;
  /** The trace so far (readable after dispose). Records are empty when tracing is off. */
  readonly trace: Trace;
  /** The trace as JSON Lines: the header line, then one line per record (readable after dispose). */
  traceJsonl(): string;
  /** Closes every fd of this kernel; afterwards every method throws ERR_DISPOSED. */
  dispose(): void;
  /**
   * The same kernel for strict TypeScript: every call returns its success
   * type and throws ErrnoError (code: the errno name) where the call above
   * returns an errno name. `must(result, 'call')` does it for one call.
   */
  readonly strict: StrictKernelApi;
}

/** The kernel API's calls that answer with an errno name on failure. */
export type ErrnoCall =
  | 'socket'
  | 'socketpair'
  | 'bind'
  | 'listen'
  | 'connect'
  | 'accept'
  | 'getsockname'
  | 'read'
  | 'write'
  | 'shutdown'
  | 'close'
  | 'dup'
  | 'eventfd'
  | 'setsockopt'
  | 'getsockopt'
  | 'ioctl'
  | 'epollCreate'
  | 'epollCtl'
  | 'epollWait';

/** KernelApi.strict: each errno-answering call with the errno thrown (ErrnoError) instead of returned. */
export type StrictKernelApi = {
  [K in ErrnoCall]: (...args: Parameters<KernelApi[K]>) => Exclude<ReturnType<KernelApi[K]>, ErrnoName>;
};

// ---- the reactor: what the simulation and the real server share ----

/** The reactor's variants: the correct one, and the tutorial's code as written. */
export type VariantName = 'edgeloop' | 'day26-as-written' | 'day25-write-all' | MutantName;

/**
 * Deliberately broken reactors for proving that Explore finds bugs: the
 * `edgeloop` connection with one classic bug each. Only a test build has
 * them (scripts/build-mutants.sh; load it with EDGELOOP_ADDON); a normal
 * build refuses these names.
 */
export type MutantName =
  | 'mutant-keeps-epollout'
  | 'mutant-never-resumes-reading'
  | 'mutant-one-read-per-wakeup'
  | 'mutant-eintr-fatal'
  | 'mutant-accept-error-fatal'
  | 'mutant-no-spare-fd'
  | 'mutant-closes-before-flush'
  | 'mutant-writes-past-queue'
  | 'mutant-closes-before-del';
export type HighWaterPolicy = 'pause-reading' | 'close';

/** How the reactor registers its sockets with epoll: EPOLLET (default) or level-triggered. */
export type TriggerMode = 'edge' | 'level';
export type BuiltinAppName = 'echo' | 'discard';

/**
 * A built-in app, run in C++ (on a real server's sub-reactor threads when
 * `threads` > 0): echo, discard, or { bulk: n }: send n bytes (byte i = i & 0xff)
 * on connect, then shut down.
 */
export type BuiltinApp = BuiltinAppName | { bulk: number };

/**
 * The reactor's options, the same for Simulation.create(), createServer() and
 * a scenario's `options` (their lists, defaults and bounds are exported:
 * VARIANTS, TRIGGERS, HIGH_WATER_POLICIES, SOCKET_BUFFER_MAX, ...).
 */
export interface ReactorOptions {
  /** Default 'edgeloop'. The tutorial's variants are for seeing their bugs, not for serving. */
  variant?: VariantName;
  /** SO_SNDBUF / SO_RCVBUF of the server's accepted sockets (Linux doubles them). Default: the kernel's (autotuning). */
  sndbuf?: number;
  rcvbuf?: number;
  /**
   * Output bytes per connection that fire onHighWaterMark (default 4 MiB in
   * the simulation, as the tutorial's scenarios were written; 1 MiB for
   * createServer()).
   */
  highWaterMark?: number;
  /** What crossing it does: stop reading until half drained (default), or close. */
  highWaterPolicy?: HighWaterPolicy;
  /**
   * Output bytes all connections together may hold in the reactor's send
   * buffers (default 64 MiB for createServer(), 0 in the simulation; 0: no
   * cap). From an eighth below the budget (stats().memory.pauseAt: headroom
   * for the small reads that cross it and the connections' own memory), a
   * connection that adds output stops reading until
   * its own output has drained (or the server is back under half the budget
   * and it under half its high-water mark); past 1.25 times the budget (an
   * app that sends without reading) the connection holding the most output
   * is reset (RST, close reason 'memory-budget'), then the next, until the
   * server is back under the budget. Counted in stats().memory; each pause
   * and reset is an app record 'memoryBudget' in the trace.
   */
  memoryBudget?: number;
  /**
   * How the reactor registers its sockets: 'edge' (default, EPOLLET: read and
   * accept until EAGAIN, the seed's design) or 'level' (muduo's own mode: one
   * read or accept per event, epoll reports what is left). 'level' needs
   * variant 'edgeloop': the tutorial's variants run as written.
   */
  trigger?: TriggerMode;
  /**
   * Open connections at most (default: no limit). One more is accepted and
   * closed at once, never left in the backlog (under ET a queued connection
   * is not reported again until another arrives); counted in stats().refused.
   */
  maxConnections?: number;
}

/** A connection of the reactor's server, as JS handlers see it. */
export interface ReactorConnection {
  /** 1, 2, ... in accept order. */
  readonly id: number;
  readonly closed: boolean;
  /**
   * Whether send() would take bytes now: false once it is closed, once
   * shutdown() was called, or once a real server's close() shut it down (it
   * had read nothing for a quiet period and had sent everything).
   */
  readonly writable: boolean;
  /**
   * Why it closed: 'peer-closed', 'EPIPE', 'ECONNRESET', 'high-water-mark',
   * 'handler-error', 'closed-by-app', 'server-stopped' (a real server's close()), ...
   */
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
   * ERR_CLOSED once closed or shut down (check `writable`). During a real
   * server's close() sends are taken as before until the server shuts the
   * connection down.
   */
  send(data: Uint8Array | string): boolean;
  /** SHUT_WR once the output has drained. Throws ERR_CLOSED once closed. */
  shutdown(): void;
  /** Closes now, dropping pending output. Throws ERR_CLOSED once closed. */
  close(): void;
}

/**
 * JS callbacks for the reactor's connections. They run synchronously inside
 * the reactor iteration that produced the event, exactly where a built-in
 * app's callback runs (muduo's semantics): in the simulation inside step(), on
 * a real server on Node's own thread. So a send() from onMessage is queued
 * before the reactor reads on (a request followed at once by the peer's
 * half-close still gets its reply), and the high-water mark pauses reading as
 * soon as a handler's output crosses it. A handler that throws closes its
 * connection (reason 'handler-error'); the server and the other connections
 * carry on, and the error is kept in `handlerErrors`.
 */
export interface ReactorHandlers<C extends ReactorConnection> {
  onConnection?(conn: C): void;
  /**
   * `data` is the handler's to keep; on a real server small messages are views
   * into a shared ArrayBuffer (as Node's pooled Buffers), so use `data` itself,
   * not `data.buffer`.
   */
  onMessage?(conn: C, data: Uint8Array): void;
  /**
   * The output has drained: all bytes sent so far are in the kernel. After a
   * send() that said false, once send_buf_ empties; after sends that went out
   * whole, once at the end of that round (muduo's semantics, so a producer
   * may be called when it has nothing left: let it return). At most one is
   * pending per connection, none while output is queued again, none after
   * shutdown() or close. A real server reads whether it is given once, at
   * listen(): without it the reactor does not report completions.
   */
  onWriteComplete?(conn: C): void;
  onHighWaterMark?(conn: C, queuedBytes: number): void;
  onClose?(conn: C, reason: string): void;
}

// ---- the simulation (src/simulation) ----

/** A connection of the simulated server. */
export interface SimConnection extends ReactorConnection {
  /** The name of the peer on the other end, when the simulation knows it. */
  readonly peer: string | null;
}

export type SimulationHandlers = ReactorHandlers<SimConnection>;

export interface SimulationOptions extends ReactorOptions {
  /** Default 'native' in Node, 'wasm' in the browser. 'linux' (Node only): the reactor and its peers on real sockets. */
  engine?: SimulationEngineName;
  /** uint32, default 1. */
  seed?: number;
  /** Default 'unix'. */
  family?: Family;
  /** Default 'echo'. */
  app?: BuiltinApp | SimulationHandlers;
  /**
   * Record the trace (default true). Off, a run is several times faster and
   * `trace` stays empty; what the reactor does is the same (Explore runs its
   * seeds untraced and re-runs a failing one traced).
   */
  trace?: boolean;
}

/**
 * A fault the simulation injects into the reactor's own syscalls, one that
 * Linux really gives a process (docs/explore.md: the kernel path of each).
 * `count`: how many times it fires (default 1); a fault fires only where the
 * call would otherwise have gone its normal way (an accept with nothing
 * queued stays EAGAIN and keeps the fault armed).
 */
export type FaultName = 'eintr' | 'acceptError' | 'shortWrite' | 'spuriousWakeup' | 'nofile' | 'delayedAck';

export interface FaultSpec {
  fault: FaultName;
  /** eintr, acceptError, shortWrite, spuriousWakeup: how many calls it hits (default 1). */
  count?: number;
  /** acceptError: EMFILE, ENFILE, ENOMEM (the connection stays queued) or ECONNABORTED (it was dequeued and destroyed). */
  errno?: 'EMFILE' | 'ENFILE' | 'ECONNABORTED' | 'ENOMEM';
  /** shortWrite, spuriousWakeup: the connection (Simulation.injectFault; a scenario names a `peer`). */
  conn?: number;
  /** shortWrite: each hit write takes at most this many bytes (a short write under memory pressure). */
  maxBytes?: number;
  /** spuriousWakeup: what epoll_wait reports though nothing is ready (default 'EPOLLIN'). */
  events?: 'EPOLLIN' | 'EPOLLOUT' | 'EPOLLIN|EPOLLOUT';
  /** nofile: RLIMIT_NOFILE from now on (fds already open stay). */
  limit?: number;
  /** delayedAck: the simulated TCP delayed-ACK timeout from now on (36 to 40 ms). */
  ms?: number;
}

/** Per-peer options (sim.peer(name, options)). */
export interface PeerOptions {
  /** Applied before connect. */
  sndbuf?: number;
  rcvbuf?: number;
  /** Bytes a reading peer takes per step (default: everything, in 64 KiB reads until EAGAIN). */
  readPerStep?: number;
}

export interface StepResult {
  /** Ready events the reactor's epoll_wait returned. */
  reactorEvents: number;
  /** Reads the peers made. */
  peerReads: number;
  /** App events delivered (connection, message, close, ...). */
  appEvents: number;
  /** The reactor's epoll_wait failed EINTR (an injected fault): no events this round, and not an idle one, since what is ready is still pending. */
  interrupted: boolean;
  /** Nothing happened: no ready event, no app event, no peer read (and no interrupted wait). */
  idle: boolean;
}

/** `Sim`: the simulation run() is called on (Simulation.run passes itself). */
export interface RunOptions<Sim = unknown> {
  /** Stop when this returns true (checked before each step), or 'idle' (default): after a step where nothing happened. */
  until?: 'idle' | ((sim: Sim) => boolean);
  /** Upper bound on steps (default 10000). run() never goes past it. */
  maxSteps?: number;
}

export interface RunResult {
  steps: number;
  /** Why it stopped: the condition held, the simulation went idle, or maxSteps ran out. */
  reason: 'until' | 'idle' | 'maxSteps';
}

export interface InterestEntry {
  fd: number;
  name: string | null;
  /** Event names, e.g. 'EPOLLIN|EPOLLPRI|EPOLLET'. */
  events: string;
  mask: number;
  /** On the ready list now. */
  ready: boolean;
}

/**
 * The simulated kernel's state as inspect() gives it: its clock, PRNG,
 * timers, the sysctls it reproduces (`config`) and every open file. The
 * fields named here are the ones a viewer can rely on; each kind of file
 * carries more (a TCP socket its sequence numbers, window and cwnd; an
 * epoll its interest and ready lists).
 */
export type SimKernelState = {
  /** Virtual ms. */
  now: number;
  /** The host settings it reproduces (sysctls: wmemDefault, tcpRmem, somaxconn, ...). */
  config: Record<string, number | number[]>;
  fds: InspectedFile[];
  [field: string]: unknown;
};

/** One open file of the simulated kernel: 'unix' | 'tcp' sockets, 'epoll', 'eventfd'. */
export type InspectedFile = InspectedSocket | { fd: number; type: 'epoll' | 'eventfd'; [field: string]: unknown };

/**
 * A socket as the simulated kernel accounts for it. `charged` is what
 * SO_SNDBUF is held against (AF_UNIX: sk_wmem_alloc, the truesize of every
 * skb not yet consumed by the reader, payload and overhead; TCP:
 * sk_wmem_queued, unsent and unacknowledged skbs); `writable` is poll
 * writability by the kernel's own rule (unix_writable: (charged + 1) * 4 <=
 * sndbuf; __sk_stream_is_writeable: free room of at least half of what is
 * queued), and `writableUpTo` the largest charge that rule still calls
 * writable: where EPOLLOUT comes back.
 */
export type InspectedSocket = {
  fd: number;
  type: 'unix' | 'tcp';
  state: string;
  sndbuf: number;
  rcvbuf: number;
  charged: number;
  writable: boolean;
  writableUpTo: number;
  /** Bytes received and not yet read. */
  recvQueueBytes: number;
  [field: string]: unknown;
};

export interface ConnectionSnapshot {
  id: number;
  peer: string | null;
  /** null once closed. */
  fd: number | null;
  name: string | null;
  state: 'connecting' | 'connected' | 'disconnecting' | 'disconnected';
  closeReason: string | null;
  peerHalfClosed: boolean;
  reading: boolean;
  writing: boolean;
  /** The reactor's interest mask for it, as names ('' once closed). */
  interest: string;
  /** Bytes in the reactor's send_buf_. */
  sendBuf: number;
  /** Bytes read and not yet consumed by the app. */
  readBuf: number;
  /** SIOCOUTQ of the server's socket (0 once closed). */
  kernelSendQueue: number;
  /** SIOCINQ of the peer's socket: received, not yet read by the peer (null: no peer or closed). */
  peerReceiveQueue: number | null;
  /** SIOCINQ of the server's socket: arrived from the peer, not yet read by the reactor (0 once closed). */
  kernelReceiveQueue: number;
  /**
   * SIOCOUTQ of the peer's socket (null: no peer or closed). TCP: what the
   * peer wrote that the server has not acknowledged (unsent, or in flight).
   * AF_UNIX: what the peer wrote that the server has not read, the same
   * bytes as kernelReceiveQueue (they sit on the server's receive queue,
   * charged to the peer's send buffer).
   */
  peerSendQueue: number | null;
}

export interface SimulationSnapshot {
  /** Virtual ms (engine 'linux': ms since the kernel was opened). */
  time: number;
  /** The reactor's epoll interest list, in the kernel's (file, fd) order. */
  interest: InterestEntry[];
  /**
   * The reactor's epoll ready list, in order. Engine 'linux': always empty,
   * and readyKnown is false (Linux shows an epoll's interest list in
   * /proc/self/fdinfo, never its ready list).
   */
  ready: Array<{ fd: number; name: string | null }>;
  /** Whether `ready` (and each interest entry's `ready`) is known: true on the simulated kernel, false on 'linux'. */
  readyKnown: boolean;
  listen: { fd: number; name: string | null; address: string };
  /** Connections accepted so far, by id; closed ones stay with state 'disconnected'. */
  connections: ConnectionSnapshot[];
  /** Connections the acceptor closed at once because the process was out of fds (EMFILE). */
  dropped: number;
  /** Connections accepted and closed at once because maxConnections were open. */
  refused: number;
  /** The listening socket is open (false after stopAccepting(); listen.fd is then -1). */
  accepting: boolean;
}

// ---- the real server (src/server; Node only) ----

/** @deprecated The same type as BuiltinApp, under the name createServer's options first gave it. */
export type ServerBuiltinApp = BuiltinApp;

/** A connection of the real server. */
export type ServerConnection = ReactorConnection;

export type ServerHandlers = ReactorHandlers<ServerConnection>;

export interface ServerOptions extends ReactorOptions {
  /**
   * The address to listen on: an IPv4 or IPv6 literal ('127.0.0.1', '0.0.0.0'
   * for every IPv4 interface, '::' for every interface (IPv4 too, unless the
   * host sets net.ipv6.bindv6only), '::1', an interface's address) or
   * 'localhost' (127.0.0.1). Default '127.0.0.1'. The listener always has
   * SO_REUSEADDR, so a restarted server takes its port back at once.
   */
  host?: string;
  /** 0 to 65535; 0 picks a free port (see address() once listening). */
  port: number;
  /** A built-in app, or JS handlers. Default 'echo'. */
  app?: BuiltinApp | ServerHandlers;
  /** JS handlers (the same as passing them as `app`; give one or the other). */
  handlers?: ServerHandlers;
  /**
   * Sub-reactor threads (default 0: everything on Node's loop). With N > 0 the
   * main reactor accepts and hands connections round robin to N threads;
   * only built-in apps can run there (JS handlers need threads: 0).
   */
  threads?: number;
  /** listen(2)'s backlog (default 4096). */
  backlog?: number;
  /**
   * SO_REUSEPORT on the listener (default false): several servers (several
   * `edgeloop serve` processes) listen on the same port, and the kernel
   * spreads new connections among them. Each must set it, as the same user.
   */
  reusePort?: boolean;
  /**
   * A file to record the reactor's syscalls and app events to, as a JSON
   * Lines trace (the simulation's format: header line, then one record per
   * line; `t` is ms since listen).
   */
  trace?: string;
  /**
   * Streams the reactor's trace, its connections and interest lists to
   * viewers (the playground) over a WebSocket on loopback: `true` for the
   * defaults (127.0.0.1, a free port), or where. See docs/live-view.md.
   * Turns the reactor's tracing on, as `trace` does.
   */
  live?: boolean | LiveViewOptions;
}

/** Where the live view listens (loopback only: it has no authentication). */
export interface LiveViewOptions {
  /** '127.0.0.1' (default; 'localhost' is the same), another 127.0.0.0/8 address, or '::1'. Anything else is refused. */
  host?: string;
  /** 0 to 65535; 0 (default) picks a free port (see address().live once listening). */
  port?: number;
  /**
   * A viewer that reads more slowly than records come stops getting them once
   * this much is queued for it, until it catches up (it then gets a `gap`
   * message saying how many it missed). Default 8 MiB; 64 KiB to 1 GiB.
   */
  maxBufferedBytes?: number;
}

/** The live view's address once listening. */
export interface LiveAddressInfo {
  host: string;
  port: number;
  /** 'ws://127.0.0.1:PORT', 'ws://[::1]:PORT': what the playground attaches to. */
  url: string;
}

export interface ServerAddressInfo {
  host: string;
  port: number;
  /** As getsockname reports it: 'A.B.C.D:PORT' or '[IPV6]:PORT'. */
  address: string;
  /** The live view's address, when the server has one (the `live` option). */
  live?: LiveAddressInfo;
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
  /** Gone before accept returned them (accept failed ECONNABORTED: the kernel dequeued and destroyed them). */
  aborted: number;
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
  /** Output buffered in the reactors' send buffers, against the memory budget. */
  memory: ServerMemoryStats;
  /** Live view: viewers attached now (0 without the `live` option). */
  liveClients: number;
  /** Live view: trace records not sent to a viewer because it fell behind (all viewers, so far). */
  liveDropped: number;
  /** Live view: bytes queued for the viewers now (each held below its maxBufferedBytes plus one message). */
  liveBuffered: number;
}

export interface ServerMemoryStats {
  /** The memoryBudget option (0: no cap). */
  budget: number;
  /**
   * Where connections that add output start to be paused: the budget less an
   * eighth, kept as headroom for the small reads that cross it and the
   * connections' own memory (0: no cap).
   */
  pauseAt: number;
  /** Output all connections hold in user space now. */
  bufferedOutput: number;
  /** The most they held at once. */
  peakBufferedOutput: number;
  /** Connections the budget paused (stopped reading), so far. */
  pausedByBudget: number;
  /** Connections the budget reset, so far (also closeReasons['memory-budget']). */
  resetByBudget: number;
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
  /** The listening socket is open (false once close() began). */
  accepting: boolean;
  /** Connections accepted and served so far. */
  accepted: number;
  /** Accepted and closed at once: maxConnections were open. */
  refused: number;
  /** Accepted and closed at once: the process was out of fds (EMFILE). */
  dropped: number;
  /** Iterations of the main reactor. */
  iterations: number;
  /** Open connections, by id (gathered from every reactor). */
  connections: ServerConnectionSnapshot[];
}

export interface CloseOptions {
  /**
   * How long open connections get to finish (their output drained, their
   * peer closed) before they are closed (default 5000). One still holding
   * output then is reset (RST, close reason 'server-stopped-reset'), so its
   * peer knows the stream was cut; the others are closed ('server-stopped').
   */
  timeoutMs?: number;
  /**
   * A connection is shut down (SHUT_WR, its peer sees end of file) once it
   * has read nothing for this long and has sent everything (default 200).
   * Measured by the connection's own reactor loop, with nothing waiting
   * unread in its socket: a stall of Node's thread is not a quiet peer.
   * Until then its handlers go on: a peer still sending gets its answers.
   * 0: shut every connection down at once, as its output drains.
   */
  quietMs?: number;
}

export interface HandlerError {
  conn: number;
  handler: keyof ServerHandlers;
  error: unknown;
}

// ---- the live view's protocol (docs/live-view.md) ----
// The server sends JSON text messages, one per WebSocket message; a viewer
// sends nothing (what it sends is ignored). In order: `hello`, `snapshot`,
// then `records` as the reactor makes them, with a `snapshot` and `stats`
// about every 250 ms, a `gap` when the viewer fell behind and missed some,
// and `bye` when the server closes.

/** The first message. */
export interface LiveHello {
  type: 'hello';
  /** This protocol's version: 1. A viewer refuses another. */
  protocol: 1;
  /** edgeloop's version (package.json). */
  version: string;
  /** The reactor's server: host, port and address as listen() gave them. */
  server: { host: string; port: number; address: string };
  /** The server's options, defaults filled in ('js' for JS handlers). */
  options: LiveOptionsSummary;
  /** Sub-reactor threads (0: one reactor). */
  threads: number;
  /** Wall-clock time now (ISO 8601), and ms since listen (the trace's clock) now. */
  time: string;
  t: number;
  /** The header of the trace the records belong to (a trace file's first line). */
  header: TraceHeader;
  /** How this server paces and bounds the stream. */
  limits: { snapshotMs: number; drainMs: number; maxBufferedBytes: number; maxClients: number; maxRecordsPerMessage: number; maxSnapshotConnections: number };
}

export interface LiveOptionsSummary {
  app: 'echo' | 'discard' | 'bulk' | 'js';
  bulkBytes?: number;
  variant: VariantName;
  trigger: TriggerMode;
  highWaterMark: number;
  highWaterPolicy: HighWaterPolicy;
  /** 0: no limit. */
  maxConnections: number;
  /** The server-wide cap on buffered output (0: none). */
  memoryBudget: number;
  reusePort: boolean;
  threads: number;
}

/** A connection in a live snapshot: the server's snapshot of it, and its socket's name in the trace. */
export interface LiveConnection extends ServerConnectionSnapshot {
  /** The trace's name for its fd ('s7'), null if the trace has not named it yet. */
  name: string | null;
}

/** One epoll instance of the server (one per reactor) and its interest list, as the trace says. */
export interface LiveEpoll {
  /** The trace's name ('ep1'). */
  name: string;
  /** The actor that created it: 'reactor' (loop 0), 'reactor-1' (sub-reactor 1)... */
  owner: string;
  /** Registered fds (epoll's user data), with their names and masks at ADD/MOD time, by fd. */
  interest: Array<{ fd: number; name: string | null; events: string }>;
}

/** The server's state: sent after `hello`, then about every 250 ms. */
export interface LiveSnapshot {
  type: 'snapshot';
  /**
   * The seq of the last trace record before this message (0: none yet). The
   * interest lists are exactly those after that record; the connections are
   * read from the reactors at the same moment (with threads, a sub-reactor may
   * be a few records ahead).
   */
  seq: number;
  snapshot: Omit<ServerSnapshot, 'connections'> & { connections: LiveConnection[] };
  /** Open connections left out: a snapshot holds the busiest maxSnapshotConnections (most bytes queued), by id. */
  omitted: number;
  epolls: LiveEpoll[];
}

/** Trace records, in seq order, exactly as a trace file has them (the seq continues across messages). */
export interface LiveRecords {
  type: 'records';
  records: TraceRecord[];
}

export interface LiveStats {
  type: 'stats';
  stats: ServerStats;
}

/**
 * This viewer fell behind (more than maxBufferedBytes queued for it): the
 * records with seq from `from` to `to` were not sent to it (`dropped` of
 * them); the stream goes on after `to`, and a fresh snapshot follows.
 */
export interface LiveGap {
  type: 'gap';
  dropped: number;
  from: number;
  to: number;
}

/** The server is closing; the socket closes next (code 1001). `stats`: the last counters. */
export interface LiveBye {
  type: 'bye';
  reason: string;
  stats: ServerStats;
}

export type LiveMessage = LiveHello | LiveSnapshot | LiveRecords | LiveStats | LiveGap | LiveBye;
