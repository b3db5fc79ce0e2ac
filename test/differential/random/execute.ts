// Runs a random program (program.ts) on one kernel and records what every
// step returned, as text: one line per step, fds named by slot (s0, s1, ...)
// so runs on backends that number fds differently compare line for line.
import { readdirSync } from 'node:fs';

import { eventNames, isErrno, openKernel, type Kernel, type KernelBackendOptions, type SockOptName } from '../../../src/index.js';
import { tcpTimerCounts, timersFired } from '../linux-timers.js';
import type { Op, Program } from './program.js';

/** What a run observed: one line per op, in order. */
export interface Trace {
  lines: string[];
  /** ms the run spent beyond what its advance() steps asked for (Linux: time it was not scheduled). */
  stallMs: number;
  /** The first step by whose end that excess had reached `stallLimitMs` (-1: never). */
  stalledAt: number;
  /**
   * The first step other than advance() (or an advance() that overslept by
   * OVERSLEEP_MS) during which a TCP timer fired (Linux TCP runs only: the
   * network namespace's counters, linux-timers.ts; -1: none did), and which.
   */
  timerAt: number;
  timers: string;
  /** The real time a Linux run took (empty on a sim): what a replay on its clock gives the sim. */
  clock: Timeline;
}

/**
 * The real time of a Linux run, step by step: for each step, the ms since
 * the jiffy boundary before the program began (whole ms, floored: JIFFY_MS)
 * before each call the step made to the kernel, as [call index in the step,
 * ms] pairs: the step's first call, then each call where the whole ms
 * changed (a fill of 20,000 writes in 200 ms is 200 pairs, not 20,000); for
 * an advance() step, the ms it ended at, as [0, ms].
 *
 * Why replay Linux's time rather than give the sim a cost per call: what a
 * step costs on Linux is mostly not the kernel's (the N-API crossing, the
 * tester's own read of the timer counters, the scheduler), it differs from
 * run to run, and the sim cannot know it. Given the time a Linux run had,
 * the sim's timers (the loss probe, delayed ACKs, the RTO) and its DRS and
 * BBR samples see what Linux's saw, to the millisecond; between two calls
 * of one millisecond they see none, as before.
 */
export type Timeline = Array<Array<[call: number, ms: number]>>;

/**
 * An advance() that took this much longer than asked (its sleep, plus the
 * ~50 us timer-counter read) is one where a timer that fired may have been
 * due only in the overslept part.
 */
const OVERSLEEP_MS = 1;

/** Writes at most this many times per fill: a fill that never ends is a finding, not a hang. */
const MAX_FILL_WRITES = 20_000;
const MAX_DRAIN_READS = 20_000;

/**
 * Linux's charge for one AF_UNIX skb of a small write (its head only: up to
 * SKB_MAX_HEAD(0) bytes): the head's kmalloc bucket (a power of two, at
 * least 512, holding SKB_DATA_ALIGN(len) plus the 320-byte
 * skb_shared_info) plus the 256-byte sk_buff (net/core/skbuff.c).
 */
function headTruesize(len: number): number {
  let bucket = 512;
  while (bucket < ((len + 63) & ~63) + 320) bucket *= 2;
  return bucket + 256;
}

/** The charges one small write can add, each with the largest payload that gets it. */
const HEAD_CHARGES: ReadonlyArray<{ truesize: number; len: number }> = (() => {
  const largest = new Map<number, number>();
  for (let len = 1; len <= 4096 - 320; len++) largest.set(headTruesize(len), len);
  return [...largest].map(([truesize, len]) => ({ truesize, len })).sort((a, b) => a.truesize - b.truesize);
})();

/**
 * The payload of one write towards a charge `need` bytes away: delta 0 the
 * largest charge that does not pass it (repeated, such writes walk onto the
 * boundary whenever the charges add up to it), -1 the one below that, +1 the
 * smallest that passes it. null when none fits.
 */
function lengthForCharge(need: number, delta: number): number | null {
  const fitting = HEAD_CHARGES.filter((c) => c.truesize <= need);
  if (delta > 0) return HEAD_CHARGES.find((c) => c.truesize > need)?.len ?? null;
  const pick = fitting[fitting.length - 1 + delta];
  return pick ? pick.len : null;
}

