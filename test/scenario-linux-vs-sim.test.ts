// The same scenario on real Linux and on the simulated kernel: every built-in
// scenario (in its own family and, where the scenario allows, the other one;
// and with its contrast variant) runs on engine 'linux' (the reactor on real
// epoll through LinuxKernel, the peers real sockets) and on the native sim,
// and the reactor's traces are compared after normalising what differs by
// design (fd numbers, the listener's unique abstract name, ports, times):
//   AF_UNIX  every reactor syscall, its result and every epoll event, exactly;
//   TCP      every record exactly too, byte counts included (the bytes of
//            each read and write, a write's length, the app's message and
//            high-water-mark sizes): unloaded, Linux gives the same trace in
//            every run (`npm run repeatability:linux`, docs/kernel-fidelity.md).
//            Only when no attempt of a loaded Linux met the sim, loop for
//            loop within LOADED_LOOP_REL.
// Scenario expectations must hold on Linux as on the sim: in its own family
// both pass; in the other family both give the same verdict.
//
// TCP runs of a unix document lock the buffers Linux would autotune (the
// sim models neither receive-buffer autotuning nor send-buffer growth); the
// TCP built-ins lock them in the document itself.
import { readdirSync } from 'node:fs';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { builtinScenario, EdgeloopError, formatScenarioFailure, runScenario, Simulation } from '../src/index.js';
import { Simulation as BrowserSimulation } from '../src/browser.js';
import type { ScenarioResult } from '../src/index.js';
import { linuxReferenceProblem } from './helpers/backends.js';
import { compareReactorTraces, foldDataLoops, reactorTrace } from './helpers/reactor-trace.js';
import { runScenarioOn as run, scenarioRuns as runs, scenarioTitle } from './helpers/scenario-runs.js';
import { tcpUnderMemoryPressure, waitForNoMemoryPressure } from './helpers/tcp-memory-pressure.js';

const onLinux = process.platform === 'linux';
/**
 * A Linux TCP run that disagrees with the sim (its reactor trace, its step
 * count, where it stopped, its failures) is run again, at most this many
 * attempts: a descheduled process sees timers the sim's frozen clock does
 * not. Beside two busy loops, high-water-mark on TCP (the other family) met
 * the sim in 5 of 10 Linux runs (unloaded: 30 of 30): a stall of 40 ms and
 * more between two steps let the 40 ms delayed ACK reopen the window, and
 * epoll_wait reported EPOLLOUT one step before the sim's (one record and one
 * step fewer); with 3 attempts, 3 of 10 `npm test` runs under that load
 * failed. A run's stretches without a record cannot tell a disturbed run
 * here, as the differential suite's gaps do: a scenario does JS work between
 * steps, and unloaded runs that agree record for record have stretches of
 * 4 ms and more (199 of 510) and, without advance(), drift by their length.
 */
const LINUX_ATTEMPTS = 8;

/**
 * When no attempt met the sim record for record, one that meets it loop for
 * loop (each read or write loop of one wakeup as one record: its bytes
 * within this, its ending exact; steps, stop and failures equal) passes,
 * and is counted in the summary line. Unloaded, Linux gave the sim's trace
 * in every run (30 of 30 for each TCP run but one, whose other run differed
 * in its calls); on a loaded host, high-water-mark-close on TCP with
 * day26-as-written gave it in 8 of 10 runs beside two busy loops and in 27
 * of 30 beside other sessions' work, the others loop for loop with loops'
 * bytes up to 3.01 %, 2.85 % and 5.54 % apart (the client's fill ran on
 * while the reader's delivery waited), and in one `npm test` beside four
 * busy loops it met the sim in 0 of 8 attempts. `npm run
 * repeatability:linux -- --no-cases --scenarios day26 --runs 10`.
 */
const LOADED_LOOP_REL = 0.06;

const failurePaths = (x: ScenarioResult) => x.failures.map((f) => f.path);
const tally = { unix: 0, tcp: 0, byLoops: [] as string[], linuxReruns: 0 };

