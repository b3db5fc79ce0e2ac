// One random program on every backend, and what the runs say: Linux twice
// (two runs that disagree are Linux's own noise, not a finding), then each
// simulated engine against Linux, and the two engines against each other
// (they must be byte-identical, always). The first differing line is
// classified by what it observed.
import { readFileSync } from 'node:fs';

import { openKernel, type Kernel } from '../../../src/index.js';
import { tcpUnderMemoryPressure, waitForNoMemoryPressure } from '../../helpers/tcp-memory-pressure.js';
import { execute, type Trace } from './execute.js';
import type { Program } from './program.js';

export type Backend = 'linux' | 'sim-native' | 'sim-wasm';

export type DifferenceClass =
  | 'write/fill bytes'
  | 'read chunking'
  | 'SIOCOUTQ'
  | 'SIOCINQ'
  | 'epoll events'
  | 'sockopt'
  | 'errno'
  | 'other';

export interface Difference {
  /** Index of the first differing line (= the op). */
  at: number;
  expected: string;
  got: string;
  class: DifferenceClass;
}

export type Verdict =
  | { kind: 'agree' }
  /**
   * Linux disagreed with itself: nothing is concluded about the sim. `by`:
   * its second run did, or (`confirmation`) the two agreed but one of the
   * runs made to confirm a divergence did not, before the divergent line.
   */
  | { kind: 'linux-noise'; linux: Difference; by: 'second run' | 'confirmation' }
  /** A sim differs from a Linux that agreed with itself. */
  | { kind: 'diverge'; engine: 'sim-native' | 'sim-wasm'; difference: Difference }
  /** native and wasm differ: a determinism bug, whatever Linux says. */
  | { kind: 'engines-differ'; difference: Difference }
  /**
   * A Linux TCP run, on every attempt, took STALL_MS or more of real time
   * beyond its advance() calls (thousands of tiny writes take tens of ms),
   * or fired a TCP timer outside them (`timers`: which): the delayed-ACK
   * (40 ms) and loss-probe (4 ms and more) timers run on real time there,
   * while the sim's clock, frozen between advance() calls, fires none. Such
   * a run is no reference: nothing is concluded.
   */
  | {
      kind: 'linux-slow';
      stallMs: number;
      timers: string;
      /** What made Linux no reference first: real time beyond STALL_MS, or a timer firing. */
      why: 'time' | 'timer';
      /** Steps before that point: compared, and the sims agreed with Linux on every one of them. */
      compared: number;
      steps: number;
    }
  /**
   * Real time decided, and decided the same way every time: the Linux runs
   * were disturbed as for 'linux-slow' (slow, or a timer fired), yet every
   * Linux run, the confirming ones too, gave the same lines to the end, and
   * a sim differed after that point. What the sim's clock, standing still
   * between advance() calls, cannot see: a fill of thousands of writes takes
   * Linux real milliseconds every time. Not a failure the tester shrinks (the
   * frozen clock is a known limit of the model), but counted on its own.
   */
  | { kind: 'frozen-clock'; engine: 'sim-native' | 'sim-wasm'; difference: Difference; compared: number; steps: number };

/**
 * A Linux run this long beyond its own advance() calls may have seen timers
 * the sim's frozen clock does not: the earliest is the tail loss probe, armed
 * at 2 jiffies + 2 srtt and fired on a jiffy boundary, so 8 to 12 ms at
 * HZ=250 on loopback. (20 ms, the value before, let a fill of 20000 4-byte
 * writes that took 12 to 16 ms differ from one Linux run to the next.)
 */
const STALL_MS = Number(process.env.STALL_MS ?? 8);
const LINUX_ATTEMPTS = 3;
/** Linux runs made to confirm a divergence (beyond the two every program gets). */
const CONFIRM_RUNS = 2;

