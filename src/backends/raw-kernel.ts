// The contract between the TypeScript API and a compiled kernel binding.
// The Node addon (native/addon) and the wasm module (wasm/) both expose an
// object with exactly these methods. It is deliberately C-like: numbers in,
// numbers out, a negative result is -errno (Linux numbering). All argument
// validation that concerns the JS API itself happens in src/kernel.ts before
// a call reaches here; bindings only translate.

/** Family codes: 1 = AF_UNIX stream, 2 = TCP (AF_INET, or AF_INET6 once an IPv6 address is bound or connected). */
export type RawFamily = 1 | 2;

export interface RawKernel {
  socket(family: number): number;
  /** [fd0, fd1] on success, -errno on failure. sndbuf/rcvbuf <= 0 and nodelay -1 mean unset. */
  socketpair(family: number, sndbuf: number, rcvbuf: number, nodelay: number): number[] | number;
  bind(fd: number, addr: string): number;
  listen(fd: number, backlog: number): number;
  connect(fd: number, addr: string): number;
  accept(fd: number): number;
  /** 'A.B.C.D:PORT', '[IPV6]:PORT' or '@name' ('' for an unbound unix socket), or -errno. */
  getsockname(fd: number): string | number;
  /** A fresh Uint8Array (owned by the caller; empty at end of file), or -errno. */
  read(fd: number, max: number): Uint8Array | number;
  /** read() whose bytes stay behind: the count read (0 at end of file), or -errno. */
  readDiscard(fd: number, max: number): number;
  write(fd: number, data: Uint8Array): number;
  /** how: 0 = SHUT_RD, 1 = SHUT_WR, 2 = SHUT_RDWR. */
  shutdown(fd: number, how: number): number;
  close(fd: number): number;
  dup(fd: number): number;
  eventfd(): number;
  /** opt: 0 = SO_SNDBUF, 1 = SO_RCVBUF, 2 = TCP_NODELAY, 3 = SO_ERROR. */
  setsockopt(fd: number, opt: number, value: number): number;
  getsockopt(fd: number, opt: number): number;
  /** req: 0 = SIOCINQ, 1 = SIOCOUTQ. */
  ioctl(fd: number, req: number): number;
  epollCreate(): number;
  /** op: 1 ADD, 2 DEL, 3 MOD (any other number gets EINVAL); events as uint32; data is stored as epoll's user data. */
  epollCtl(ep: number, op: number, fd: number, events: number, data: number): number;
  /** Flat [data0, events0, data1, events1, ...] (events as uint32), or -errno. */
  epollWait(ep: number, maxevents: number, timeoutMs: number): number[] | number;
  /** Virtual ms (sim) or CLOCK_MONOTONIC ms (linux). */
  now(): number;
  advance(ms: number): void;
  /** The simulated kernel's state as JSON (sim only; '{}' on linux). */
  inspect(): string;
  /** inspect() with each file cut to what a view redraws every step (the C++ DescribeBrief). */
  inspectBrief(): string;
  /** Frees the C++ kernel: closes every fd it opened. Further calls throw. */
  dispose(): void;
}