function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

describe.skipIf(!onLinux)('scenarios on real Linux and on the sim: the reactor traces agree', () => {
  beforeAll(() => {
    const problem = linuxReferenceProblem();
    if (problem) throw new Error(`the Linux reference is not fresh: ${problem}`);
  });
  const fdsBefore = onLinux ? openFds() : 0;

  for (const r of runs()) {
    const title = scenarioTitle(r);
    it(title, async () => {
      const sim = await run(r, 'native');
      let linux!: ScenarioResult;
      let cmp!: ReturnType<typeof compareReactorTraces>;
      let byLoops: { linux: ScenarioResult; cmp: ReturnType<typeof compareReactorTraces> } | null = null;
      let exact = false;
      const simTrace = reactorTrace(sim.records);
      let redone = 0;
      for (let attempt = 1; attempt <= (r.family === 'tcp' ? LINUX_ATTEMPTS : 1); attempt++) {
        if (attempt > 1) tally.linuxReruns++;
        // The host's TCP memory pressure changes what Linux's sockets take (test/helpers/tcp-memory-pressure.ts): wait it out, redo a run that met it.
        if (r.family === 'tcp') await waitForNoMemoryPressure();
        linux = await run(r, 'linux');
        if (r.family === 'tcp' && tcpUnderMemoryPressure() && ++redone <= 100) {
          attempt--;
          continue;
        }
        const linuxTrace = reactorTrace(linux.records);
        cmp = compareReactorTraces(r.family, linuxTrace, simTrace, 0);
        const same =
          linux.steps === sim.steps && linux.stoppedAt === sim.stoppedAt && JSON.stringify(failurePaths(linux)) === JSON.stringify(failurePaths(sim));
        if (cmp.problems.length === 0 && same) {
          exact = true;
          break;
        }
        if (r.family === 'tcp' && same && byLoops === null) {
          const f = compareReactorTraces('tcp', foldDataLoops(linuxTrace), foldDataLoops(simTrace), LOADED_LOOP_REL);
          if (f.problems.length === 0) byLoops = { linux, cmp: f };
        }
      }
      if (!exact && byLoops !== null) {
        ({ linux, cmp } = byLoops);
        tally.byLoops.push(`${title}: ${cmp.approximate} loops' bytes differ, at most ${(cmp.maxRel * 100).toFixed(2)}%`);
      }
      expect(linux.engine).toBe('linux');
      expect(linux.trace.split('\n', 1)[0]).toContain('"kernel":"linux"');
      // Expectations: in its own family the scenario holds on both kernels
      // (its contrast variant fails on both); elsewhere both agree.
      if (r.own && r.variant === undefined) {
        expect(sim.failures.map(formatScenarioFailure)).toEqual([]);
        expect(linux.failures.map(formatScenarioFailure)).toEqual([]);
      } else {
        expect(failurePaths(linux)).toEqual(failurePaths(sim));
        if (r.variant !== undefined) expect(linux.ok).toBe(false);
      }
      expect(linux.stoppedAt).toBe(sim.stoppedAt);
      expect(linux.steps).toBe(sim.steps);
      expect(cmp.problems, cmp.problems.join('\n')).toEqual([]);
      if (r.family === 'unix') tally.unix++;
      else if (exact) tally.tcp++;
    }, 180_000);
  }

  it('closes every socket it opened, however the runs ended', () => {
    expect(openFds()).toBe(fdsBefore);
  });

  afterAll(() => {
    console.log(
      `linux vs sim: ${tally.unix + tally.tcp + tally.byLoops.length} runs compared: ${tally.unix} unix and ${tally.tcp} tcp record for record, exactly; ` +
        `${tally.byLoops.length} tcp loop for loop within ${LOADED_LOOP_REL * 100}% after ${LINUX_ATTEMPTS} attempts${tally.byLoops.length ? ` (${tally.byLoops.join('; ')})` : ''}; ${tally.linuxReruns} Linux reruns`,
    );
  });
});

