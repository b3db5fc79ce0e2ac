// The same scenario on real Linux and on the simulated kernel: every built-in
// scenario (in its own family and, where the scenario allows, the other one;
// and with its contrast variant) runs on engine 'linux' (the reactor on real
// epoll through LinuxKernel, the peers real sockets) and on the native sim,
// and the reactor's traces are compared after normalising what differs by
// design (fd numbers, the listener's unique abstract name, ports, times):
//   AF_UNIX  every reactor syscall, its result and every epoll event, exactly;
//   TCP      every record exactly too, byte counts included (the bytes of
//            each read and write, a write's length, the app's message and
//            high-water-mark sizes): Linux gives the same trace in every run
//            (`npm run repeatability:linux`, docs/kernel-fidelity.md).
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
import { compareReactorTraces, reactorTrace } from './helpers/reactor-trace.js';
import { runScenarioOn as run, scenarioRuns as runs, scenarioTitle } from './helpers/scenario-runs.js';
import { tcpUnderMemoryPressure, waitForNoMemoryPressure } from './helpers/tcp-memory-pressure.js';

const onLinux = process.platform === 'linux';
/**
 * A Linux TCP run that disagrees is run again (at most this many attempts): a
 * descheduled process sees timers the sim's frozen clock does not. (A run's
 * stretches without a record cannot tell a disturbed run here, as the
 * differential suite's gaps do: a scenario does JS work between steps, and
 * runs that agree record for record have stretches of 4 ms and more.)
 */
const LINUX_ATTEMPTS = 3;

const failurePaths = (x: ScenarioResult) => x.failures.map((f) => f.path);
const tally = { unix: 0, tcp: 0, linuxReruns: 0 };

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
        cmp = compareReactorTraces(r.family, reactorTrace(linux.records), simTrace, 0);
        if (cmp.problems.length === 0) break;
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
      expect(cmp.exact).toBe(true);
      if (r.family === 'unix') tally.unix++;
      else tally.tcp++;
    }, 60_000);
  }

  it('closes every socket it opened, however the runs ended', () => {
    expect(openFds()).toBe(fdsBefore);
  });

  afterAll(() => {
    console.log(
      `linux vs sim: ${tally.unix + tally.tcp} runs compared record for record, exactly: ${tally.unix} unix, ${tally.tcp} tcp; ${tally.linuxReruns} Linux reruns`,
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
      expect(snap.time).toBeGreaterThanOrEqual(0);
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
