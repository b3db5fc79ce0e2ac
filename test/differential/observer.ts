// The differential suite's recording layer. A case is a script written once
// against the public kernel API; while it runs, it records observations
// through an Observer. The same script runs on linux, sim/native and
// sim/wasm, and the observation lists are compared label by label:
//   eq      values that must be identical on every backend: return values,
//           errno names, epoll results (normalised to fd *names*), poll masks;
//           A byte count that follows TCP's ACK and window timing (a fill's
//           total, SIOCOUTQ after one) is recorded with count(): an `eq`
//           marked as such, since Linux reproduces each of them exactly run
//           after run (`npm run repeatability:linux`, docs/kernel-fidelity.md);
//   approx  a count Linux does not reproduce exactly, with a stated tolerance,
//           the reason, and Linux's own spread that justifies it.
// Everything a backend hands out that legitimately differs (fd numbers,
// ephemeral ports, the unique abstract names used on the shared Linux
// namespace) is normalised here, so cases never see the difference.
import {
  EPOLLIN,
  EPOLLOUT,
  EPOLLPRI,
  EPOLLRDBAND,
  EPOLLRDHUP,
  EPOLLRDNORM,
  EPOLLWRBAND,
  EPOLLWRNORM,
  errnoName,
  eventNames,
  isErrno,
  type EpollOpName,
  type ErrnoName,
  type Family,
  type Kernel,
  type SocketPairOptions,
} from '../../src/index.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * How far a sim value may be from the Linux value:
 *   rel    |sim - linux| <= rel * |linux|
 *   abs    |sim - linux| <= abs
 *   range  both values lie in [lo, hi] (a Linux value outside it fails too:
 *          the stated tolerance would be wrong)
 */
export type Tolerance = { rel: number } | { abs: number } | { range: readonly [number, number] };

export interface ApproxOptions {
  tolerance: Tolerance;
  /** Why the count depends on timing the sim does not model. Shown in failures and the report. */
  why: string;
}

export type Observation =
  /** `count`: recorded by Observer.count (a TCP byte count held exact). */
  | { label: string; kind: 'eq'; value: Json; count?: true }
  | { label: string; kind: 'approx'; value: number; tolerance: Tolerance; why: string };

/** An fd number, or the errno name a call returned instead. */
export type FdOrErrno = number | ErrnoName;

/** Every event bit poll(2) can report for a stream socket; ERR and HUP are always on. */
export const ALL_POLL_BITS =
  EPOLLIN | EPOLLPRI | EPOLLOUT | EPOLLRDNORM | EPOLLRDBAND | EPOLLWRNORM | EPOLLWRBAND | EPOLLRDHUP;

/** Thrown by `must()`: the case cannot go on. Recorded as an observation, so the diff shows where. */
export class CaseAbort extends Error {}

export interface Observer {
  readonly kernel: Kernel;
  readonly family: Family;
  readonly onLinux: boolean;

  // ---- raw recording ----
  /** A value every backend must produce identically. Uint8Array results are recorded as their length. */
  eq(label: string, value: unknown): void;
  /**
   * A byte count that follows the ACKs and windows of the moment (a fill's
   * total, SIOCOUTQ, how much a reader drains before EPOLLOUT): compared
   * exactly on every family, like eq. On TCP it was once `approx`; Linux
   * gives the same value in every undisturbed run (the repeatability tool
   * lists each, with its spread over N runs).
   */
  count(label: string, value: number): void;
  /**
   * A TCP byte count that may differ within `tolerance` (never for unix
   * cases): only where Linux itself does not reproduce it, and `why` says so
   * with Linux's own spread (`npm run repeatability:linux`).
   */
  approx(label: string, value: number, opts: ApproxOptions): void;
  /** The number, or abort the case with the errno (recorded). */
  must(label: string, r: FdOrErrno): number;

  // ---- fd names ----
  /** Names an fd (epoll results and getsockname use names, never numbers). Returns `fd`. */
  name(name: string, fd: number): number;