/**
 * Linux gives a process the lowest free fd, and Node's own fds leave gaps
 * below the highest one: a socket of the program could land in such a gap
 * on Linux but not in the sim, and then a closed number's reuse (which
 * epoll's user data shows) would differ by construction. So on Linux the
 * gaps are filled first with eventfds the kernel object owns (closed with
 * it): from here on, both kernels number the program's fds contiguously.
 */
function fillFdGaps(k: Kernel): void {
  if (k.backend !== 'linux') return;
  const highest = Math.max(...readdirSync('/proc/self/fd').map(Number));
  for (;;) {
    const fd = k.eventfd();
    if (isErrno(fd)) throw new Error(`eventfd: ${fd}`);
    if (fd > highest) {
      k.close(fd);
      return;
    }
  }
}

/** What execute() reads real time and the timers from (a test passes stand-ins). */
export interface RealTime {
  now: () => number;
  timerCounts: typeof tcpTimerCounts;
}

/**
 * now(): CLOCK_MONOTONIC in ms (libuv's hrtime), the clock the kernel's
 * jiffies tick on, so a run's clock can say where its jiffies fell.
 */
const REAL_TIME: RealTime = { now: () => Number(process.hrtime.bigint()) / 1e6, timerCounts: tcpTimerCounts };

/**
 * A jiffy on the reference machine (CONFIG_HZ=250). Linux's jiffies tick at
 * whole multiples of it on CLOCK_MONOTONIC (tick_init_jiffy_update aligns
 * the first tick to TICK_NSEC), the sim's at multiples of it from its time
 * 0, so a Linux run's clock counts from the jiffy boundary before the
 * program began: on that clock the sim's timers (the loss probe's jiffies)
 * fall where that run's did, not up to 3 ms off.
 */
const JIFFY_MS = 4;

/** The kernel calls a step makes (advance() is the clock itself). */
const CALLS: ReadonlySet<string | symbol> = new Set([
  'socketpair',
  'epollWait',
  'epollCtl',
  'setsockopt',
  'getsockopt',
  'write',
  'read',
  'ioctl',
  'shutdown',
  'close',
  'dup',
  'eventfd',
]);

