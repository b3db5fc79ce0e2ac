// Helpers the case scripts share: the family-generic case factory, filling a
// send path until EAGAIN, and the tolerances TCP byte counts are held to.
import { isErrno, type ErrnoName, type Family, type Kernel } from '../../src/index.js';
import type { ApproxOptions, DifferentialCase, Observer } from './observer.js';

/** The same script as a unix case and a tcp case ('unix/name', 'tcp/name'). */
export function both(name: string, about: string, run: (k: Kernel, obs: Observer) => void): DifferentialCase[] {
  return (['unix', 'tcp'] as const).map((family) => ({ name: `${family}/${name}`, family, about, run }));
}

export function only(family: Family, name: string, about: string, run: (k: Kernel, obs: Observer) => void): DifferentialCase {
  return { name: `${family}/${name}`, family, about, run };
}

export interface FillResult {
  bytes: number;
  writes: number;
  /** The errno that ended the fill. */
  last: ErrnoName;
}

/** Writes `w` filler bytes at a time until a write fails. Records nothing. */
export function fillRaw(k: Kernel, fd: number, w: number, maxWrites = 100_000): FillResult {
  let bytes = 0;
  let writes = 0;
  for (;;) {
    const r = k.write(fd, w);
    if (isErrno(r)) return { bytes, writes, last: r };
    bytes += r;
    writes++;
    if (writes >= maxWrites) throw new Error(`fill: still writable after ${maxWrites} writes of ${w}`);
  }
}

/**
 * Writes `chunk` filler bytes at a time until a write is short or fails (at
 * most `maxWrites`): [bytes, writes, the last write's result]. Records
 * nothing. Unlike fillRaw, a short write ends it: where the send path
 * cuts a write (an MSS, a window) is what the TCP cases compare.
 */
export function fillToShort(k: Kernel, fd: number, chunk: number, maxWrites = 1000): [number, number, number | string] {
  let bytes = 0;
  let writes = 0;
  let last: number | string = 0;
  for (let i = 0; i < maxWrites; i++) {
    last = k.write(fd, chunk);
    if (typeof last !== 'number') break;
    bytes += last;
    writes++;
    if (last < chunk) break;
  }
  return [bytes, writes, last];
}

/**
 * Fills `fd` with writes of `w` until EAGAIN and records the outcome: exact
 * for unix; for tcp the byte count within `tcp` (how much the peer's window
 * took depends on when its ACKs left), and the write count is not recorded.
 */
export function fill(obs: Observer, label: string, fd: number, w: number, tcp: ApproxOptions): FillResult {
  const r = fillRaw(obs.kernel, fd, w);
  if (obs.family === 'unix') {
    obs.eq(`${label}: bytes`, r.bytes);
    obs.eq(`${label}: writes`, r.writes);
  } else {
    obs.approx(`${label}: bytes`, r.bytes, tcp);
  }
  obs.eq(`${label}: ends with`, r.last);
  return r;
}

/** A count that is exact on unix and approximate on tcp. */
export function count(obs: Observer, label: string, value: number, tcp: ApproxOptions): void {
  if (obs.family === 'unix') obs.eq(label, value);
  else obs.approx(label, value, tcp);
}

/** Reads `fd` until EAGAIN/EOF/error; returns the bytes and the final result. Records nothing. */
export function drainRaw(k: Kernel, fd: number, chunk = 1 << 20): { bytes: number; last: ErrnoName | 0 } {
  let bytes = 0;
  for (;;) {
    const r = k.read(fd, chunk);
    if (isErrno(r)) return { bytes, last: r };
    if (r.length === 0) return { bytes, last: 0 };
    bytes += r.length;
  }
}

// ---- TCP tolerances: why byte counts may differ, and by how much ----
//
// The sim reproduces these counts exactly on the reference machine (see
// docs/kernel-fidelity.md). What it does not model can still move them:
// tcp_tso_should_defer (decides on sub-millisecond clocks), BBR's cwnd and
// pacing, and the page_frag boundaries that limit receive-side coalescing.
// Each moves a count by at most about one MSS or one skb; the tolerances
// allow that and no more.

/** How much a fill or one big write queues: peer window plus send queue. */
export const FILL_TOLERANCE: ApproxOptions = {
  tolerance: { rel: 0.1 },
  why: 'the receive window and the skbs the send queue is charged for depend on TSO deferral, BBR cwnd and page_frag boundaries the sim does not model',
};

/** How much the reader drains before the writer's ET EPOLLOUT (64 KiB buffers: MSS <= 24576). */
export const DRAIN_TOLERANCE: ApproxOptions = {
  tolerance: { abs: 24576 },
  why: 'the window update that wakes the writer is one MSS-sized send away from the one before it; TSO deferral can hold it by one MSS',
};

/** SIOCOUTQ of a TCP socket: unacknowledged + unsent bytes (write_seq - snd_una). */
export const OUTQ_TOLERANCE: ApproxOptions = {
  tolerance: { rel: 0.1 },
  why: 'what the peer has acknowledged depends on how much the window took (TSO deferral, BBR cwnd) at the moment of the call',
};

/** How many further ET EPOLLOUT reports a TCP drain produces: one per window update that shrank the send queue. */
export const REPORTS_TOLERANCE: ApproxOptions = {
  tolerance: { abs: 1 },
  why: 'each report is a window update that let the send queue shrink; one more or fewer update follows from one MSS sent earlier or later',
};