  // ---- recorded calls ----
  /** socketpair(family) of this case; aborts on failure. */
  pair(names: readonly [string, string], opts?: SocketPairOptions): [number, number];
  socket(name: string, family?: Family): number;
  epoll(name: string): number;
  accept(label: string, listener: number, name: string): FdOrErrno;
  dup(label: string, fd: number, name: string): FdOrErrno;
  connect(label: string, fd: number, addr: string): FdOrErrno;
  ctl(label: string, ep: number, op: EpollOpName | number, fd: number, mask: number): FdOrErrno;
  /** epollWait, recorded as ['name:EPOLLIN|EPOLLOUT', ...]. */
  wait(label: string, ep: number, maxevents?: number, timeoutMs?: number): string[];
  /** epollWait without recording: for loops whose length is summarised by a count. Errors abort. */
  waitQuiet(ep: number, maxevents?: number): string[];
  /** The file's full poll mask (a level-triggered probe epoll), recorded as event names. */
  poll(label: string, fd: number): string;
  /** read(); records and returns the byte count, or the errno. */
  read(label: string, fd: number, max: number): FdOrErrno;
  /** write() of filler bytes; records and returns the count, or the errno. */
  write(label: string, fd: number, n: number): FdOrErrno;
  sockname(label: string, fd: number): string;
  soError(label: string, fd: number): string;
  ioctl(label: string, fd: number, request: 'SIOCINQ' | 'SIOCOUTQ'): FdOrErrno;
  close(label: string, fd: number): FdOrErrno;
  shutdown(label: string, fd: number, how: 'RD' | 'WR' | 'RDWR'): FdOrErrno;

  // ---- environment ----
  /** A unique abstract AF_UNIX address for `base` ('@...'); getsockname maps it back to '@base'. */
  addr(base: string): string;
  /** TCP: lets loopback deliver (advance(ms), default 2 ms; bounded). unix: nothing to wait for. */
  settle(ms?: number): void;
  /** Like settle, on every family (timers that matter to both). */
  advance(ms: number): void;
}

export interface DifferentialCase {
  name: string;
  family: Family;
  /** One line: what Linux does here (the docs quote it). */
  about?: string;
  run(k: Kernel, obs: Observer): void;
}

/** Longest single advance() a case may ask for on Linux. */
export const MAX_ADVANCE_MS = 50;

let uniqueSeq = 0;
const pid = (globalThis as { process?: { pid?: number } }).process?.pid ?? 0;

function normalise(value: unknown): Json {
  if (value instanceof Uint8Array) return value.length;
  if (value === undefined) return null;
  if (Array.isArray(value)) return value.map(normalise);
  if (value !== null && typeof value === 'object') {
    const out: { [key: string]: Json } = {};
    for (const [k, v] of Object.entries(value)) out[k] = normalise(v);
    return out;
  }
  return value as Json;
}

class Recorder implements Observer {
  readonly observations: Observation[] = [];
  readonly onLinux: boolean;
  private readonly names = new Map<number, string>();
  /** Per epoll fd: the name registered under each user data value (ADD/MOD). */
  private readonly registrations = new Map<number, Map<number, string>>();
  /** Unique abstract names handed out -> the base the case asked for. */
  private readonly abstractNames = new Map<string, string>();
  private probe: number | undefined;
  private advanced = 0;

  constructor(
    readonly kernel: Kernel,
    readonly family: Family,
  ) {
    this.onLinux = kernel.backend === 'linux';
  }

  eq(label: string, value: unknown): void {
    this.observations.push({ label, kind: 'eq', value: normalise(value) });
  }

  count(label: string, value: number): void {
    if (!Number.isFinite(value)) throw new Error(`count("${label}"): not a number: ${String(value)}`);
    this.observations.push({ label, kind: 'eq', value, count: true });
  }

  approx(label: string, value: number, opts: ApproxOptions): void {
    if (this.family !== 'tcp') throw new Error(`approx("${label}") in a ${this.family} case: AF_UNIX must match exactly`);
    if (!Number.isFinite(value)) throw new Error(`approx("${label}"): not a number: ${String(value)}`);
    this.observations.push({ label, kind: 'approx', value, tolerance: opts.tolerance, why: opts.why });
  }

  must(label: string, r: FdOrErrno): number {
    if (typeof r === 'number') return r;
    throw new CaseAbort(`${label}: ${r}`);
  }

  name(name: string, fd: number): number {
    this.names.set(fd, name);
    return fd;
  }

  private nameOf(fd: number): string {
    return this.names.get(fd) ?? `fd?${fd}`;
  }

  private fdResult(label: string, r: FdOrErrno, name: string): FdOrErrno {
    if (typeof r === 'number') {
      this.name(name, r);
      this.eq(label, `fd ${name}`);
    } else {
      this.eq(label, r);
    }
    return r;
  }

