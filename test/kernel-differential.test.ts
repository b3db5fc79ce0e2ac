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

import { cases, compareObservations, type Observation } from './differential/cases.js';
import { runOn } from './differential/linux-run.js';
import { BACKENDS, linuxReferenceProblem, type BackendId } from './helpers/backends.js';

const filter = process.env.EDGELOOP_DIFF_CASES;
const selected = filter ? cases.filter((c) => c.name.includes(filter)) : cases;
const reference: BackendId = BACKENDS.includes('linux') ? 'linux' : BACKENDS[0]!;
const report: Record<string, Partial<Record<BackendId, Observation[]>>> = {};

// How each backend's run is made, and when a Linux TCP run counts as
// disturbed and is redone: test/differential/linux-run.ts.

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
      const notes: string[] = [];
      for (const id of BACKENDS) {
        const r = await runOn(id, c);
        results[id] = r.observations;
        if (r.note) notes.push(`${id}: ${r.note}`);
      }
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
      if (problems.length > 0) problems.push(...notes);
      expect(problems, problems.join('\n')).toEqual([]);
    });
  }

  afterAll(() => {
    const path = process.env.EDGELOOP_DIFF_REPORT;
    if (path) writeFileSync(path, `${JSON.stringify(report, null, 1)}\n`);
  });
});
