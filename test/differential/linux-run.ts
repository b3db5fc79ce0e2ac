// How a differential case runs on a backend, and the rule that tells a
// disturbed Linux TCP run from an undisturbed one. Shared by the suite
// (test/kernel-differential.test.ts) and the repeatability tool
// (test/differential/linux-repeatability.ts), so the tool's figures describe
// exactly the runs the suite accepts.
import { readdirSync, readFileSync } from 'node:fs';

import type { Kernel } from '../../src/index.js';
import { open, type BackendId } from '../helpers/backends.js';
import { tcpUnderMemoryPressure, waitForNoMemoryPressure } from '../helpers/tcp-memory-pressure.js';
import { tcpTimerCounts, timersFired } from './linux-timers.js';
import { runCaseWithStats, type DifferentialCase, type Observation } from './observer.js';

/**
 * Loopback TCP on Linux runs timers the sim runs on virtual time. The
 * earliest is the tail loss probe: armed at each send, due 2 * srtt + 2 ms
 * later, in jiffies, and a level-0 timer of the wheel fires one jiffy after
 * its expiry, so at HZ=250 it can fire 4 ms after a send (measured: after
 * 4/5/6/7/8/10 ms it had fired in 1/4/14/21/25/30 of 30 runs;
 * docs/kernel-fidelity.md); then the 40 ms delayed ACK. While a case's
 * calls follow each other within 4 ms no timer can fire between them. A
 * Linux run with a longer gap between two calls (outside its own advance()
 * sleeps: the process descheduled on a loaded machine) may have seen one
 * fire where the sim's frozen clock fires none: it has seen a different
 * kernel, and is run again. The rule was once the run's whole time outside
 * advance() (20 ms, then 8 ms), which a fill of a few hundred writes
 * spends undisturbed while a single 5 ms stall inside it let the probe
 * fire: tcp/bbr-startup-cwnd then gave Linux 44660 bytes in 447 writes
 * instead of its 44860 in 449, now and then in a full `npm test` beside
 * other work. The least disturbed of up to LINUX_ATTEMPTS runs is the
 * reference. The sims never stall.
 */
export const STALL_MS = Number(process.env.STALL_MS ?? 4);
/**
 * Beside busy loops most runs are disturbed: tcp/et-out-after-fill-100 gave
 * 3 undisturbed runs in 201 beside two of them (with two more and others'
 * compiles on the 2 cores), ksoftirqd having run in 197 of the 198 others;
 * 3 of those gave other values, each with a gap and a drift too. The least
 * disturbed of 20 was then the reference (10 attempts failed 1 `npm test` in
 * 10); now the most common outcome of the 20 is (referenceOfDisturbed).
 */
export const LINUX_ATTEMPTS = 20;

/**
 * How far a run's real time ran ahead of the time it asked to pass, from now
 * on. Every call of `k` starts an interval (an advance() is a call too); an
 * interval's excess is its real length minus what an advance() in it asked
 * for: a stall between two calls, or an advance() that slept longer than
 * asked (a process descheduled beside busy loops wakes late).
 *   longest  the largest single excess: against the loss probe, which can
 *            fire 4 ms after a send;
 *   drift    the largest excess summed over consecutive intervals: against
 *            the 40 ms delayed ACK, which real time brings nearer by every
 *            late wake-up while the sim's clock moves only as asked.
 * (Once, advance() was left out altogether: an advance(1) that slept 40 ms
 * under load passed, and Linux's delayed ACK fired where the sim's did not:
 * tcp/et-out-after-fill-100 drained 49152 bytes before EPOLLOUT instead of
 * 50868, and tcp/delayed-ack-timer saw EPOLLOUT 10 ms after the fill, in one
 * `npm test` of two beside two busy loops.)
 */
