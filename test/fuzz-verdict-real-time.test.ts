// How the randomized differential tester judges a TCP program when real time
// may have decided (test/differential/random/verdict.ts): a Linux run that
// ran too long or saw a timer fire between advance() calls is a reference
// for the frozen sim only up to that step. Past it, the sims run again on
// each Linux run's own clock (execute.ts, Timeline): when each such run
// gives its Linux run's lines, they agree on Linux's clock; when one does
// not and every Linux run, the confirming ones too, gave the same lines, it
// is a divergence; otherwise nothing is concluded. The traces here are made
// up, so every path is exercised exactly.
import { describe, expect, it } from 'vitest';

import type { Kernel } from '../src/index.js';
import { execute, type RealTime, type Trace } from './differential/random/execute.js';
import type { Program } from './differential/random/program.js';
import { weigh, type OnLinuxClock } from './differential/random/verdict.js';

const program: Program = {
  family: 'tcp',
  ops: [{ op: 'pair' }, { op: 'fill', s: 0, chunk: 13 }, { op: 'ioctl', s: 0, req: 'SIOCOUTQ' }, { op: 'write', s: 0, bytes: 100 }],
};
const LINUX = ['0 pair = s0, s1', '1 fill(s0, 13) = 260000 in 20000, then 13', '2 ioctl(s0, SIOCOUTQ) = 5000', '3 write(s0, 100) = 100'];
const SIM_AFTER = [...LINUX.slice(0, 2), '2 ioctl(s0, SIOCOUTQ) = 4000', LINUX[3] as string];
const SIM_BEFORE = [LINUX[0] as string, '1 fill(s0, 13) = 250000 in 20000, then 13', ...LINUX.slice(2)];

function run(lines: readonly string[], disturbed: { stalledAt?: number; timerAt?: number } = {}): Trace {
  return {
    lines: [...lines],
    stallMs: disturbed.stalledAt !== undefined ? 12 : 0,
    stalledAt: disturbed.stalledAt ?? -1,
    timerAt: disturbed.timerAt ?? -1,
    timers: disturbed.timerAt !== undefined ? 'TCPLossProbes+1' : '',
    clock: [],
  };
}

/** Confirming Linux runs, in order; counts how many were asked for. */
function confirmations(...runs: Trace[]): { again: () => Promise<Trace>; asked: () => number } {
  let n = 0;
  return {
    again: async () => {
      const r = runs[n++];
      if (!r) throw new Error('more confirming runs than given');
      return r;
    },
    asked: () => n,
  };
}

/** The sims on a Linux run's clock, one engine: `lines(run)` each time; counts the replays. */
function replays(lines: (linux: Trace) => readonly string[]): { onLinuxClock: OnLinuxClock; replayed: () => number } {
  let n = 0;
  return {
    onLinuxClock: async (t) => {
      n++;
      return [{ engine: 'sim-native', lines: lines(t) }];
    },
    replayed: () => n,
  };
}
/** A sim that, on a Linux run's clock, gives that run's lines. */
const followsLinux = (t: Trace): readonly string[] => t.lines;