describe.skipIf(!onLinux)("engine 'linux'", () => {
  it('gives each run its own abstract name, so runs side by side do not collide', async () => {
    const a = await Simulation.create({ engine: 'linux', family: 'unix' });
    const b = await Simulation.create({ engine: 'linux', family: 'unix' });
    try {
      expect(a.address).toMatch(/^@edgeloop-sim-\d+-\d+$/);
      expect(b.address).not.toBe(a.address);
      for (const sim of [a, b]) {
        const p = sim.peer('client');
        expect(p.connect()).toBe(0);
        p.write('hello');
        sim.run({ maxSteps: 10 });
        expect(p.text).toBe('hello');
      }
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  it('shows the interest list from the real kernel, and says the ready list is unknown', async () => {
    const sim = await Simulation.create({ engine: 'linux', family: 'tcp' });
    try {
      const p = sim.peer('client');
      p.connect();
      // Real loopback finishes the handshake in softirq context, which a busy
      // machine may defer past the first steps: wait for the accept (each
      // wait sleeps 10 ms of real time, 5 s at most), not for a step count.
      for (let i = 0; i < 500 && sim.connections.length === 0; i++) {
        sim.step();
        if (sim.connections.length === 0) sim.advance(10);
      }
      sim.run({ maxSteps: 5 });
      const snap = sim.snapshot();
      expect(snap.readyKnown).toBe(false);
      expect(snap.ready).toEqual([]);
      const conn = snap.connections[0]!;
      expect(snap.interest.map((i) => i.name)).toContain(conn.name);
      expect(snap.interest.find((i) => i.name === conn.name)?.events).toBe('EPOLLIN|EPOLLPRI|EPOLLERR|EPOLLHUP|EPOLLET');
      // As in 'puts the reactor and the peers on one clock': the reactor's
      // clock is moved onto the trace's from two reads of two clocks, so a
      // time at the very start can come out at -0.001 (seen once beside two
      // busy loops, in 10 `npm test` runs).
      expect(snap.time).toBeGreaterThanOrEqual(-1);
      expect(snap.time).toBeLessThan(60_000);
      const native = await Simulation.create({ engine: 'native', family: 'tcp' });
      try {
        native.peer('client').connect();
        native.run({ maxSteps: 5 });
        const n = native.snapshot();
        expect(n.readyKnown).toBe(true);
        // Each kernel lists them in its own (file, fd) order: Linux by file address.
        const entries = (s: typeof n) => s.interest.map((i) => `${i.name} ${i.events}`).sort();
        expect(entries(snap)).toEqual(entries(n));
      } finally {
        native.dispose();
      }
    } finally {
      sim.dispose();
    }
  });

  it("reports a readyCount check as not checkable instead of guessing", async () => {
    const doc = builtinScenario('accept-storm');
    doc.expect = [{ check: 'server', readyCount: 0 }];
    const r = await runScenario(doc, { engine: 'linux' });
    expect(r.failures.map((f) => f.path)).toEqual(['expect[0].readyCount']);
    expect(r.failures[0]?.message).toContain('could not be checked');
  });

  it('puts the reactor and the peers on one clock', async () => {
    const r = await runScenario(builtinScenario('half-close-pending-output'), { engine: 'linux' });
    const times = r.records.map((x) => x.t);
    for (const t of times) expect(t).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...times)).toBeLessThan(60_000);
  });

  it('refuses a long advance (it sleeps on Linux)', async () => {
    const sim = await Simulation.create({ engine: 'linux' });
    try {
      expect(() => sim.advance(3_600_000)).toThrow(EdgeloopError);
      sim.advance(1);
    } finally {
      sim.dispose();
    }
  });

  it('is not in the browser entry', async () => {
    await expect(BrowserSimulation.create({ engine: 'linux' })).rejects.toMatchObject({ code: 'ERR_BACKEND' });
  });
});
