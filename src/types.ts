// The one public types file: every backend (real Linux, native sim, wasm sim)
// is driven through exactly these types, from Node and from the browser.

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

/** 'unix' = AF_UNIX stream; 'tcp' = TCP over 127.0.0.0/8. */
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
  | 'ECONNABORTED'
  | 'ECONNRESET'
  | 'EISCONN'
  | 'ENOTCONN'
  | 'ETIMEDOUT'
  | 'ECONNREFUSED'
  | 'EALREADY'
  | 'EINPROGRESS'
  | `E${number}`;

export type SockOptName = 'SO_SNDBUF' | 'SO_RCVBUF' | 'TCP_NODELAY' | 'SO_ERROR';
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
 * seq, t, actor, call, fd, name, args, ret | err, created, events.
 * `fd`/`name` are present for calls that take an fd (name null when the fd is
 * not open through this kernel); `created` names the fds a call returned.
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
}

export interface Trace {
  header: TraceHeader;
  records: readonly TraceRecord[];
}

export type EdgeloopErrorCode = 'ERR_INVALID_ARG' | 'ERR_UNKNOWN_NAME' | 'ERR_DISPOSED' | 'ERR_BACKEND';

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
  bind(fd: number, addr: string): number | ErrnoName;
  listen(fd: number, backlog: number): number | ErrnoName;
  connect(fd: number, addr: string): number | ErrnoName;
  accept(fd: number): number | ErrnoName;
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
  /** SO_ERROR gives the pending errno as a number (0 for none); errnoName() converts. */
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
  /** sim: the simulated kernel's state (parsed JSON); linux: null. */
  inspect(): Record<string, unknown> | null;
  /** Sets the actor recorded for subsequent calls (default 'app'). */
  setActor(name: string): void;
  /** The trace so far (readable after dispose). Records are empty when tracing is off. */
  readonly trace: Trace;
  /** The trace as JSON Lines: the header line, then one line per record (readable after dispose). */
  traceJsonl(): string;
  /** Closes every fd of this kernel; afterwards every method throws ERR_DISPOSED. */
  dispose(): void;
}
