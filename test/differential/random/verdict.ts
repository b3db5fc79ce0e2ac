// One random program on every backend, and what the runs say: Linux twice
// (two runs that disagree are Linux's own noise, not a finding), then each
// simulated engine against Linux, and the two engines against each other
// (they must be byte-identical, always). The first differing line is
// classified by what it observed.
import { tcpUnderMemoryPressure, waitForNoMemoryPressure } from '../../helpers/tcp-memory-pressure.js';
import { executeOn, type Trace } from './execute.js';
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
  /**
   * A sim differs from a Linux that agreed with itself. TCP: the difference
   * is the sim's on a Linux run's own clock (`onLinuxClock`), at a step up
   * to which every Linux run, the confirming ones too, gave the same lines:
   * given the time Linux had, it still does otherwise. `afterDisturbance`:
   * that step is at or after the one where a Linux run was disturbed (ran
   * long, or a timer fired between advance() calls). AF_UNIX: the frozen
   * sim's difference.
   */
  | { kind: 'diverge'; engine: 'sim-native' | 'sim-wasm'; difference: Difference; onLinuxClock?: true; afterDisturbance?: true }
  /** native and wasm differ: a determinism bug, whatever Linux says. */
  | { kind: 'engines-differ'; difference: Difference }
  /**
   * A Linux TCP run, on every attempt, took STALL_MS or more of real time
   * beyond its advance() calls (thousands of tiny writes take tens of ms),
   * or fired a TCP timer outside them (`timers`: which), and from there on
   * the Linux runs gave different lines, which the sims, on each run's own
   * clock, did not each follow. Real time decided, differently each time, at
   * a resolution the sim's millisecond clock does not have: nothing is
   * concluded. `compared`: the steps before the Linux runs first differ (the
   * sims, on each run's clock, gave the same lines there).
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
   * Real time decided, and the sims, run again on each Linux run's own clock
   * (execute.ts, Timeline: before each call the sim's clock is moved to the
   * ms that call came at on Linux), gave every Linux run's lines to the end:
   * the frozen sim differed (after a Linux run was disturbed as for
   * 'linux-slow', or before, a TCP run's few ms being enough), or the Linux
   * runs differed from each other after a disturbance. Agreement, on the
   * time Linux had. `runs`: the Linux runs so judged (2, or 4 with the
   * confirming ones); `compared`: the steps before the frozen sim's
   * comparison stopped (a disturbance, or its first difference).
   */
  | { kind: 'linux-clock'; runs: number; compared: number; steps: number };

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