describe('the tester when real time may have decided', () => {
  it("agrees on Linux's clock when the sim, given each Linux run's time, gives that run's lines", async () => {
    const c = confirmations(run(LINUX, { stalledAt: 1 }), run(LINUX, { stalledAt: 1 }));
    const clock = replays(followsLinux);
    const { verdict } = await weigh(program, run(LINUX, { stalledAt: 1 }), run(LINUX, { stalledAt: 1 }), [{ engine: 'sim-native', lines: SIM_AFTER }], c.again, clock.onLinuxClock);
    expect(verdict).toEqual({ kind: 'linux-clock', runs: 4, compared: 1, steps: 4 });
    expect(c.asked()).toBe(2);
    expect(clock.replayed()).toBe(4);
  });

  it("calls it a divergence when every Linux run agrees to the end and the sim, on their clock, still differs", async () => {
    const c = confirmations(run(LINUX, { stalledAt: 1 }), run(LINUX));
    const { verdict } = await weigh(program, run(LINUX, { stalledAt: 1 }), run(LINUX), [{ engine: 'sim-native', lines: SIM_AFTER }], c.again, replays(() => SIM_AFTER).onLinuxClock);
    expect(verdict).toMatchObject({ kind: 'diverge', engine: 'sim-native', onLinuxClock: true });
    expect(verdict.kind === 'diverge' && verdict.difference).toMatchObject({ at: 2, class: 'SIOCOUTQ', expected: LINUX[2], got: SIM_AFTER[2] });
  });

  it("calls it a divergence when the sim follows one Linux run's clock but not another's, Linux agreeing", async () => {
    const c = confirmations(run(LINUX, { stalledAt: 1 }), run(LINUX));
    // The sim gives Linux's lines on the first run's clock only (its timeline is told apart by a mark).
    const first = { ...run(LINUX, { stalledAt: 1 }), clock: [[[0, 7]]] as Trace['clock'] };
    const { verdict } = await weigh(program, first, run(LINUX), [{ engine: 'sim-native', lines: SIM_AFTER }], c.again, replays((t) => (t.clock.length > 0 ? t.lines : SIM_AFTER)).onLinuxClock);
    expect(verdict).toMatchObject({ kind: 'diverge', engine: 'sim-native', onLinuxClock: true });
    expect(verdict.kind === 'diverge' && verdict.difference.at).toBe(2);
  });

  it('concludes nothing when a confirming Linux run gives other lines after the slow step and the sim on its clock does not follow', async () => {
    const other = [...LINUX.slice(0, 2), '2 ioctl(s0, SIOCOUTQ) = 4500', LINUX[3] as string];
    const c = confirmations(run(other, { stalledAt: 1 }), run(LINUX));
    const { verdict } = await weigh(program, run(LINUX, { stalledAt: 1 }), run(LINUX), [{ engine: 'sim-wasm', lines: SIM_AFTER }], c.again, replays(() => LINUX).onLinuxClock);
    // compared: the runs agree up to step 2, and the sims on their clocks gave those lines
    expect(verdict).toMatchObject({ kind: 'linux-slow', why: 'time', compared: 2, steps: 4 });
    expect(c.asked()).toBe(2);
  });

  it('says a timer, not the time, made Linux no reference when the timer fired first', async () => {
    const other3 = [...LINUX.slice(0, 3), '3 write(s0, 100) = EAGAIN'];
    const last = run(other3);
    const c = confirmations(run(LINUX), last);
    // The sim follows every run's clock but the last one's, where it gives the others' lines.
    const clock = replays((t) => (t === last ? LINUX : t.lines));
    const { verdict } = await weigh(program, run(LINUX, { stalledAt: 3, timerAt: 2 }), run(LINUX), [{ engine: 'sim-native', lines: SIM_AFTER }], c.again, clock.onLinuxClock);
    expect(verdict).toMatchObject({ kind: 'linux-slow', why: 'timer', compared: 3, timers: 'TCPLossProbes+1' });
  });

  it('calls a difference on the clocks at a step where every Linux run agrees a divergence, though a run differs later', async () => {
    // The review's case: frozen sim differs at 1 (undisturbed); on the clocks the sims give step 1 as Linux did but not step 2.
    const other3 = [...LINUX.slice(0, 3), '3 write(s0, 100) = EAGAIN'];
    const c = confirmations(run(LINUX), run(other3, { stalledAt: 3 }));
    const { verdict } = await weigh(program, run(LINUX), run(LINUX), [{ engine: 'sim-native', lines: SIM_BEFORE }], c.again, replays(() => SIM_AFTER).onLinuxClock);
    expect(verdict).toMatchObject({ kind: 'diverge', engine: 'sim-native', onLinuxClock: true });
    expect(verdict.kind === 'diverge' && verdict.difference).toMatchObject({ at: 2, got: SIM_AFTER[2] });
    expect(verdict.kind === 'diverge' && verdict.afterDisturbance).toBeUndefined();
  });

  it('concludes nothing when the sims on the clocks differ only where a disturbed Linux run differs too', async () => {
    // The frozen sim differs at 1; on the clocks the sims give every line but step 3, where a confirming run, disturbed from 3, differs.
    const other3 = [...LINUX.slice(0, 3), '3 write(s0, 100) = EAGAIN'];
    const c = confirmations(run(LINUX), run(other3, { stalledAt: 3 }));
    const { verdict } = await weigh(program, run(LINUX), run(LINUX), [{ engine: 'sim-native', lines: SIM_BEFORE }], c.again, replays(() => LINUX).onLinuxClock);
    expect(verdict).toMatchObject({ kind: 'linux-slow', compared: 3 });
  });

  it('calls a difference on the clocks before the two Linux runs part a divergence', async () => {
    const other3 = [...LINUX.slice(0, 3), '3 write(s0, 100) = EAGAIN'];
    const c = confirmations();
    const { verdict } = await weigh(program, run(LINUX, { stalledAt: 2 }), run(other3), [{ engine: 'sim-native', lines: LINUX }], c.again, replays(() => SIM_BEFORE).onLinuxClock);
    expect(verdict).toMatchObject({ kind: 'diverge', onLinuxClock: true });
    expect(verdict.kind === 'diverge' && verdict.difference.at).toBe(1);
    expect(c.asked()).toBe(0);
  });

  it('concludes nothing when the two Linux runs differ after the slow step and the sim does not follow each', async () => {
    const other = [...LINUX.slice(0, 3), '3 write(s0, 100) = EAGAIN'];
    const c = confirmations();
    const { verdict } = await weigh(program, run(LINUX, { stalledAt: 1 }), run(other), [{ engine: 'sim-native', lines: LINUX }], c.again, replays(() => LINUX).onLinuxClock);
    // On the second run's clock the sim gives the first run's lines: not agreement.
    expect(verdict).toMatchObject({ kind: 'linux-slow', compared: 3 });
    expect(c.asked()).toBe(0);
  });

  it("agrees on Linux's clock when the two Linux runs differ after the slow step and the sim, on each one's clock, does what it did", async () => {
    const other = [...LINUX.slice(0, 3), '3 write(s0, 100) = EAGAIN'];
    const c = confirmations();
    const clock = replays(followsLinux);
    const { verdict } = await weigh(program, run(LINUX, { stalledAt: 1 }), run(other), [{ engine: 'sim-native', lines: LINUX }], c.again, clock.onLinuxClock);
    expect(verdict).toEqual({ kind: 'linux-clock', runs: 2, compared: 1, steps: 4 });
    expect(clock.replayed()).toBe(2);
  });

  it("reports native and wasm differing on one Linux run's clock as engines-differ", async () => {
    const c = confirmations(run(LINUX), run(LINUX));
    const split: OnLinuxClock = async (t) => [
      { engine: 'sim-native', lines: t.lines },
      { engine: 'sim-wasm', lines: SIM_AFTER },
    ];
    const { verdict } = await weigh(program, run(LINUX, { stalledAt: 1 }), run(LINUX), [{ engine: 'sim-native', lines: SIM_AFTER }], c.again, split);
    expect(verdict).toMatchObject({ kind: 'engines-differ' });
    expect(verdict.kind === 'engines-differ' && verdict.difference.at).toBe(2);
  });

  it('still reports a difference before the slow step as a divergence, once Linux repeats it and the sim differs on its clock too', async () => {
    const c = confirmations(run(LINUX, { stalledAt: 3 }), run(LINUX));
    const clock = replays(() => SIM_BEFORE);
    const { verdict } = await weigh(program, run(LINUX, { stalledAt: 3 }), run(LINUX), [{ engine: 'sim-native', lines: SIM_BEFORE }], c.again, clock.onLinuxClock);
    expect(verdict).toMatchObject({ kind: 'diverge', engine: 'sim-native', onLinuxClock: true });
    expect(verdict.kind === 'diverge' && verdict.difference.at).toBe(1);
    expect(verdict.kind === 'diverge' && verdict.afterDisturbance).toBeUndefined();
    expect(clock.replayed()).toBe(1); // the first run's replay already differs
  });

  it("agrees on Linux's clock where no Linux run was disturbed but the sim, on each run's clock, gives its lines", async () => {
    const c = confirmations(run(LINUX), run(LINUX));
    const clock = replays(followsLinux);
    const { verdict } = await weigh(program, run(LINUX), run(LINUX), [{ engine: 'sim-native', lines: SIM_BEFORE }], c.again, clock.onLinuxClock);
    expect(verdict).toEqual({ kind: 'linux-clock', runs: 4, compared: 1, steps: 4 });
    expect(clock.replayed()).toBe(4);
  });

  it('calls such a difference Linux noise when a confirming run differs before it', async () => {
    const shifted = [LINUX[0] as string, '1 fill(s0, 13) = 255000 in 20000, then 13', ...LINUX.slice(2)];
    const c = confirmations(run(shifted), run(LINUX));
    const { verdict, otherLinux } = await weigh(program, run(LINUX), run(LINUX), [{ engine: 'sim-native', lines: SIM_BEFORE }], c.again, replays(() => SIM_BEFORE).onLinuxClock);
    expect(verdict).toMatchObject({ kind: 'linux-noise', by: 'confirmation' });
    expect(otherLinux).toEqual(shifted);
  });

  it('judges an AF_UNIX program in full: the time rules are for TCP only', async () => {
    const unix: Program = { ...program, family: 'unix' };
    const c = confirmations(run(LINUX), run(LINUX));
    const { verdict } = await weigh(unix, run(LINUX, { stalledAt: 1 }), run(LINUX), [{ engine: 'sim-native', lines: SIM_AFTER }], c.again, replays(followsLinux).onLinuxClock);
    expect(verdict).toMatchObject({ kind: 'diverge' });
  });

  /**
   * A stand-in kernel for execute(): fds from a counter, every write taken
   * whole, advance() doing nothing, unless `calls` says otherwise.
   */
  function standIn(backend: 'linux' | 'sim', calls: { socketpair?: () => void; write?: (n: number) => number | string; advance?: (ms: number) => void } = {}): Kernel {
    let next = 1_000_000;
    return {
      backend,
      eventfd: () => next++,
      close: () => 0,
      epollCreate: () => next++,
      socketpair: () => {
        calls.socketpair?.();
        return [next++, next++];
      },
      write: (_fd: number, n: number) => (calls.write ? calls.write(n) : n),
      advance: (ms: number) => calls.advance?.(ms),
    } as unknown as Kernel;
  }

  // execute() on a stand-in Linux kernel whose advance() oversleeps (or
  // not) on a stand-in clock, and whose timer counters move during it.
  function standInLinux(oversleepMs: number): { kernel: Kernel; real: RealTime } {
    let probes = 0;
    let now = 0;
    const kernel = standIn('linux', {
      advance: (ms) => {
        now += ms + oversleepMs;
        probes++; // a loss probe fired meanwhile
      },
    });
    return { kernel, real: { now: () => now, timerCounts: () => ({ TCPLossProbes: probes, DelayedACKs: 0, TCPTimeouts: 0, TCPWinProbe: 0 }) } };
  }
  const withAdvance: Program = { family: 'tcp', ops: [{ op: 'pair' }, { op: 'advance', ms: 1 }, { op: 'write', s: 0, bytes: 10 }] };

  it('takes a timer that fired inside an advance() that kept time as the sim would', () => {
    const { kernel, real } = standInLinux(0.5);
    const t = execute(kernel, withAdvance, 8, real);
    expect(t.timerAt).toBe(-1);
    expect(t.stallMs).toBe(0.5);
  });

  it('calls a Linux run disturbed from an advance() that overslept by 1 ms or more while a timer fired', () => {
    const { kernel, real } = standInLinux(5);
    const t = execute(kernel, withAdvance, 8, real);
    expect(t.timerAt).toBe(1);
    expect(t.timers).toBe('TCPLossProbes +1');
    expect(t.stalledAt).toBe(-1); // 5 ms is under the 8 ms rule: only the timer rule sees it
    expect(t.lines).toEqual(['0 pair = s0, s1', '1 advance(1)', '2 write(s0, 10) = 10']);
  });

  // The Linux run's clock, recorded on a stand-in whose calls take 0.6 ms
  // each and whose advance() oversleeps, then replayed on a stand-in sim.
  const timed: Program = { family: 'tcp', ops: [{ op: 'pair' }, { op: 'write', s: 0, bytes: 1 }, { op: 'write', s: 0, bytes: 2 }, { op: 'advance', ms: 2 }, { op: 'write', s: 0, bytes: 3 }] };

  it('records, on Linux, the whole ms each call came at (where it changed) and the ms each advance() ended at', () => {
    let now = 0;
    const kernel = standIn('linux', {
      socketpair: () => void (now += 0.6),
      write: (n) => ((now += 0.6), n),
      advance: (ms) => void (now += ms + 3), // overslept by 3 ms
    });
    const t = execute(kernel, timed, Infinity, { now: () => now, timerCounts: () => null });
    // pair at 0, write at 0.6, write at 1.2, advance(2) ends at 6.8, write at 6.8
    expect(t.clock).toEqual([[[0, 0]], [[0, 0]], [[0, 1]], [[0, 6]], [[0, 6]]]);
  });

  it('counts a Linux run\'s clock from the jiffy boundary (4 ms, HZ=250) before the program began', () => {
    let now = 4001.5; // CLOCK_MONOTONIC: 1.5 ms past a jiffy boundary
    const kernel = standIn('linux', { write: (n) => ((now += 2), n), advance: (ms) => void (now += ms) });
    const t = execute(kernel, timed, Infinity, { now: () => now, timerCounts: () => null });
    // pair at 1.5, writes at 1.5 and 3.5, advance(2) ends at 7.5, write at 7.5
    expect(t.clock).toEqual([[[0, 1]], [[0, 1]], [[0, 3]], [[0, 7]], [[0, 7]]]);
  });

  it("moves a sim's clock, on a Linux run's clock, to the ms each call came at before it, and advance() to where Linux's ended", () => {
    const log: string[] = [];
    const kernel = standIn('sim', {
      socketpair: () => void log.push('pair'),
      write: (n) => (log.push(`write ${n}`), n),
      advance: (ms) => void log.push(`advance ${ms}`),
    });
    const t = execute(kernel, timed, Infinity, undefined, [[[0, 0]], [], [[0, 1]], [[0, 6]], []]);
    expect(log).toEqual(['pair', 'write 1', 'advance 1', 'write 2', 'advance 5', 'write 3']);
    expect(t.lines).toEqual(['0 pair = s0, s1', '1 write(s0, 1) = 1', '2 write(s0, 2) = 2', '3 advance(2)', '4 write(s0, 3) = 3']);
    expect(t.clock).toEqual([]);
  });

  it("gives a replayed advance() at least the ms it asks for, whatever the clock says", () => {
    const log: string[] = [];
    const kernel = standIn('sim', { advance: (ms) => void log.push(`advance ${ms}`) });
    execute(kernel, timed, Infinity, undefined, [[[0, 0]], [], [[0, 1]], [], []]);
    expect(log).toEqual(['advance 1', 'advance 2']);
  });

  it("starts a replayed step no earlier than the Linux run's last mark before it, though the sim's last step made fewer calls", () => {
    const log: string[] = [];
    let writes = 0;
    const kernel = standIn('sim', {
      write: (n) => (log.push(`write ${n}`), ++writes <= 2 ? n : 'EAGAIN'),
      advance: (ms) => void log.push(`advance ${ms}`),
    });
    const p: Program = { family: 'tcp', ops: [{ op: 'pair' }, { op: 'fill', s: 0, chunk: 10 }, { op: 'write', s: 1, bytes: 7 }] };
    // On Linux the fill's fourth write came at 5 ms; the sim's fill stops after its third call.
    execute(kernel, p, Infinity, undefined, [[[0, 0]], [[0, 0], [3, 5]], []]);
    expect(log).toEqual(['write 10', 'write 10', 'write 10', 'advance 5', 'write 7']);
  });
});
