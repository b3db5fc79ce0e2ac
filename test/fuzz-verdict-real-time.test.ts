// How the randomized differential tester judges a TCP program when real time
// may have decided (test/differential/random/verdict.ts): a Linux run that
// ran too long or saw a timer fire between advance() calls is a reference
// only up to that step. Past it, a sim that differs is either the sim's
// frozen clock (every Linux run, the confirming ones too, gave the same
// lines to the end) or nothing concluded (a Linux run gave other lines).
// The traces here are made up, so every path is exercised exactly.
import { describe, expect, it } from 'vitest';

import type { Kernel } from '../src/index.js';
import { execute, type RealTime, type Trace } from './differential/random/execute.js';
import type { Program } from './differential/random/program.js';
import { weigh } from './differential/random/verdict.js';

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

describe('the tester when real time may have decided', () => {
  it('calls a sim that differs after a slow step, where every Linux run agrees to the end, the frozen clock', async () => {
    const c = confirmations(run(LINUX, { stalledAt: 1 }), run(LINUX, { stalledAt: 1 }));
    const { verdict } = await weigh(program, run(LINUX, { stalledAt: 1 }), run(LINUX, { stalledAt: 1 }), [{ engine: 'sim-native', lines: SIM_AFTER }], c.again);
    expect(verdict).toMatchObject({ kind: 'frozen-clock', engine: 'sim-native', compared: 1, steps: 4 });
    expect(verdict.kind === 'frozen-clock' && verdict.difference).toMatchObject({ at: 2, class: 'SIOCOUTQ' });
    expect(c.asked()).toBe(2);
  });

  it('concludes nothing when a confirming Linux run gives other lines after the slow step', async () => {
    const other = [...LINUX.slice(0, 2), '2 ioctl(s0, SIOCOUTQ) = 4500', LINUX[3] as string];
    const c = confirmations(run(other, { stalledAt: 1 }));
    const { verdict } = await weigh(program, run(LINUX, { stalledAt: 1 }), run(LINUX), [{ engine: 'sim-wasm', lines: SIM_AFTER }], c.again);
    expect(verdict).toMatchObject({ kind: 'linux-slow', why: 'time', compared: 1, steps: 4 });
    expect(c.asked()).toBe(1);
  });

  it('says a timer, not the time, made Linux no reference when the timer fired first', async () => {
    const c = confirmations(run(LINUX), run(LINUX.slice(0, 3)));
    const { verdict } = await weigh(program, run(LINUX, { stalledAt: 3, timerAt: 2 }), run(LINUX), [{ engine: 'sim-native', lines: SIM_AFTER }], c.again);
    expect(verdict).toMatchObject({ kind: 'linux-slow', why: 'timer', compared: 2, timers: 'TCPLossProbes+1' });
  });

  it('concludes nothing when the two Linux runs themselves differ after the slow step', async () => {
    const other = [...LINUX.slice(0, 3), '3 write(s0, 100) = EAGAIN'];
    const c = confirmations();
    const { verdict } = await weigh(program, run(LINUX, { stalledAt: 1 }), run(other), [{ engine: 'sim-native', lines: LINUX }], c.again);
    expect(verdict).toMatchObject({ kind: 'linux-slow', compared: 1 });
    expect(c.asked()).toBe(0);
  });

  it('still reports a difference before the slow step as a divergence, once Linux repeats it', async () => {
    const c = confirmations(run(LINUX, { stalledAt: 3 }), run(LINUX));
    const { verdict } = await weigh(program, run(LINUX, { stalledAt: 3 }), run(LINUX), [{ engine: 'sim-native', lines: SIM_BEFORE }], c.again);
    expect(verdict).toMatchObject({ kind: 'diverge', engine: 'sim-native' });
    expect(verdict.kind === 'diverge' && verdict.difference.at).toBe(1);
  });

  it('calls such a difference Linux noise when a confirming run differs before it', async () => {
    const shifted = [LINUX[0] as string, '1 fill(s0, 13) = 255000 in 20000, then 13', ...LINUX.slice(2)];
    const c = confirmations(run(shifted));
    const { verdict, otherLinux } = await weigh(program, run(LINUX), run(LINUX), [{ engine: 'sim-native', lines: SIM_BEFORE }], c.again);
    expect(verdict).toMatchObject({ kind: 'linux-noise', by: 'confirmation' });
    expect(otherLinux).toEqual(shifted);
  });

  it('judges an AF_UNIX program in full: the time rules are for TCP only', async () => {
    const unix: Program = { ...program, family: 'unix' };
    const c = confirmations(run(LINUX), run(LINUX));
    const { verdict } = await weigh(unix, run(LINUX, { stalledAt: 1 }), run(LINUX), [{ engine: 'sim-native', lines: SIM_AFTER }], c.again);
    expect(verdict).toMatchObject({ kind: 'diverge' });
  });

  // execute() on a stand-in Linux kernel whose advance() oversleeps (or
  // not) on a stand-in clock, and whose timer counters move during it.
  function standInLinux(oversleepMs: number): { kernel: Kernel; real: RealTime } {
    let next = 1_000_000;
    let probes = 0;
    let now = 0;
    const kernel = {
      backend: 'linux',
      eventfd: () => next++,
      close: () => 0,
      epollCreate: () => next++,
      socketpair: () => [next++, next++],
      write: (_fd: number, n: number) => n,
      advance: (ms: number) => {
        now += ms + oversleepMs;
        probes++; // a loss probe fired meanwhile
      },
    } as unknown as Kernel;
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
});