/**
 * The first step from which a Linux run is no reference (-1: none): the
 * step by which it had run STALL_MS beyond its advance() calls, or the
 * first step other than advance() in which a TCP timer fired (the network
 * namespace's counters: linux-timers.ts), whichever comes first. The
 * counters see what the time rule can only guess at (a loss probe inside a
 * fill shorter than STALL_MS, which the time rule let through); the time
 * rule stays for what real time changes without a timer (the receiver's
 * DRS and BBR measure it). Over seeds 0..3000 of the claimed regime the
 * counters alone left 50 divergences of 2,620 (1.9 %) where the time rule
 * alone left 55 of 2,719: timers firing in real time are not what the sim
 * mostly misses (docs/kernel-fidelity.md).
 */
function disturbedFrom(t: Trace): number {
  const at = [t.stalledAt, t.timerAt].filter((i) => i >= 0);
  return at.length === 0 ? -1 : Math.min(...at);
}

/** Which rule made a run no reference first (the time rule wins a tie: it is checked first). */
function disturbedBy(t: Trace): 'time' | 'timer' {
  if (t.stalledAt >= 0 && (t.timerAt < 0 || t.stalledAt <= t.timerAt)) return 'time';
  return 'timer';
}

function disturbed(t: Trace): boolean {
  return disturbedFrom(t) >= 0;
}

export function classify(expected: string, got: string): DifferenceClass {
  const call = expected.replace(/^\d+ /, '').split('(')[0] ?? '';
  const isErrnoResult = (line: string) => /= E[A-Z]+$/.test(line);
  if (call === 'epollWait') return 'epoll events';
  if (call === 'ioctl') return expected.includes('SIOCOUTQ') ? 'SIOCOUTQ' : 'SIOCINQ';
  // An errno on one side (or two different ones): a call failed where the other succeeded, or failed otherwise.
  if (isErrnoResult(expected) || isErrnoResult(got)) return 'errno';
  if (call === 'write' || call === 'fill') return 'write/fill bytes';
  if (call === 'read' || call === 'drain') return 'read chunking';
  if (call === 'getsockopt' || call === 'setsockopt') return 'sockopt';
  return 'other';
}

export function firstDifference(a: readonly string[], b: readonly string[]): Difference | null {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i] ?? '(none)';
    const y = b[i] ?? '(none)';
    if (x !== y) return { at: i, expected: x, got: y, class: classify(x, y) };
  }
  return null;
}

async function runOn(backend: Backend, p: Program, seed: number): Promise<Trace> {
  let redone = 0;
  for (let attempt = 1; ; attempt++) {
    // A Linux TCP run under the host's memory pressure is not the reference:
    // wait it out, and redo a run that met it (not counted as an attempt).
    const guard = backend === 'linux' && p.family === 'tcp';
    if (guard) await waitForNoMemoryPressure();
    let k: Kernel;
    if (backend === 'linux') k = await openKernel({ backend: 'linux', trace: false });
    else k = await openKernel({ backend: 'sim', engine: backend === 'sim-native' ? 'native' : 'wasm', seed, trace: false });
    let t: Trace;
    try {
      t = execute(k, p, STALL_MS);
    } finally {
      k.dispose();
    }
    if (guard && tcpUnderMemoryPressure()) {
      if (++redone > 100) throw new Error('Linux reference unusable: TCP memory pressure came back 100 times during one program');
      attempt--;
      continue;
    }
    // A descheduled Linux run is run again; a sim never stalls.
    if (backend !== 'linux' || p.family !== 'tcp' || !disturbed(t) || attempt >= LINUX_ATTEMPTS) return t;
  }
}

export interface Judged {
  verdict: Verdict;
  traces: Partial<Record<Backend | 'linux-2', string[]>>;
}

