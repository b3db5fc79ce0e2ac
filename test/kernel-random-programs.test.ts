// The randomized differential tester, bounded: seeded random programs at the
// kernel API (test/differential/random/), each run on every backend of
// EDGELOOP_BACKENDS: Linux twice (two Linux runs that disagree are Linux's
// own noise), then sim/native and sim/wasm. A failing program is shrunk by
// fast-check to the smallest one that still fails and printed as readable
// steps with the first differing line.
//   AF_UNIX: sims equal to Linux on every line, and native equal to wasm.
//   TCP:     native equal to wasm on every line (determinism), frozen and
//            replayed on a Linux run's own clock (how the tester judges a
//            TCP program where real time decided). Where the sim stands
//            against Linux on TCP is measured by `npm run fuzz:kernel` and
//            reported in docs/kernel-fidelity.md; it is not yet exact.
// Long campaigns: `npm run fuzz:kernel -- --help`.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';

import { BACKENDS, linuxReferenceProblem } from './helpers/backends.js';
import { executeOn } from './differential/random/execute.js';
import { describeProgram, programArb, type Program } from './differential/random/program.js';
import { firstDifference, judge, type Backend, type Judged } from './differential/random/verdict.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261204);
const UNIX_RUNS = Number(process.env.FUZZ_UNIX_RUNS ?? 2000);
const TCP_RUNS = Number(process.env.FUZZ_TCP_RUNS ?? 40);
const TCP_CLOCK_RUNS = Number(process.env.FUZZ_TCP_CLOCK_RUNS ?? 20);

function report(p: Program, j: Judged): string {
  const v = j.verdict;
  const d = v.kind === 'diverge' || v.kind === 'engines-differ' ? v.difference : v.kind === 'linux-noise' ? v.linux : null;
  const who = v.kind === 'diverge' ? `linux vs ${v.engine}` : v.kind === 'engines-differ' ? 'sim-native vs sim-wasm' : v.kind;
  return [
    `${who}: first difference at step ${d?.at} (${d?.class})`,
    `  expected: ${d?.expected}`,
    `  got:      ${d?.got}`,
    describeProgram(p),
  ].join('\n');
}

async function search(family: 'unix' | 'tcp', backends: readonly Backend[], numRuns: number, fails: (j: Judged) => boolean): Promise<string | null> {
  const last = new Map<Program, Judged>();
  const r = await fc.check(
    fc.asyncProperty(programArb(family, 'claimed'), async (p) => {
      const j = await judge(p, backends);
      last.set(p, j);
      return !fails(j);
    }),
    { seed: SEED + (family === 'tcp' ? 1 : 0), numRuns, endOnFailure: false },
  );
  if (!r.failed || !r.counterexample) return null;
  const p = r.counterexample[0];
  const j = last.get(p) ?? (await judge(p, backends));
  return report(p, j);
}

const SIMS = BACKENDS.filter((b) => b !== 'linux');

describe('random kernel programs', () => {
  beforeAll(() => {
    const problem = BACKENDS.includes('linux') ? linuxReferenceProblem() : undefined;
    if (problem) throw new Error(`the Linux reference is not fresh: ${problem}`);
  });

  it(`AF_UNIX: ${UNIX_RUNS} programs, every sim equal to Linux and native equal to wasm, line for line`, { timeout: 300_000 }, async () => {
    const failure = await search('unix', BACKENDS, UNIX_RUNS, (j) => j.verdict.kind === 'diverge' || j.verdict.kind === 'engines-differ');
    expect(failure, failure ?? '').toBeNull();
  });

  it.runIf(SIMS.length === 2)(`TCP: ${TCP_RUNS} programs, native and wasm byte-identical`, { timeout: 300_000 }, async () => {
    const failure = await search('tcp', SIMS, TCP_RUNS, (j) => j.verdict.kind === 'engines-differ');
    expect(failure, failure ?? '').toBeNull();
  });

  it.runIf(SIMS.length === 2 && BACKENDS.includes('linux'))(
    `TCP: ${TCP_CLOCK_RUNS} programs replayed on a Linux run's own clock, native and wasm byte-identical`,
    { timeout: 300_000 },
    async () => {
      let clocked = 0;
      const r = await fc.check(
        fc.asyncProperty(programArb('tcp', 'claimed'), async (p) => {
          const t = await executeOn({ backend: 'linux', trace: false }, p);
          if (t.clock.some((marks) => marks.some(([, ms]) => ms > 0))) clocked++;
          const on = async (engine: 'native' | 'wasm'): Promise<string[]> =>
            (await executeOn({ backend: 'sim', engine, seed: 1, trace: false }, p, Infinity, t.clock)).lines;
          const d = firstDifference(await on('native'), await on('wasm'));
          if (d) throw new Error(`native vs wasm on a Linux clock, step ${d.at}: ${d.expected} / ${d.got}\n${describeProgram(p)}`);
        }),
        { seed: SEED + 2, numRuns: TCP_CLOCK_RUNS, endOnFailure: true },
      );
      expect(r.failed, r.failed ? String(r.errorInstance) : '').toBe(false);
      // The clocks moved: a program of tens of steps takes Linux milliseconds.
      expect(clocked).toBeGreaterThan(0);
    },
  );
});