/** `k` with `before()` run ahead of each of its kernel calls. */
function hooked(k: Kernel, before: () => void): Kernel {
  return new Proxy(k, {
    get(target, prop) {
      const v: unknown = Reflect.get(target, prop, target);
      if (typeof v !== 'function' || !CALLS.has(prop)) return v;
      return (...args: unknown[]) => {
        before();
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

/** execute() on a kernel opened for the run, disposed after it. */
export async function executeOn(options: KernelBackendOptions, p: Program, stallLimitMs = Infinity, onClock?: Timeline): Promise<Trace> {
  const k = await openKernel(options);
  try {
    return execute(k, p, stallLimitMs, REAL_TIME, onClock);
  } finally {
    k.dispose();
  }
}

/**
 * Runs `p` on `k`. On Linux, records the real time each call came at
 * (Trace.clock). Given `onClock` (a sim, and a Linux run's Trace.clock),
 * moves the sim's clock to that time before each call instead of leaving it
 * still between advance() calls: the program as it ran on that Linux.
 */
export function execute(raw: Kernel, p: Program, stallLimitMs = Infinity, real: RealTime = REAL_TIME, onClock?: Timeline): Trace {
  const { now: clock, timerCounts } = real;
  fillFdGaps(raw);
  const recording = raw.backend === 'linux' && onClock === undefined;
  const timeline: Timeline = [];
  let marks: Array<[number, number]> = [];
  let callInStep = 0;
  let lastMs = -1;
  let simMs = 0; // a replay: the sim's clock, ms since the program began
  let mark = 0; // a replay: the next of the step's marks to reach
  let linuxReached = 0; // a replay: the last ms of the Linux run's steps so far
  const advanceTo = (ms: number): void => {
    if (ms > simMs) {
      raw.advance(ms - simMs);
      simMs = ms;
    }
  };
  const beforeCall = (): void => {
    if (recording) {
      const ms = Math.floor(clock() - origin);
      if (ms !== lastMs) marks.push([callInStep, ms]);
      lastMs = ms;
    } else if (onClock) {
      const stepMarks = onClock[stepIndex] ?? [];
      let target = -1;
      for (let m = stepMarks[mark]; m && m[0] <= callInStep; m = stepMarks[++mark]) target = m[1];
      if (target >= 0) advanceTo(target);
    }
    callInStep++;
  };
  let stepIndex = 0;
  const k = recording || onClock ? hooked(raw, beforeCall) : raw;
  const slots: Array<{ name: string; fd: number }> = [];
  // epoll's user data is the fd number given at ADD/MOD: the name it stood for then.
  const dataNames = new Map<number, string>();
  const lines: string[] = [];
  const ep = raw.epollCreate();
  if (isErrno(ep)) throw new Error(`epollCreate: ${ep}`);
  let advanced = 0;
  const started = clock();
  const origin = Math.floor(started / JIFFY_MS) * JIFFY_MS;
  const at = (s: number): { name: string; fd: number } | undefined => (slots.length === 0 ? undefined : slots[s % slots.length]);
  const add = (fd: number): string => {
    const name = `s${slots.length}`;
    slots.push({ name, fd });
    return name;
  };

  let stalledAt = -1;
  let timerAt = -1;
  let timers = '';
  const watchTimers = k.backend === 'linux' && p.family === 'tcp';
  let counts = watchTimers ? timerCounts() : null;
  for (const [i, op] of p.ops.entries()) {
    const stepStarted = clock();
    stepIndex = i;
    marks = [];
    callInStep = 0;
    mark = 0;
    lastMs = -1; // every step's first call is marked
    // A replay: a step begins no earlier than the last mark of the steps
    // before it (a sim's step can make fewer calls than Linux's, a fill
    // that stops sooner, and never reach the step's later marks).
    if (onClock) advanceTo(linuxReached);
    lines.push(`${i} ${step(op)}`);
    for (const [, ms] of onClock?.[i] ?? []) linuxReached = Math.max(linuxReached, ms);
    if (recording) {
      if (op.op === 'advance') marks.push([0, Math.floor(clock() - origin)]);
      timeline.push(marks);
    }
    if (stalledAt < 0 && clock() - started - advanced >= stallLimitMs) stalledAt = i;
    if (watchTimers) {
      const now = timerCounts();
      // A timer may fire inside advance(ms), as in the sim, but not inside
      // the part of it Linux overslept (nanosleep on a loaded machine: 4 to
      // 7 ms past an advance(1) let a loss probe fire that the sim's 1 ms
      // does not reach: claimed seed 956, docs/kernel-fidelity.md).
      const overslept = op.op === 'advance' && clock() - stepStarted - op.ms >= OVERSLEEP_MS;
      if (timerAt < 0 && (op.op !== 'advance' || overslept)) {
        timers = timersFired(counts, now);
        if (timers !== '') timerAt = i;
      }
      counts = now;
    }
  }
  return { lines, stallMs: Math.max(0, clock() - started - advanced), stalledAt, timerAt, timers, clock: timeline };

  function step(op: Op): string {
    switch (op.op) {
      case 'pair': {
        const opts: { sndbuf?: number; rcvbuf?: number; nodelay?: boolean } = {};
        if (op.sndbuf !== undefined) opts.sndbuf = op.sndbuf;
        if (op.rcvbuf !== undefined) opts.rcvbuf = op.rcvbuf;
        if (op.nodelay !== undefined) opts.nodelay = op.nodelay;
        const r = k.socketpair(p.family, opts);
        if (isErrno(r)) return `pair = ${r}`;
        return `pair = ${add(r[0])}, ${add(r[1])}`;
      }
      case 'epollWait': {
        const r = k.epollWait(ep as number, op.max, 0);
        if (isErrno(r)) return `epollWait(${op.max}) = ${r}`;
        const events = r.map((e) => `${dataNames.get(e.fd) ?? `fd?`}:${eventNames(e.events)}`);
        return `epollWait(${op.max}) = [${events.join(' ')}]`;
      }
      case 'advance': {
        advanced += op.ms;
        const linuxEnd = onClock?.[stepIndex]?.[0]?.[1];
        if (onClock) advanceTo(Math.max(simMs + op.ms, linuxEnd ?? 0));
        else raw.advance(op.ms);
        return `advance(${op.ms})`;
      }
      default:
        break;
    }
    const s = at(op.s);
    if (!s) return `${op.op}: no socket`;
    switch (op.op) {
      case 'setsockopt':
        return `setsockopt(${s.name}, ${op.name}, ${op.value}) = ${k.setsockopt(s.fd, op.name, op.value)}`;
      case 'getsockopt':
        return `getsockopt(${s.name}, ${op.name}) = ${k.getsockopt(s.fd, op.name as SockOptName)}`;
      case 'write':
        return `write(${s.name}, ${op.bytes}) = ${k.write(s.fd, op.bytes)}`;
      case 'fill': {
        let bytes = 0;
        let writes = 0;
        let last: number | string = 0;
        while (writes < MAX_FILL_WRITES) {
          last = k.write(s.fd, op.chunk);
          if (typeof last !== 'number') break;
          bytes += last;
          writes++;
          if (last < op.chunk) break; // a short write: the next one is EAGAIN (or an error)
        }
        return `fill(${s.name}, ${op.chunk}) = ${bytes} in ${writes}, then ${last}`;
      }
      case 'writeToBoundary': {
        const charged = k.ioctl(s.fd, 'SIOCOUTQ');
        const sndbuf = k.getsockopt(s.fd, 'SO_SNDBUF');
        if (typeof charged !== 'number' || typeof sndbuf !== 'number') return `writeToBoundary(${s.name}) = ${charged}, ${sndbuf}`;
        const len = lengthForCharge(Math.floor(sndbuf / 4) - charged, op.delta);
        if (len === null) return `writeToBoundary(${s.name}, ${op.delta}) = at ${charged} of ${sndbuf}: no write lands there`;
        return `writeToBoundary(${s.name}, ${op.delta}) = at ${charged} of ${sndbuf}: write(${len}) = ${k.write(s.fd, len)}`;
      }
      case 'read': {
        const r = k.read(s.fd, op.max);
        return `read(${s.name}, ${op.max}) = ${isErrno(r) ? r : r.length}`;
      }
      case 'drain': {
        let bytes = 0;
        let reads = 0;
        let last: string | number = 0;
        while (reads < MAX_DRAIN_READS) {
          const r = k.read(s.fd, 1 << 20);
          if (isErrno(r)) {
            last = r;
            break;
          }
          reads++;
          bytes += r.length;
          if (r.length === 0) {
            last = 'EOF';
            break;
          }
        }
        return `drain(${s.name}) = ${bytes} in ${reads}, then ${last}`;
      }
      case 'epollCtl': {
        const r = k.epollCtl(ep as number, op.ctl, s.fd, op.mask);
        if (r === 0 && op.ctl !== 'DEL') dataNames.set(s.fd, s.name);
        return `epollCtl(${op.ctl}, ${s.name}, ${eventNames(op.mask)}) = ${r}`;
      }
      case 'shutdown':
        return `shutdown(${s.name}, ${op.how}) = ${k.shutdown(s.fd, op.how)}`;
      case 'close': {
        const closed = s.fd;
        const r = k.close(closed);
        if (r === 0) {
          // Later ops on the slot see EBADF, and the number is plugged (an
          // eventfd the kernel object owns) so no later slot reuses it:
          // epoll's user data is the number, and whether Linux hands the
          // same number out again depends on what Node's own threads opened
          // meanwhile, which the sim cannot know. A lower number can be free
          // too (a TCP pair's listener was closed), and eventfd takes the
          // lowest: plug until the closed number itself is taken, so that
          // no dup can land on it (it would meet the (file, fd) epoll item
          // the closed fd left, EEXIST, on one kernel and not the other).
          s.fd = -1;
          for (let i = 0; i < 64; i++) {
            const plug = k.eventfd();
            if (typeof plug !== 'number' || plug >= closed) break;
          }
        }
        return `close(${s.name}) = ${r}`;
      }
      case 'dup': {
        const r = k.dup(s.fd);
        return `dup(${s.name}) = ${isErrno(r) ? r : add(r)}`;
      }
      case 'ioctl':
        return `ioctl(${s.name}, ${op.req}) = ${k.ioctl(s.fd, op.req)}`;
    }
    return 'unreachable';
  }
}
