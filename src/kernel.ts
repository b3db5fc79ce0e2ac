// The syscall-level kernel API over a RawKernel binding (the Node addon or the
// wasm module). This layer validates JS misuse only and throws EdgeloopError
// for it; everything Linux would refuse goes through to the kernel, whose
// -errno comes back as an errno name. No node: imports: the browser uses it.
import { errnoName, eventNames } from './constants.js';
import { isTcpSockAddr } from './address.js';
import { describeValue, EdgeloopError, invalidArg, unknownName } from './errors.js';
import type { RawKernel } from './backends/raw-kernel.js';
import { strictKernel } from './strict-kernel.js';
import { ingestNativeRecord, ingestNativeText, traceToJsonl, Tracer, type TraceResult } from './trace.js';
import type {
  StrictKernelApi,
  BackendName,
  EngineName,
  EpollEventRecord,
  EpollOpName,
  ErrnoName,
  NativeTraceRecord,
  Family,
  IoctlName,
  KernelApi,
  ShutdownHow,
  SimKernelState,
  SockOptName,
  SocketPairOptions,
  Trace,
  CompactTrace,
  TraceHeader,
} from './types.js';

const FAMILIES: Record<Family, number> = { unix: 1, tcp: 2 };
const SHUTDOWN: Record<ShutdownHow, number> = { RD: 0, WR: 1, RDWR: 2 };
const SOCKOPTS: Record<SockOptName, number> = {
  SO_SNDBUF: 0,
  SO_RCVBUF: 1,
  TCP_NODELAY: 2,
  SO_ERROR: 3,
  SO_REUSEADDR: 4,
  SO_REUSEPORT: 5,
};
/** Flags: a boolean is taken as 1/0, as for TCP_NODELAY. */
const BOOLEAN_SOCKOPTS: ReadonlySet<SockOptName> = new Set(['TCP_NODELAY', 'SO_REUSEADDR', 'SO_REUSEPORT']);
const IOCTLS: Record<IoctlName, number> = { SIOCINQ: 0, SIOCOUTQ: 1 };
const EPOLL_OPS: Record<EpollOpName, number> = { ADD: 1, DEL: 2, MOD: 3 };
const PAIR_OPTION_KEYS = ['sndbuf', 'rcvbuf', 'nodelay'] as const;
/** Native calls that return a new fd (see ingestTrace). */
const NATIVE_NEW_FD = new Set(['socket', 'accept', 'epollCreate', 'eventfd', 'dup']);

const INT32_MIN = -0x80000000;
const INT32_MAX = 0x7fffffff;
/** The largest filler write: big enough for any buffer Linux allows, small enough to allocate. */
export const MAX_FILLER_BYTES = 64 * 1024 * 1024;

const utf8 = new TextEncoder();
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function isInt32(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= INT32_MIN && v <= INT32_MAX;
}

function isUint8Array(v: unknown): v is Uint8Array {
  // Realm-independent (Buffer is a Uint8Array too).
  return ArrayBuffer.isView(v) && Object.prototype.toString.call(v) === '[object Uint8Array]';
}

const RECORD_EXPECTED = 'a trace record { t: number, actor: string, call: string, args, fd?, ret?, err? }';

const SITE_EXPECTED = "a call site 'Class::function file:line' or an earlier one's number";

function isSite(v: unknown): boolean {
  return typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v) && v >= 0);
}