export function watchGaps(k: Kernel): () => Gaps {
  const softirqBefore = ksoftirqdRuns();
  // Timers that fired outside advance() (linux-timers.ts): read at the
  // run's ends and around each advance() only, not at every call (a read
  // costs about 50 us: a fill of 400 writes would take 20 ms longer, and
  // the loss probe would fire in it more often).
  const watchTimers = k.backend === 'linux';
  let mark = watchTimers ? tcpTimerCounts() : null;
  const fired: string[] = [];
  const outside = (): void => {
    const now = tcpTimerCounts();
    const what = timersFired(mark, now);
    if (what !== '') fired.push(what);
    mark = now;
  };
  let last = performance.now();
  let asked = 0;
  let longest = 0;
  let run = 0;
  let drift = 0;
  k.setProbe(() => {
    const now = performance.now();
    const excess = now - last - asked;
    last = now;
    asked = 0;
    if (excess > longest) longest = excess;
    run = Math.max(0, run + excess);
    if (run > drift) drift = run;
  });
  const advance = k.advance.bind(k);
  k.advance = (ms: number): void => {
    if (watchTimers) outside();
    advance(ms);
    if (watchTimers) mark = tcpTimerCounts();
    asked += ms;
  };
  return () => {
    const softirqAfter = ksoftirqdRuns();
    if (watchTimers) outside();
    return { longest, drift, ksoftirqd: softirqBefore < 0 || softirqAfter < 0 ? 0 : softirqAfter - softirqBefore, timers: fired.join('; ') };
  };
}

export interface Gaps {
  /** How many times ksoftirqd ran during the run (0 where /proc cannot say). */
  ksoftirqd: number;
  /** The largest excess of one interval between two calls, ms. */
  longest: number;
  /** The largest excess summed over consecutive intervals, ms. */
  drift: number;
  /**
   * TCP timers the network namespace fired outside the run's advance()
   * calls ('' none; linux-timers.ts): real time ran a timer the sim's clock,
   * which moves only in advance(), does not.
   */
  timers: string;
}

/** A run whose drift reaches this is disturbed as well (a fifth of the 40 ms delayed ACK). */
export const DRIFT_MS = Number(process.env.DRIFT_MS ?? 8);

let ksoftirqdPids: number[] | null = null;

/**
 * How many times the ksoftirqd threads have run so far (the third field of
 * /proc/PID/schedstat, summed over CPUs), or -1 where /proc cannot say.
 * Loopback TCP delivers inside the sending call (the softirq runs as the
 * call re-enables bottom halves) unless softirqs have been deferred to
 * ksoftirqd, which a CPU-starved host does: delivery then waits for that
 * thread, and a call made right after a send does not see it yet
 * (tcp/fin-wait2-wakes-et-writer: "a woken by FIN_WAIT2" was [] on Linux,
 * in one `npm test` of six beside two busy loops, with no gap between the
 * calls). A run during which ksoftirqd ran may have been one of those.
 */
export function ksoftirqdRuns(): number {
  try {
    if (ksoftirqdPids === null) {
      ksoftirqdPids = [];
      for (const d of readdirSync('/proc')) {
        if (!/^\d+$/.test(d)) continue;
        try {
          if (/^ksoftirqd\//.test(readFileSync(`/proc/${d}/comm`, 'utf8'))) ksoftirqdPids.push(Number(d));
        } catch {
          // gone meanwhile
        }
      }
    }
    if (ksoftirqdPids.length === 0) return -1;
    let n = 0;
    for (const pid of ksoftirqdPids) n += Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(/\s+/)[2]);
    return Number.isFinite(n) ? n : -1;
  } catch {
    return -1;
  }
}

/**
 * How disturbed a run is: 1 and more is disturbed. A run during which
 * ksoftirqd ran counts 1 more, so that among runs all disturbed the least
 * disturbed is one without it.
 */
export function disturbance(g: Gaps): number {
  return Math.max(g.longest / STALL_MS, g.drift / DRIFT_MS) + (g.ksoftirqd > 0 ? 1 : 0) + (g.timers !== '' ? 1 : 0);
}

export interface OneRun {
  observations: Observation[];
  /** How far real time ran ahead of the asked time (watchGaps). */
  gaps: Gaps;
  /** Whether the host's TCP was under memory pressure after the run. */
  pressure: boolean;
}

