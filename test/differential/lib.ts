// Helpers the case scripts share: the family-generic case factory, filling a
// send path until EAGAIN, draining a receive path.
import { isErrno, type ErrnoName, type Family, type Kernel } from '../../src/index.js';
import type { DifferentialCase, Observer } from './observer.js';

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
 * Fills `fd` with writes of `w` until EAGAIN and records the outcome: the
 * bytes and the writes it took (Observer.count: exact on both families; on
 * TCP they follow how much the peer's window took, which Linux reproduces
 * exactly run after run), and how it ended.
 */
export function fill(obs: Observer, label: string, fd: number, w: number): FillResult {
  const r = fillRaw(obs.kernel, fd, w);
  obs.count(`${label}: bytes`, r.bytes);
  obs.count(`${label}: writes`, r.writes);
  obs.eq(`${label}: ends with`, r.last);
  return r;
}

/** An ioctl (SIOCINQ/SIOCOUTQ) recorded as a count (Observer.count), or its errno. */
export function ioctlCount(obs: Observer, label: string, fd: number, request: 'SIOCINQ' | 'SIOCOUTQ'): void {
  const r = obs.kernel.ioctl(fd, request);
  if (isErrno(r)) obs.eq(label, r);
  else obs.count(label, r);
}

/** A write of `n` filler bytes whose result is recorded as a count (Observer.count), or its errno. */
export function writeCount(obs: Observer, label: string, fd: number, n: number): void {
  const r = obs.kernel.write(fd, n);
  if (isErrno(r)) obs.eq(label, r);
  else obs.count(label, r);
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