  pair(names: readonly [string, string], opts?: SocketPairOptions): [number, number] {
    const r = this.kernel.socketpair(this.family, opts);
    if (isErrno(r)) {
      this.eq(`socketpair(${names.join(', ')})`, r);
      throw new CaseAbort(`socketpair: ${r}`);
    }
    this.name(names[0], r[0]);
    this.name(names[1], r[1]);
    return r;
  }

  socket(name: string, family: Family = this.family): number {
    const r = this.kernel.socket(family);
    this.eq(`socket ${name}`, typeof r === 'number' ? 'fd' : r);
    return this.name(name, this.must(`socket ${name}`, r));
  }

  epoll(name: string): number {
    const ep = this.must(`epollCreate ${name}`, this.kernel.epollCreate());
    this.registrations.set(ep, new Map());
    return this.name(name, ep);
  }

  accept(label: string, listener: number, name: string): FdOrErrno {
    return this.fdResult(label, this.kernel.accept(listener), name);
  }

  dup(label: string, fd: number, name: string): FdOrErrno {
    return this.fdResult(label, this.kernel.dup(fd), name);
  }

  connect(label: string, fd: number, addr: string): FdOrErrno {
    const r = this.kernel.connect(fd, addr);
    this.eq(label, r);
    return r;
  }

  ctl(label: string, ep: number, op: EpollOpName | number, fd: number, mask: number): FdOrErrno {
    const r = this.kernel.epollCtl(ep, op, fd, mask);
    this.eq(label, r);
    if (r === 0) {
      let regs = this.registrations.get(ep);
      if (!regs) {
        regs = new Map();
        this.registrations.set(ep, regs);
      }
      if (op === 'DEL' || op === 2) regs.delete(fd);
      else regs.set(fd, this.nameOf(fd));
    }
    return r;
  }

  private waitRaw(ep: number, maxevents: number, timeoutMs: number): string[] | ErrnoName {
    const r = this.kernel.epollWait(ep, maxevents, timeoutMs);
    if (isErrno(r)) return r;
    const regs = this.registrations.get(ep);
    return r.map((e) => `${regs?.get(e.fd) ?? this.nameOf(e.fd)}:${eventNames(e.events)}`);
  }

  wait(label: string, ep: number, maxevents = 16, timeoutMs = 0): string[] {
    const r = this.waitRaw(ep, maxevents, timeoutMs);
    this.eq(label, r);
    return isErrno(r) ? [] : r;
  }

  waitQuiet(ep: number, maxevents = 16): string[] {
    const r = this.waitRaw(ep, maxevents, 0);
    if (isErrno(r)) throw new CaseAbort(`epollWait: ${r}`);
    return r;
  }

  poll(label: string, fd: number): string {
    if (this.probe === undefined) this.probe = this.must('probe epollCreate', this.kernel.epollCreate());
    const add = this.kernel.epollCtl(this.probe, 'ADD', fd, ALL_POLL_BITS);
    let mask: string;
    if (add !== 0) {
      mask = `ctl ${add}`;
    } else {
      const r = this.kernel.epollWait(this.probe, 1, 0);
      mask = isErrno(r) ? r : r.length === 0 ? '' : eventNames(r[0]!.events);
      this.kernel.epollCtl(this.probe, 'DEL', fd, 0);
    }
    this.eq(label, mask);
    return mask;
  }

  read(label: string, fd: number, max: number): FdOrErrno {
    const r = this.kernel.read(fd, max);
    const v = isErrno(r) ? r : r.length;
    this.eq(label, v);
    return v;
  }

  write(label: string, fd: number, n: number): FdOrErrno {
    const r = this.kernel.write(fd, n);
    this.eq(label, r);
    return r;
  }

  sockname(label: string, fd: number): string {
    const r = this.kernel.getsockname(fd);
    let v: string = r;
    if (!isErrno(r)) {
      const tcp = /^(\d+\.\d+\.\d+\.\d+):(\d+)$/.exec(r);
      if (tcp) v = tcp[2] === '0' ? r : `${tcp[1]}:PORT`;
      else if (this.abstractNames.has(r)) v = `@${this.abstractNames.get(r)}`;
    }
    this.eq(label, v);
    return v;
  }

  soError(label: string, fd: number): string {
    const r = this.kernel.getsockopt(fd, 'SO_ERROR');
    // 0 stays 0; a pending error is recorded by name (104 -> 'ECONNRESET').
    const v = isErrno(r) ? r : r === 0 ? '0' : errnoName(r);
    this.eq(label, v);
    return v;
  }