/** One run of `c` on `id`, as it came: no redo. A Linux TCP run first waits out the host's TCP memory pressure. */
export async function runOnce(id: BackendId, c: DifferentialCase): Promise<OneRun> {
  const guard = id === 'linux' && c.family === 'tcp';
  if (guard) await waitForNoMemoryPressure();
  const k = await open(id, { seed: 1, trace: false });
  const gaps = watchGaps(k);
  let observations: Observation[];
  let measured: Gaps;
  try {
    observations = runCaseWithStats(k, c).observations;
    measured = gaps();
  } finally {
    k.dispose();
  }
  return { observations, gaps: measured, pressure: guard && tcpUnderMemoryPressure() };
}

/** Whether a run is one the suite accepts as it is (every sim run, every Linux unix run). */
export function undisturbed(id: BackendId, c: DifferentialCase, r: OneRun): boolean {
  if (id !== 'linux' || c.family !== 'tcp') return true;
  return !r.pressure && disturbance(r.gaps) < 1;
}

/**
 * The run the suite compares: on Linux TCP, a run that met memory pressure is
 * redone (up to 100 times), and a disturbed one (a single excess of STALL_MS
 * or more, or a drift of DRIFT_MS or more: watchGaps) too, up to LINUX_ATTEMPTS attempts, their most common outcome taken at the end.
 */
export async function runOn(id: BackendId, c: DifferentialCase): Promise<{ observations: Observation[]; note?: string }> {
  let pressureRedos = 0;
  const disturbed: OneRun[] = [];
  for (let attempt = 1; ; attempt++) {
    const r = await runOnce(id, c);
    if (r.pressure && ++pressureRedos <= 100) {
      attempt--;
      continue;
    }
    if (id !== 'linux' || c.family !== 'tcp' || disturbance(r.gaps) < 1) return { observations: r.observations };
    disturbed.push(r);
    if (attempt >= LINUX_ATTEMPTS) return referenceOfDisturbed(disturbed);
  }
}

/**
 * The reference when every attempt was disturbed: Linux's most common
 * outcome among them (a tie goes to the outcome of the least disturbed
 * run). It was the least disturbed run alone, and one such run gave another
 * outcome (tcp/ack-grows-mss-before-cwnd: 54542 bytes in 223 writes for
 * 54297 in 222, ksoftirqd having run and a drift of 1.1 ms; proof run 5 of
 * 10 beside two busy loops and a TCP campaign), while 40 of 40 disturbed
 * runs beside the same load gave the one outcome the sim gives.
 */
export function referenceOfDisturbed(runs: readonly OneRun[]): { observations: Observation[]; note: string } {
  const byOutcome = new Map<string, OneRun[]>();
  for (const r of runs) {
    // An approx observation varies within its tolerance by design: the outcome is the exact ones.
    const key = JSON.stringify(r.observations.map((o) => (o.kind === 'approx' ? [o.label] : [o.label, o.value])));
    byOutcome.set(key, [...(byOutcome.get(key) ?? []), r]);
  }
  const least = (group: readonly OneRun[]) => Math.min(...group.map((r) => disturbance(r.gaps)));
  const groups = [...byOutcome.values()].sort((a, b) => b.length - a.length || least(a) - least(b));
  const chosen = groups[0] as OneRun[];
  const best = [...chosen].sort((a, b) => disturbance(a.gaps) - disturbance(b.gaps))[0] as OneRun;
  const g = best.gaps;
  return {
    observations: best.observations,
    note:
      `no undisturbed Linux run in ${runs.length} attempts; their most common outcome (${chosen.length} of ${runs.length}; ${groups.length} outcomes) is compared, ` +
      `its least disturbed run: longest excess ${g.longest.toFixed(2)} ms, drift ${g.drift.toFixed(2)} ms, ksoftirqd ran ${g.ksoftirqd} times` +
      (g.timers !== '' ? `, TCP timers fired outside advance(): ${g.timers}` : ''),
  };
}