/** Runs `p` on the backends given (Linux twice if listed) and judges. */
export async function judge(p: Program, backends: readonly Backend[], seed = 1): Promise<Judged> {
  const traces: Judged['traces'] = {};
  const sims = backends.filter((b): b is 'sim-native' | 'sim-wasm' => b !== 'linux');
  for (const b of sims) traces[b] = (await runOn(b, p, seed)).lines;
  if (sims.length === 2) {
    const d = firstDifference(traces['sim-native'] as string[], traces['sim-wasm'] as string[]);
    if (d) return { verdict: { kind: 'engines-differ', difference: d }, traces };
  }
  if (!backends.includes('linux')) return { verdict: { kind: 'agree' }, traces };
  const first = await runOn('linux', p, seed);
  const second = await runOn('linux', p, seed);
  traces.linux = first.lines;
  traces['linux-2'] = second.lines;
  const simTraces = sims.map((engine) => ({ engine, lines: traces[engine] as string[] }));
  const w = await weigh(p, first, second, simTraces, () => runOn('linux', p, seed));
  if (w.otherLinux) traces['linux-2'] = w.otherLinux;
  return { verdict: w.verdict, traces };
}

/**
 * The verdict on a program from its two Linux runs and the sims' lines;
 * `linuxAgain` makes one more Linux run (to confirm a divergence, or that
 * real time decided the same way every time). `otherLinux`: the confirming
 * run that showed Linux's noise, when one did.
 */
export async function weigh(
  p: Program,
  first: Trace,
  second: Trace,
  sims: ReadonlyArray<{ engine: 'sim-native' | 'sim-wasm'; lines: readonly string[] }>,
  linuxAgain: () => Promise<Trace>,
): Promise<{ verdict: Verdict; otherLinux?: string[] }> {
  const linux = first.lines;
  // Up to the step where a Linux run had run too long, the runs are
  // comparable; a first difference from there on concludes nothing.
  const disturbedRuns = [first, second].filter((t) => disturbedFrom(t) >= 0).sort((a, b) => disturbedFrom(a) - disturbedFrom(b));
  const earliest = disturbedRuns[0];
  const slowFrom = p.family === 'tcp' && earliest ? disturbedFrom(earliest) : Infinity;
  const noise = firstDifference(linux, second.lines);
  const slow: Verdict = {
    kind: 'linux-slow',
    stallMs: Math.max(first.stallMs, second.stallMs),
    timers: first.timers || second.timers,
    why: earliest ? disturbedBy(earliest) : 'time',
    compared: Number.isFinite(slowFrom) ? slowFrom : p.ops.length,
    steps: p.ops.length,
  };
  if (noise) return { verdict: noise.at >= slowFrom ? slow : { kind: 'linux-noise', linux: noise, by: 'second run' } };
  for (const { engine, lines } of sims) {
    const d = firstDifference(linux, lines);
    if (!d) continue;
    if (d.at >= slowFrom) {
      // Real time may have decided; Linux gave the same lines twice to the
      // end. If it does every time, the sim missed what real time does.
      for (let i = 0; i < CONFIRM_RUNS; i++) {
        if (firstDifference(linux, (await linuxAgain()).lines)) return { verdict: slow };
      }
      return { verdict: { kind: 'frozen-clock', engine, difference: d, compared: slowFrom, steps: p.ops.length } };
    }
    // Two Linux runs that agree can still both have taken the less common
    // of two paths Linux takes (a TCP program whose outcome real time
    // decides 70/30 takes the 30 twice in one program of eleven): before a
    // divergence is reported, Linux must give the same lines up to it again.
    for (let i = 0; i < CONFIRM_RUNS; i++) {
      const r = await linuxAgain();
      const other = firstDifference(linux, r.lines);
      const from = disturbedFrom(r);
      if (other && other.at <= d.at && (from < 0 || other.at < from)) {
        return { verdict: { kind: 'linux-noise', linux: other, by: 'confirmation' }, otherLinux: r.lines };
      }
    }
    return { verdict: { kind: 'diverge', engine, difference: d } };
  }
  return { verdict: { kind: 'agree' } };
}
