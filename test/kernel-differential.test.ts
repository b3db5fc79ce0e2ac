// The differential suite: every case of test/differential/cases.ts runs on
// each backend of EDGELOOP_BACKENDS (default linux, sim-native, sim-wasm) and
// every observation of each sim is compared with Linux: `eq` exactly,
// `approx` (TCP byte counts only) within the case's stated tolerance.
// Without linux in the list, the sims are compared with the first one listed.
//
// EDGELOOP_DIFF_REPORT=path.json writes every observation of every backend
// (used to keep docs/kernel-fidelity.md's deviation table honest).
// EDGELOOP_DIFF_CASES=substring runs only the matching cases.
import { writeFileSync } from 'node:fs';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Kernel } from '../src/index.js';
import { cases, compareObservations, runCaseWithStats, type DifferentialCase, type Observation } from './differential/cases.js';
import { BACKENDS, linuxReferenceProblem, open, type BackendId } from './helpers/backends.js';
import { tcpUnderMemoryPressure, waitForNoMemoryPressure } from './helpers/tcp-memory-pressure.js';

const filter = process.env.EDGELOOP_DIFF_CASES;
const selected = filter ? cases.filter((c) => c.name.includes(filter)) : cases;
const reference: BackendId = BACKENDS.includes('linux') ? 'linux' : BACKENDS[0]!;
const report: Record<string, Partial<Record<BackendId, Observation[]>>> = {};

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
const STALL_MS = Number(process.env.STALL_MS ?? 4);
const LINUX_ATTEMPTS = 10;

/**
 * The longest gap between two calls of `k` from now on, its advance()
 * sleeps left out (the gap restarts when one returns).
 */
function watchGaps(k: Kernel): () => number {
  let last = performance.now();
  let longest = 0;
  k.setProbe(() => {
    const now = performance.now();
    if (now - last > longest) longest = now - last;
    last = now;
  });
  const advance = k.advance.bind(k);
  k.advance = (ms: number): void => {
    advance(ms);
    last = performance.now();
  };
  return () => longest;
}

async function runOn(id: BackendId, c: DifferentialCase): Promise<Observation[]> {
  // The host's TCP memory pressure (test/helpers/tcp-memory-pressure.ts) changes what Linux's sockets take: wait it out, redo a run that met it.
  const guard = id === 'linux' && c.family === 'tcp';
  let redone = 0;
  let best: { observations: Observation[]; stalled: number } | null = null;
  for (let attempt = 1; ; attempt++) {
    if (guard) await waitForNoMemoryPressure();
    const k = await open(id, { seed: 1, trace: false });
    const longestGap = watchGaps(k);
    let result: { observations: Observation[]; advancedMs: number };
    try {
      result = runCaseWithStats(k, c);
    } finally {
      k.dispose();
    }
    const stalled = longestGap();
    if (guard && tcpUnderMemoryPressure() && ++redone <= 100) {
      attempt--;
      continue;
    }
    if (!guard || stalled < STALL_MS) return result.observations;
    if (best === null || stalled < best.stalled) best = { observations: result.observations, stalled };
    if (attempt >= LINUX_ATTEMPTS) return best.observations;
  }
}

describe('kernel differential', () => {
  beforeAll(() => {
    // Compared with a Linux that remembers earlier traffic, every TCP case would fail on its own.
    const problem = BACKENDS.includes('linux') ? linuxReferenceProblem() : undefined;
    if (problem) throw new Error(`the Linux reference is not fresh: ${problem}`);
  });

  it('has the catalogue the issue asks for', () => {
    const unix = cases.filter((c) => c.family === 'unix').length;
    const tcp = cases.filter((c) => c.family === 'tcp').length;
    expect(unix + tcp).toBeGreaterThanOrEqual(30);
    expect(unix).toBeGreaterThan(0);
    expect(tcp).toBeGreaterThan(0);
  });

  for (const c of selected) {
    it(c.name, async () => {
      const results: Partial<Record<BackendId, Observation[]>> = {};
      for (const id of BACKENDS) results[id] = await runOn(id, c);
      report[c.name] = results;
      const ref = results[reference]!;
      const problems: string[] = [];
      for (const id of BACKENDS) {
        if (id === reference) continue;
        problems.push(...compareObservations(c.name, ref, results[id]!, id).map((p) => p.replace(/\blinux\b/, reference)));
      }
      // A case that aborts on the reference backend is a broken script, not a finding.
      const end = ref.find((o) => o.label === '!end');
      if (end) problems.unshift(`${c.name}: the script itself failed on ${reference}: ${JSON.stringify(end.value)}`);
      expect(problems, problems.join('\n')).toEqual([]);
    });
  }

  afterAll(() => {
    const path = process.env.EDGELOOP_DIFF_REPORT;
    if (path) writeFileSync(path, `${JSON.stringify(report, null, 1)}\n`);
  });
});