async function runOn(backend: Backend, p: Program, seed: number, onClock?: Trace['clock']): Promise<Trace> {
  let redone = 0;
  for (let attempt = 1; ; attempt++) {
    // A Linux TCP run under the host's memory pressure is not the reference:
    // wait it out, and redo a run that met it (not counted as an attempt).
    const guard = backend === 'linux' && p.family === 'tcp';
    if (guard) await waitForNoMemoryPressure();
    const t = await executeOn(
      backend === 'linux' ? { backend: 'linux', trace: false } : { backend: 'sim', engine: backend === 'sim-native' ? 'native' : 'wasm', seed, trace: false },
      p,
      STALL_MS,
      onClock,
    );
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
  const onLinuxClock = async (t: Trace) => Promise.all(sims.map(async (engine) => ({ engine, lines: (await runOn(engine, p, seed, t.clock)).lines })));
  const w = await weigh(p, first, second, simTraces, () => runOn('linux', p, seed), onLinuxClock);
  if (w.otherLinux) traces['linux-2'] = w.otherLinux;
  return { verdict: w.verdict, traces };
}

/** The sims' lines for a run, on one Linux run's clock. */
export type OnLinuxClock = (linux: Trace) => Promise<ReadonlyArray<{ engine: 'sim-native' | 'sim-wasm'; lines: readonly string[] }>>;

/**
 * The sims replayed on each Linux run's clock against that run: null when
 * every replay gave its run's lines to the end; else the first that did not
 * (or native and wasm differing on one clock).
 */
async function againstTheirClocks(
  runs: readonly Trace[],
  onLinuxClock: OnLinuxClock,
): Promise<null | { kind: 'engines-differ'; difference: Difference } | { kind: 'differs'; engine: 'sim-native' | 'sim-wasm'; difference: Difference }> {
  for (const run of runs) {
    const replays = await onLinuxClock(run);
    const [a, b] = replays;
    if (a && b) {
      const d = firstDifference(a.lines, b.lines);
      if (d) return { kind: 'engines-differ', difference: d };
    }
    for (const { engine, lines } of replays) {
      const d = firstDifference(run.lines, lines);
      if (d) return { kind: 'differs', engine, difference: d };
    }
  }
  return null;
}

/**
 * The verdict on a program from its two Linux runs and the sims' lines;
 * `linuxAgain` makes one more Linux run (to confirm a divergence, or that
 * real time decided the same way every time); `onLinuxClock` runs the sims
 * again on a Linux run's clock (where real time decided). `otherLinux`: the
 * confirming run that showed Linux's noise, when one did.
 */
export async function weigh(
  p: Program,
  first: Trace,
  second: Trace,
  sims: ReadonlyArray<{ engine: 'sim-native' | 'sim-wasm'; lines: readonly string[] }>,
  linuxAgain: () => Promise<Trace>,
  onLinuxClock: OnLinuxClock,
): Promise<{ verdict: Verdict; otherLinux?: string[] }> {
  const linux = first.lines;
  const steps = p.ops.length;
  // Up to the step where a Linux run was disturbed, the runs are comparable
  // with the frozen sim; from there on only with the sim on their clocks.
  const disturbedAt = (t: Trace): number => (p.family === 'tcp' && disturbedFrom(t) >= 0 ? disturbedFrom(t) : Infinity);
  const disturbedRuns = [first, second].filter((t) => disturbedAt(t) < Infinity).sort((a, b) => disturbedAt(a) - disturbedAt(b));
  const earliest = disturbedRuns[0];
  const slowFrom = earliest ? disturbedAt(earliest) : Infinity;
  const noise = firstDifference(linux, second.lines);
  if (noise && noise.at < slowFrom) return { verdict: { kind: 'linux-noise', linux: noise, by: 'second run' } };
  // The frozen sims against the first run: the earliest difference.
  const frozen = sims
    .map(({ engine, lines }) => ({ engine, d: firstDifference(linux, lines) }))
    .filter((x): x is { engine: 'sim-native' | 'sim-wasm'; d: Difference } => x.d !== null)
    .sort((a, b) => a.d.at - b.d.at)[0];

  /**
   * The sims on each run's clock, against that run: agreement when every
   * replay gives its run's lines; a divergence at the replay's first
   * difference when every run gave the same lines up to it; else Linux's
   * noise (the runs differ before any of them was disturbed) or no
   * reference.
   */
  const onTheirClocks = async (runs: readonly Trace[], frozenUpTo: number): Promise<{ verdict: Verdict; otherLinux?: string[] }> => {
    const replayed = await againstTheirClocks(runs, onLinuxClock);
    if (replayed?.kind === 'engines-differ') return { verdict: replayed };
    if (!replayed) return { verdict: { kind: 'linux-clock', runs: runs.length, compared: Math.min(frozenUpTo, steps), steps } };
    // Where the Linux runs first differ from each other, and which run does.
    let split: { at: number; run: number; d: Difference } | null = null;
    for (const [i, r] of runs.entries()) {
      const d = firstDifference(linux, r.lines);
      if (d && (!split || d.at < split.at)) split = { at: d.at, run: i, d };
    }
    const e = replayed.difference;
    if (!split || e.at < split.at) {
      return { verdict: { kind: 'diverge', engine: replayed.engine, difference: e, onLinuxClock: true, ...(e.at >= slowFrom ? { afterDisturbance: true as const } : {}) } };
    }
    const otherLinux = (runs[split.run] as Trace).lines;
    if (split.at < Math.min(...runs.map(disturbedAt))) {
      return { verdict: { kind: 'linux-noise', linux: split.d, by: split.run >= 2 ? 'confirmation' : 'second run' }, otherLinux };
    }
    const why = earliest ? disturbedBy(earliest) : 'time';
    const stallMs = Math.max(...runs.map((r) => r.stallMs));
    const timers = runs.map((r) => r.timers).find((t) => t !== '') ?? '';
    return { verdict: { kind: 'linux-slow', stallMs, timers, why, compared: split.at, steps } };
  };

  if (noise) {
    // Real time decided, one way in one run and another in the other: if
    // the sim, given each run's time, does what that run did, it agrees.
    return onTheirClocks([first, second], Math.min(noise.at, slowFrom, frozen?.d.at ?? Infinity));
  }
  if (!frozen) return { verdict: { kind: 'agree' } };
  const { engine, d } = frozen;
  // Two Linux runs that agree can still both have taken the less common
  // of two paths Linux takes (a TCP program whose outcome real time
  // decides 70/30 takes the 30 twice in one program of eleven): two more
  // runs before a divergence is reported.
  const runs = [first, second];
  for (let i = 0; i < CONFIRM_RUNS; i++) {
    const r = await linuxAgain();
    if (p.family !== 'tcp') {
      const other = firstDifference(linux, r.lines);
      const from = disturbedFrom(r);
      if (other && other.at <= d.at && (from < 0 || other.at < from)) {
        return { verdict: { kind: 'linux-noise', linux: other, by: 'confirmation' }, otherLinux: r.lines };
      }
    }
    runs.push(r);
  }
  if (p.family !== 'tcp') return { verdict: { kind: 'diverge', engine, difference: d } };
  // TCP: even an undisturbed Linux run takes real time, a few ms over a
  // program, which its timestamps, its RTT samples and the delayed-ACK
  // logic's jiffies see (claimed seed 1212: no timer fired, none ran 8 ms
  // long, and the sim agreed with every run on its own clock). So the sims
  // are judged on the runs' clocks, wherever the frozen sim differed.
  return onTheirClocks(runs, Math.min(d.at, slowFrom));
}