/** One record handed to ingestTrace (from a binding, or from a caller): its shape, so a bad one is an EdgeloopError. */
function checkNativeRecord(r: unknown, i: number): void {
  const where = `records[${i}]`;
  if (typeof r !== 'object' || r === null || Array.isArray(r)) throw invalidArg('ingestTrace', where, RECORD_EXPECTED, r);
  const o = r as Record<string, unknown>;
  if (typeof o.t !== 'number' || !Number.isFinite(o.t)) throw invalidArg('ingestTrace', `${where}.t`, 'a finite number (ms)', o.t);
  if (typeof o.actor !== 'string' || o.actor === '') throw invalidArg('ingestTrace', `${where}.actor`, 'a non-empty string', o.actor);
  if (typeof o.call !== 'string' || o.call === '') throw invalidArg('ingestTrace', `${where}.call`, 'a non-empty string', o.call);
  if (o.fd !== undefined && !isInt32(o.fd)) throw invalidArg('ingestTrace', `${where}.fd`, 'an integer fd', o.fd);
  if (o.args !== undefined && (typeof o.args !== 'object' || o.args === null || Array.isArray(o.args))) {
    throw invalidArg('ingestTrace', `${where}.args`, 'an object', o.args);
  }
  if (o.err !== undefined && !isInt32(o.err)) throw invalidArg('ingestTrace', `${where}.err`, 'an errno number', o.err);
  if (o.site !== undefined && !isSite(o.site)) throw invalidArg('ingestTrace', `${where}.site`, SITE_EXPECTED, o.site);
  if (o.origin !== undefined && !isSite(o.origin)) throw invalidArg('ingestTrace', `${where}.origin`, SITE_EXPECTED, o.origin);
}

/** An fd argument: any int32. Negative or closed fds are not misuse: the kernel answers EBADF. */
function checkFd(method: string, argument: string, v: unknown): number {
  if (!isInt32(v)) throw invalidArg(method, argument, 'an integer fd (int32)', v);
  return v;
}

function checkInt32(method: string, argument: string, v: unknown): number {
  if (!isInt32(v)) throw invalidArg(method, argument, 'an int32 integer', v);
  return v;
}

function checkName<T extends string>(method: string, argument: string, table: Record<T, number>, v: unknown): T {
  if (typeof v !== 'string') {
    throw invalidArg(method, argument, `a string, one of ${Object.keys(table).map((k) => `'${k}'`).join(', ')}`, v);
  }
  if (!Object.prototype.hasOwnProperty.call(table, v)) throw unknownName(method, argument, Object.keys(table), v);
  return v as T;
}

/**
 * Addresses as the kernels parse them (native/kernel/sock_addr.cc): '@name'
 * (1 to 107 bytes), 'A.B.C.D:PORT' or '[IPV6]:PORT', any address: which
 * ones a kernel takes is its answer (the sim: loopback only, EADDRNOTAVAIL,
 * ENETUNREACH or EAFNOSUPPORT for the rest). Anything else is misuse.
 */
function checkAddr(method: string, v: unknown): string {
  const forms = "'A.B.C.D:PORT' or '[IPV6]:PORT' (tcp, e.g. '127.0.0.1:8080', '[::1]:8080') or '@name' (abstract unix)";
  if (typeof v !== 'string') throw invalidArg(method, 'addr', `a string, ${forms}`, v);
  if (v.startsWith('@')) {
    // A lone surrogate has no UTF-8 form: the two engines would each mend it
    // differently and disagree on the name.
    if (LONE_SURROGATE.test(v)) throw invalidArg(method, 'addr', 'well-formed text (no lone UTF-16 surrogates)', v);
    const bytes = utf8.encode(v).length;
    if (bytes < 2 || bytes > 108) throw invalidArg(method, 'addr', "an abstract unix name '@name' of 1 to 107 bytes", v);
    return v;
  }
  if (!isTcpSockAddr(v)) throw invalidArg(method, 'addr', forms, v);
  return v;
}