  ioctl(label: string, fd: number, request: 'SIOCINQ' | 'SIOCOUTQ'): FdOrErrno {
    const r = this.kernel.ioctl(fd, request);
    this.eq(label, r);
    return r;
  }

  close(label: string, fd: number): FdOrErrno {
    const r = this.kernel.close(fd);
    this.eq(label, r);
    return r;
  }

  shutdown(label: string, fd: number, how: 'RD' | 'WR' | 'RDWR'): FdOrErrno {
    const r = this.kernel.shutdown(fd, how);
    this.eq(label, r);
    return r;
  }

  addr(base: string): string {
    const name = this.onLinux ? `@edgeloop-diff-${pid}-${++uniqueSeq}-${base}` : `@edgeloop-diff-${base}`;
    this.abstractNames.set(name, base);
    return name;
  }

  settle(ms = 2): void {
    if (this.family === 'tcp') this.advance(ms);
  }

  advance(ms: number): void {
    if (ms > MAX_ADVANCE_MS) throw new Error(`advance(${ms}): a case may sleep at most ${MAX_ADVANCE_MS} ms at a time`);
    this.advanced += ms;
    this.kernel.advance(ms);
  }

  get totalAdvanced(): number {
    return this.advanced;
  }
}

/**
 * Runs one case on an open kernel and returns what it observed. An abort
 * (must() on an errno) or an exception ends the case with a final
 * observation, so a diverging backend shows exactly where it went astray.
 * The kernel is left open: the caller disposes it.
 */
export function runCase(kernel: Kernel, c: DifferentialCase): Observation[] {
  return runCaseWithStats(kernel, c).observations;
}

/** runCase, plus how many ms the case asked the kernel to let pass (advance/settle). */
export function runCaseWithStats(kernel: Kernel, c: DifferentialCase): { observations: Observation[]; advancedMs: number } {
  const rec = new Recorder(kernel, c.family);
  try {
    c.run(kernel, rec);
  } catch (e) {
    const what = e instanceof CaseAbort ? `aborted: ${e.message}` : `threw: ${(e as Error)?.message ?? String(e)}`;
    rec.eq('!end', what);
  }
  return { observations: rec.observations, advancedMs: rec.totalAdvanced };
}

function show(v: unknown): string {
  return JSON.stringify(v);
}

/** Whether `sim` is within `t` of `linux`. */
export function withinTolerance(linux: number, sim: number, t: Tolerance): boolean {
  if ('rel' in t) return Math.abs(sim - linux) <= t.rel * Math.abs(linux);
  if ('abs' in t) return Math.abs(sim - linux) <= t.abs;
  const [lo, hi] = t.range;
  return linux >= lo && linux <= hi && sim >= lo && sim <= hi;
}

export function describeTolerance(t: Tolerance): string {
  if ('rel' in t) return `±${Math.round(t.rel * 100)}%`;
  if ('abs' in t) return `±${t.abs}`;
  return `in [${t.range[0]}, ${t.range[1]}]`;
}

/**
 * Every disagreement between the Linux observations and a sim's, as
 * messages naming the case, the observation, and both values. Labels must
 * line up one to one; the first label mismatch ends the comparison (the
 * scripts took different paths from there on).
 */
export function compareObservations(
  caseName: string,
  linux: readonly Observation[],
  sim: readonly Observation[],
  simName: string,
): string[] {
  const problems: string[] = [];
  const n = Math.max(linux.length, sim.length);
  for (let i = 0; i < n; i++) {
    const l = linux[i];
    const s = sim[i];
    const where = `${caseName} #${i + 1}`;
    if (!l || !s || l.label !== s.label || l.kind !== s.kind) {
      const desc = (o: Observation | undefined) => (o ? `"${o.label}" = ${show(o.value)}` : '(nothing)');
      problems.push(`${where}: the runs diverge: linux ${desc(l)} vs ${simName} ${desc(s)}`);
      break;
    }
    if (l.kind === 'eq') {
      if (show(l.value) !== show(s.value)) {
        problems.push(`${where} "${l.label}": linux ${show(l.value)} vs ${simName} ${show(s.value)}`);
      }
    } else if (s.kind === 'approx') {
      if (!withinTolerance(l.value, s.value, l.tolerance)) {
        problems.push(
          `${where} "${l.label}": linux ${l.value} vs ${simName} ${s.value}, outside the tolerance ` +
            `${describeTolerance(l.tolerance)} (${l.why})`,
        );
      }
    }
  }
  return problems;
}