function pairOptions(opts: unknown): { sndbuf: number; rcvbuf: number; nodelay: number; args: Record<string, unknown> } {
  const out = { sndbuf: 0, rcvbuf: 0, nodelay: -1, args: {} as Record<string, unknown> };
  if (opts === undefined) return out;
  if (typeof opts !== 'object' || opts === null || Array.isArray(opts)) {
    throw invalidArg('socketpair', 'opts', 'an object { sndbuf?, rcvbuf?, nodelay? } or undefined', opts);
  }
  const o = opts as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!(PAIR_OPTION_KEYS as readonly string[]).includes(key)) {
      throw unknownName('socketpair', 'opts', PAIR_OPTION_KEYS, key);
    }
  }
  for (const key of ['sndbuf', 'rcvbuf'] as const) {
    const v = o[key];
    if (v === undefined) continue;
    if (!isInt32(v) || v <= 0) throw invalidArg('socketpair', `opts.${key}`, 'a positive int32 byte count', v);
    out[key] = v;
    out.args[key] = v;
  }
  const nd = o.nodelay;
  if (nd !== undefined) {
    if (nd !== true && nd !== false && nd !== 0 && nd !== 1) {
      throw invalidArg('socketpair', 'opts.nodelay', 'a boolean, 0 or 1', nd);
    }
    out.nodelay = nd === true || nd === 1 ? 1 : 0;
    out.args.nodelay = out.nodelay;
  }
  return out;
}

export interface KernelInfo {
  backend: BackendName;
  engine?: EngineName;
  /** The sim's seed (ignored on linux). */
  seed: number;
  trace: boolean;
  /** Frees the binding object after raw.dispose() (wasm: embind's delete()). */
  release?: () => void;
}

/**
 * A kernel opened by openKernel(). All calls are synchronous and mirror the
 * syscalls (see KernelApi and DESIGN.md "The kernel API").
 */
/** pattern[i] = i & 0xff, shared by every kernel (filler writes are views into it; nothing writes to it). */
let pattern = new Uint8Array(0);

/** The counting pattern, at least `length` bytes long. */
export function fillerPattern(length: number): Uint8Array {
  if (pattern.length < length) {
    const size = Math.min(Math.max(length, pattern.length * 2, 4096), MAX_FILLER_BYTES + 256);
    const p = new Uint8Array(size);
    for (let i = 0; i < size; i++) p[i] = i & 0xff;
    pattern = p;
  }
  return pattern;
}

export class Kernel implements KernelApi {
  readonly backend: BackendName;
  readonly engine: EngineName | undefined;
  private readonly raw: RawKernel;
  private readonly release: (() => void) | undefined;
  private readonly tracer: Tracer | null;
  /** Called at the start of each call, before it is made (setProbe). */
  private probe: (() => void) | null = null;
  private readonly header: TraceHeader;
  private readonly openedAt: number;
  private disposed = false;
  /** Per-fd filler offset (mod 256), reset when the fd is opened or closed. */
  private readonly fillerOffsets = new Map<number, number>();
  /** An fd a native record opened or closed: its filler state starts afresh. */
  private readonly forgetFiller = (fd: number): void => {
    this.fillerOffsets.delete(fd);
  };
  private strictApi: StrictKernelApi | undefined;

  /** Use openKernel(); this wraps an already constructed binding. */
  constructor(raw: RawKernel, info: KernelInfo) {
    this.raw = raw;
    this.backend = info.backend;
    this.engine = info.backend === 'sim' ? info.engine : undefined;
    this.release = info.release;
    const seed = info.backend === 'sim' ? info.seed : null;
    this.tracer = info.trace ? new Tracer(info.backend, seed) : null;
    this.header = this.tracer?.header ?? { type: 'header', version: 1, kernel: info.backend, seed };
    this.openedAt = performance.now();
  }

  // ---- plumbing ----

  private live(method: string): void {
    if (this.disposed) {
      throw new EdgeloopError('ERR_DISPOSED', `${method}(): this kernel was disposed`);
    }
  }

  /** Runs a binding call; a JS exception from the binding becomes ERR_BACKEND. */
  private callRaw<T>(method: string, fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      const what = e instanceof Error ? e.message : describeValue(e);
      // Not a broken build: the script asked the simulation to wait for
      // something that can never happen (sim_kernel.cc throws this).
      if (what.includes('would block forever')) {
        throw new EdgeloopError(
          'ERR_SIM_BLOCKED',
          `${method}(): in the simulation this would block forever: nothing is ready and no timer is pending (use a timeout, or make a peer act first)`,
          { cause: e },
        );
      }
      throw new EdgeloopError('ERR_BACKEND', `${method}(): the ${this.describeBackend()} binding failed: ${what}`, {
        cause: e,
      });
    }
  }

  private describeBackend(): string {
    return this.backend === 'sim' ? `sim (${this.engine ?? 'native'})` : 'linux';
  }

  private clock(): number {
    if (this.backend === 'sim') return this.callRaw('now', () => this.raw.now());
    return Math.round((performance.now() - this.openedAt) * 1000) / 1000;
  }

  /** Start time of a traced call (0 when tracing is off: not read at all); first, the probe's moment. */
  private t0(): number {
    if (this.probe !== null) this.probe();
    return this.tracer ? this.clock() : 0;
  }

  private static result(r: number): TraceResult {
    return r < 0 ? { err: errnoName(r) } : { ret: r };
  }

  private opened(fd: number, kind: 'socket' | 'epoll' | 'eventfd'): string | undefined {
    this.fillerOffsets.delete(fd);
    return this.tracer?.opened(fd, kind);
  }

  /** A call returning 0 or -errno. */
  private simple(t: number, call: string, fd: number | undefined, args: Record<string, unknown>, r: number): number | ErrnoName {
    this.tracer?.record(t, call, fd, args, Kernel.result(r));
    return r < 0 ? errnoName(r) : r;
  }

  /** A call returning a new fd or -errno. */
  private newFd(
    t: number,
    call: string,
    fd: number | undefined,
    args: Record<string, unknown>,
    r: number,
    kind: 'socket' | 'epoll' | 'eventfd',
  ): number | ErrnoName {
    if (r < 0) return this.simple(t, call, fd, args, r);
    const name = this.opened(r, kind);
    this.tracer?.record(t, call, fd, args, { ret: r }, name);
    return r;
  }

  private filler(fd: number, n: number): Uint8Array {
    const off = this.fillerOffsets.get(fd) ?? 0;
    return fillerPattern(off + n).subarray(off, off + n);
  }

  // ---- sockets ----

  socket(family: Family): number | ErrnoName {
    this.live('socket');
    const f = checkName('socket', 'family', FAMILIES, family);
    const t = this.t0();
    const r = this.callRaw('socket', () => this.raw.socket(FAMILIES[f]));
    return this.newFd(t, 'socket', undefined, { family: f }, r, 'socket');
  }

  socketpair(family: Family, opts?: SocketPairOptions): [number, number] | ErrnoName {
    this.live('socketpair');
    const f = checkName('socketpair', 'family', FAMILIES, family);
    const o = pairOptions(opts);
    const t = this.t0();
    const r = this.callRaw('socketpair', () => this.raw.socketpair(FAMILIES[f], o.sndbuf, o.rcvbuf, o.nodelay));
    const args = opts === undefined ? { family: f } : { family: f, opts: o.args };
    if (typeof r === 'number') {
      const err = errnoName(r);
      this.tracer?.record(t, 'socketpair', undefined, args, { err });
      return err;
    }
    const a = r[0] as number;
    const b = r[1] as number;
    const na = this.opened(a, 'socket');
    const nb = this.opened(b, 'socket');
    this.tracer?.record(t, 'socketpair', undefined, args, { ret: [a, b] }, [na as string, nb as string]);
    return [a, b];
  }

  bind(fd: number, addr: string): number | ErrnoName {
    this.live('bind');
    checkFd('bind', 'fd', fd);
    checkAddr('bind', addr);
    const t = this.t0();
    return this.simple(t, 'bind', fd, { addr }, this.callRaw('bind', () => this.raw.bind(fd, addr)));
  }

  listen(fd: number, backlog: number): number | ErrnoName {
    this.live('listen');
    checkFd('listen', 'fd', fd);
    checkInt32('listen', 'backlog', backlog);
    const t = this.t0();
    return this.simple(t, 'listen', fd, { backlog }, this.callRaw('listen', () => this.raw.listen(fd, backlog)));
  }

  connect(fd: number, addr: string): number | ErrnoName {
    this.live('connect');
    checkFd('connect', 'fd', fd);
    checkAddr('connect', addr);
    const t = this.t0();
    return this.simple(t, 'connect', fd, { addr }, this.callRaw('connect', () => this.raw.connect(fd, addr)));
  }

  accept(fd: number): number | ErrnoName {
    this.live('accept');
    checkFd('accept', 'fd', fd);
    const t = this.t0();
    return this.newFd(t, 'accept', fd, {}, this.callRaw('accept', () => this.raw.accept(fd)), 'socket');
  }

  getsockname(fd: number): string | ErrnoName {
    this.live('getsockname');
    checkFd('getsockname', 'fd', fd);
    const t = this.t0();
    const r = this.callRaw('getsockname', () => this.raw.getsockname(fd));
    if (typeof r === 'number') {
      const err = errnoName(r);
      this.tracer?.record(t, 'getsockname', fd, {}, { err });
      return err;
    }
    this.tracer?.record(t, 'getsockname', fd, {}, { ret: r });
    return r;
  }

  // ---- data ----

  read(fd: number, max: number): Uint8Array | ErrnoName {
    return this.tracedRead('read', fd, max, () => this.raw.read(fd, max), (r) => r.length);
  }

  /**
   * read(2) whose bytes stay behind: the count read (0 at end of file) or
   * the errno name, traced as the same read record. For a reader that only
   * counts what it gets (the simulation's peers that no expectation reads
   * the bytes of): no copy out of the kernel, no array per read.
   */
  readDiscard(fd: number, max: number): number | ErrnoName {
    return this.tracedRead('readDiscard', fd, max, () => this.raw.readDiscard(fd, max), (r) => r);
  }

  /** read() and readDiscard(): the arguments checked, the binding called, one read record (a negative number from it is -errno). */
  private tracedRead<T extends Uint8Array | number>(method: string, fd: number, max: number, call: () => T | number, count: (r: T) => number): T | ErrnoName {
    this.live(method);
    checkFd(method, 'fd', fd);
    if (typeof max !== 'number' || !Number.isSafeInteger(max) || max < 0) {
      throw invalidArg(method, 'max', 'a non-negative integer', max);
    }
    const t = this.t0();
    const r = this.callRaw(method, call);
    if (typeof r === 'number' && r < 0) {
      const err = errnoName(r);
      this.tracer?.record(t, 'read', fd, { max }, { err });
      return err;
    }
    this.tracer?.record(t, 'read', fd, { max }, { ret: count(r as T) });
    return r as T;
  }

  write(fd: number, data: Uint8Array | number): number | ErrnoName {
    this.live('write');
    checkFd('write', 'fd', fd);
    let bytes: Uint8Array;
    let args: Record<string, unknown>;
    const isFiller = typeof data === 'number';
    if (isFiller) {
      if (!Number.isInteger(data) || data < 0 || data > MAX_FILLER_BYTES) {
        throw invalidArg('write', 'data', `a Uint8Array or a filler byte count (an integer from 0 to ${MAX_FILLER_BYTES})`, data);
      }
      bytes = this.filler(fd, data);
      args = { filler: data };
    } else if (isUint8Array(data)) {
      bytes = data;
      args = { bytes: data.length };
    } else {
      throw invalidArg('write', 'data', 'a Uint8Array or a filler byte count', data);
    }
    const t = this.t0();
    const r = this.callRaw('write', () => this.raw.write(fd, bytes));
    if (isFiller && r > 0) this.fillerOffsets.set(fd, ((this.fillerOffsets.get(fd) ?? 0) + r) & 0xff);
    return this.simple(t, 'write', fd, args, r);
  }

  shutdown(fd: number, how: ShutdownHow): number | ErrnoName {
    this.live('shutdown');
    checkFd('shutdown', 'fd', fd);
    const h = checkName('shutdown', 'how', SHUTDOWN, how);
    const t = this.t0();
    return this.simple(t, 'shutdown', fd, { how: h }, this.callRaw('shutdown', () => this.raw.shutdown(fd, SHUTDOWN[h])));
  }

  close(fd: number): number | ErrnoName {
    this.live('close');
    checkFd('close', 'fd', fd);
    const t = this.t0();
    const r = this.callRaw('close', () => this.raw.close(fd));
    const out = this.simple(t, 'close', fd, {}, r);
    if (r >= 0) {
      this.fillerOffsets.delete(fd);
      this.tracer?.closed(fd);
    }
    return out;
  }

  dup(fd: number): number | ErrnoName {
    this.live('dup');
    checkFd('dup', 'fd', fd);
    const t = this.t0();
    const r = this.callRaw('dup', () => this.raw.dup(fd));
    if (r < 0) return this.simple(t, 'dup', fd, {}, r);
    this.fillerOffsets.delete(r);
    const name = this.tracer?.dupped(fd, r);
    this.tracer?.record(t, 'dup', fd, {}, { ret: r }, name);
    return r;
  }

  eventfd(): number | ErrnoName {
    this.live('eventfd');
    const t = this.t0();
    return this.newFd(t, 'eventfd', undefined, {}, this.callRaw('eventfd', () => this.raw.eventfd()), 'eventfd');
  }

  // ---- options ----

  setsockopt(fd: number, name: SockOptName, value: number | boolean): number | ErrnoName {
    this.live('setsockopt');
    checkFd('setsockopt', 'fd', fd);
    const n = checkName('setsockopt', 'name', SOCKOPTS, name);
    let v: number;
    if (typeof value === 'boolean' && BOOLEAN_SOCKOPTS.has(n)) v = value ? 1 : 0;
    else if (isInt32(value)) v = value;
    else {
      const expected = BOOLEAN_SOCKOPTS.has(n) ? 'a boolean or an int32 integer (0 or 1)' : 'an int32 integer';
      throw invalidArg('setsockopt', 'value', expected, value);
    }
    const t = this.t0();
    const r = this.callRaw('setsockopt', () => this.raw.setsockopt(fd, SOCKOPTS[n], v));
    return this.simple(t, 'setsockopt', fd, { name: n, value: v }, r);
  }

  getsockopt(fd: number, name: SockOptName): number | ErrnoName {
    this.live('getsockopt');
    checkFd('getsockopt', 'fd', fd);
    const n = checkName('getsockopt', 'name', SOCKOPTS, name);
    const t = this.t0();
    return this.simple(t, 'getsockopt', fd, { name: n }, this.callRaw('getsockopt', () => this.raw.getsockopt(fd, SOCKOPTS[n])));
  }

  ioctl(fd: number, request: IoctlName): number | ErrnoName {
    this.live('ioctl');
    checkFd('ioctl', 'fd', fd);
    const q = checkName('ioctl', 'request', IOCTLS, request);
    const t = this.t0();
    return this.simple(t, 'ioctl', fd, { request: q }, this.callRaw('ioctl', () => this.raw.ioctl(fd, IOCTLS[q])));
  }

  // ---- epoll ----

  epollCreate(): number | ErrnoName {
    this.live('epollCreate');
    const t = this.t0();
    return this.newFd(t, 'epollCreate', undefined, {}, this.callRaw('epollCreate', () => this.raw.epollCreate()), 'epoll');
  }

  epollCtl(ep: number, op: EpollOpName | number, fd: number, mask: number): number | ErrnoName {
    this.live('epollCtl');
    checkFd('epollCtl', 'ep', ep);
    let rawOp: number;
    if (typeof op === 'number') {
      // A numeric op goes through as is, so an unknown one gets Linux's EINVAL.
      rawOp = checkInt32('epollCtl', 'op', op);
    } else {
      rawOp = EPOLL_OPS[checkName('epollCtl', 'op', EPOLL_OPS, op)];
    }
    checkFd('epollCtl', 'fd', fd);
    if (typeof mask !== 'number' || !Number.isInteger(mask) || mask < INT32_MIN || mask > 0xffffffff) {
      throw invalidArg('epollCtl', 'mask', 'an int32 or uint32 integer', mask);
    }
    const events = mask >>> 0;
    const t = this.t0();
    const r = this.callRaw('epollCtl', () => this.raw.epollCtl(ep, rawOp, fd, events, fd));
    if (this.tracer) {
      const args = { op, fd, name: this.tracer.nameOf(fd), events: eventNames(events) };
      this.tracer.record(t, 'epollCtl', ep, args, Kernel.result(r));
      if (r >= 0 && rawOp >= 1 && rawOp <= 3) this.tracer.registered(ep, rawOp, fd);
    }
    return r < 0 ? errnoName(r) : r;
  }

  epollWait(ep: number, maxevents: number, timeoutMs: number): EpollEventRecord[] | ErrnoName {
    this.live('epollWait');
    checkFd('epollWait', 'ep', ep);
    checkInt32('epollWait', 'maxevents', maxevents);
    checkInt32('epollWait', 'timeoutMs', timeoutMs);
    const t = this.t0();
    const r = this.callRaw('epollWait', () => this.raw.epollWait(ep, maxevents, timeoutMs));
    const args = { maxevents, timeout: timeoutMs };
    if (typeof r === 'number') {
      const err = errnoName(r);
      this.tracer?.record(t, 'epollWait', ep, args, { err });
      return err;
    }
    const out: EpollEventRecord[] = [];
    for (let i = 0; i + 1 < r.length; i += 2) {
      out.push({ fd: r[i] as number, events: (r[i + 1] as number) >>> 0 });
    }
    this.tracer?.record(t, 'epollWait', ep, args, { ret: out.length }, undefined, this.tracer.events(ep, out));
    return out;
  }

  // ---- time and state ----

  advance(ms: number): void {
    this.live('advance');
    if (typeof ms !== 'number' || !Number.isSafeInteger(ms) || ms < 0) {
      throw invalidArg('advance', 'ms', 'a non-negative integer', ms);
    }
    const t = this.t0();
    this.callRaw('advance', () => this.raw.advance(ms));
    this.tracer?.record(t, 'advance', undefined, { ms }, null);
  }

  now(): number {
    this.live('now');
    return this.clock();
  }

  inspect(options?: { brief?: boolean }): SimKernelState | null {
    this.live('inspect');
    if (options !== undefined && (typeof options !== 'object' || options === null)) throw invalidArg('inspect', 'options', 'an object { brief?: boolean }', options);
    const brief = options?.brief ?? false;
    if (typeof brief !== 'boolean') throw invalidArg('inspect', 'options.brief', 'true or false', brief);
    if (this.backend !== 'sim') return null;
    const text = this.callRaw('inspect', () => (brief ? this.raw.inspectBrief() : this.raw.inspect()));
    try {
      return JSON.parse(text) as SimKernelState;
    } catch (e) {
      throw new EdgeloopError('ERR_BACKEND', `inspect(): the sim returned invalid JSON: ${(e as Error).message}`, { cause: e });
    }
  }

  setActor(name: string): void {
    this.live('setActor');
    if (typeof name !== 'string' || name === '') throw invalidArg('setActor', 'name', 'a non-empty string', name);
    if (this.tracer) this.tracer.actor = name;
  }

  /**
   * Appends calls that native code made on this kernel (the reactor, which
   * records them through its TracingKernel) to this trace, in order, with
   * the same fd names and the next seq numbers. A no-op when tracing is off.
   */
  ingestTrace(records: readonly NativeTraceRecord[]): void {
    this.live('ingestTrace');
    if (!Array.isArray(records)) throw invalidArg('ingestTrace', 'records', 'an array of native trace records', records);
    // Checked whole before any is taken, so a bad array leaves the trace as it was.
    records.forEach((r, i) => checkNativeRecord(r, i));
    // Records made by the caller (the script's markers, app records): the probe's moment comes before them.
    if (this.probe !== null) this.probe();
    for (const r of records) {
      // Per-fd filler state belongs to the fd number: a number the reactor
      // opened or closed starts afresh, as it does for the script's own calls.
      if (!this.tracer) {
        if (r.call === 'close' || NATIVE_NEW_FD.has(r.call)) {
          if (typeof r.fd === 'number') this.fillerOffsets.delete(r.fd);
          if (typeof r.ret === 'number') this.fillerOffsets.delete(r.ret);
        }
        continue;
      }
      ingestNativeRecord(this.tracer, r, this.forgetFiller);
    }
  }

  /**
   * ingestTrace() of a binding's drained text (a JSON array, one record per
   * line), without parsing the records the trace has already seen under the
   * same names (src/trace.ts ingestNativeText). Not part of the kernel API:
   * the simulation's reactor calls it after each step.
   */
  ingestTraceText(text: string): void {
    this.live('ingestTrace');
    if (!this.tracer) {
      this.ingestTrace(JSON.parse(text) as NativeTraceRecord[]);
      return;
    }
    ingestNativeText(this.tracer, text, (r) => checkNativeRecord(r, 0), this.forgetFiller);
  }

  /**
   * `fn` is called at the start of each call, before the call is made: the
   * moment the state is the state after the trace's last record (the
   * simulation's watchRecords). Null: none. Not part of the kernel API.
   */
  setProbe(fn: (() => void) | null): void {
    if (fn !== null && typeof fn !== 'function') throw invalidArg('setProbe', 'fn', 'a function or null', fn);
    this.probe = fn;
  }

  /** The trace's stable name of an open fd (s1, ep1, ...), or null (unknown fd, or tracing off). */
  fdName(fd: number): string | null {
    return this.tracer?.nameOf(fd) ?? null;
  }

  /** KernelApi.strict: made on first use. */
  get strict(): StrictKernelApi {
    this.strictApi ??= strictKernel(this);
    return this.strictApi;
  }

  get trace(): Trace {
    return { header: this.header, records: this.tracer?.records ?? [] };
  }

  traceJsonl(): string {
    return this.tracer ? this.tracer.store.toJsonl(this.header) : traceToJsonl(this.trace);
  }

  /** Whether this kernel keeps a trace (`trace: false` keeps none). */
  get tracing(): boolean {
    return this.tracer !== null;
  }

  /** Records in the trace so far, counted without making them (0 with tracing off). */
  get traceLength(): number {
    return this.tracer?.length ?? 0;
  }

  /**
   * The trace as the kernel keeps it (src/trace-store.ts): its header, and
   * per record its seq, t and template, each distinct template once as
   * JSON. For a reader of a very long trace that wants no object per record
   * (the playground's run worker hands these to the page). Null with
   * tracing off.
   */
  compactTrace(): CompactTrace | null {
    return this.tracer ? { header: this.header, columns: this.tracer.store.columns() } : null;
  }

  dispose(): void {
    this.live('dispose');
    const t = this.t0();
    this.disposed = true;
    this.fillerOffsets.clear();
    try {
      this.callRaw('dispose', () => this.raw.dispose());
    } finally {
      if (this.release) this.callRaw('dispose', this.release);
    }
    this.tracer?.record(t, 'dispose', undefined, {}, null);
  }
}
