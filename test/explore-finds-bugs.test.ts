// Explore finds the reactor bugs nobody scripted: the tutorial's variants
// each break a named invariant within the first seeds, the failure shrinks
// to a small document that replays the same violation on both engines (one
// trace), and the correct reactor passes. The CLI (worker threads, --out,
// --json, exit codes) and its bad input. (The test-only mutants are proved
// in scripts/reactor-mutants.sh, which CI runs.)
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { explore, parseScenario, runScenario } from '../src/index.js';
import { runCli, useCli } from './helpers/cli.js';
import { BOTH_ENGINES, ENGINES } from './helpers/sim.js';

const cli = useCli();
const out = mkdtempSync(join(tmpdir(), 'edgeloop-explore-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe.each([
  ['day26-as-written', 'no-busy-loop'],
  ['day25-write-all', 'bytes-intact'],
] as const)('variant %s', (variant, invariant) => {
  it('breaks an invariant within the first 50 seeds; the shrunk document replays it on both engines with one trace', async () => {
    const r = await explore({ variant, seeds: [0, 1000], maxFailures: 1 });
    const f = r.failures[0];
    expect(f, `no failure in ${r.seedsRun} seeds`).toBeDefined();
    if (!f) return;
    expect(f.seed).toBeLessThan(50);
    // Shrinking keeps the invariant, and makes the document no bigger.
    expect(f.invariant).toBe(r.failingSeeds[0]?.invariant);
    expect(f.document.steps.length).toBeLessThanOrEqual(f.original.steps.length);
    expect(JSON.stringify(f.document).length).toBeLessThanOrEqual(JSON.stringify(f.original).length);
    const replays = await Promise.all(ENGINES.map((engine) => runScenario(f.document, { engine })));
    for (const replay of replays) {
      expect(replay.violation?.invariant).toBe(f.invariant);
      expect(replay.failures[0]?.path).toBe(`invariants.${f.invariant}`);
      expect(replay.trace).toBe(f.trace);
    }
  }, 120_000);

  it(`finds ${invariant} among its violations`, async () => {
    const r = await explore({ variant, seeds: [0, 200], shrink: false });
    expect(r.failingSeeds.map((x) => x.invariant)).toContain(invariant);
  }, 60_000);
});

describe.each(ENGINES)('variant edgeloop on engine %s', (engine) => {
  it('breaks no invariant', async () => {
    const r = await explore({ variant: 'edgeloop', seeds: [0, engine === 'native' ? 400 : 150], engine });
    expect(r.failingSeeds).toEqual([]);
    expect(r.scriptErrors).toBe(0);
  }, 120_000);
});

it.runIf(BOTH_ENGINES)('gives a seed the same verdict on native and wasm', async () => {
  for (const variant of ['day26-as-written', 'day25-write-all', 'edgeloop'] as const) {
    const [n, w] = await Promise.all(
      (['native', 'wasm'] as const).map((engine) => explore({ variant, seeds: [0, 40], engine, shrink: false })),
    );
    expect(w?.failingSeeds, variant).toEqual(n?.failingSeeds);
  }
}, 120_000);

describe('edgeloop explore', () => {
  it('writes each shrunk failure where replay fails with the same invariant, prints how to open it and what Linux shows (exit 1)', async () => {
    const dir = join(out, 'day26');
    const r = await runCli(cli(), ['explore', '--variant', 'day26-as-written', '--seeds', '0..30', '--workers', '2', '--out', dir], 90_000);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/^edgeloop \S+, variant day26-as-written: 30 seeds in .* s \(\d+ seeds\/s, 2 workers\): \d+ seeds broke an invariant/);
    expect(r.stdout).toMatch(/replay: +edgeloop replay /);
    expect(r.stdout).toMatch(/playground: http:\/\/127\.0\.0\.1:5173\/#s=[A-Za-z0-9_-]+/);
    // Fault-free failures are replayed on real sockets: the tutorial's bugs are Linux's too.
    expect(r.stdout).toMatch(/linux: +the same violation on real sockets: /);
    const files = readdirSync(dir);
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const invariant = /-(bytes-intact|liveness|no-busy-loop|bounded-memory|no-fd-leak|handler-isolation)\.json$/.exec(file)?.[1];
      expect(invariant, file).toBeDefined();
      const doc = parseScenario(readFileSync(join(dir, file), 'utf8'));
      expect(doc.ok).toBe(true);
      const replay = await runCli(cli(), ['replay', join(dir, file), '--quiet']);
      expect(replay.code).toBe(1);
      expect(replay.stdout).toContain(`first failure: invariants.${invariant}:`);
    }
  }, 120_000);

  it('exits 0 when nothing breaks, and --json gives the result', async () => {
    const r = await runCli(cli(), ['explore', '--seeds', '0..25', '--workers', '1', '--json', '--out', join(out, 'none')], 50_000);
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout) as { seedsRun: number; failingSeeds: unknown[]; variant: string };
    expect(json).toMatchObject({ variant: 'edgeloop', seedsRun: 25, failingSeeds: [] });
    expect(r.stderr).toMatch(/explore edgeloop: 25\/25 seeds, \d+ seeds\/s, 0 failing/);
  }, 60_000);

  it('refuses an --out it could not write before running any seed (exit 2)', async () => {
    const file = join(out, 'a-file');
    writeFileSync(file, '');
    const r = await runCli(cli(), ['explore', '--seeds', '0..1000000', '--out', join(file, 'sub')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--out .* cannot be written: .*a-file is not a directory/);
  });

  it.each([
    [['--seeds', '5..5'], /--seeds: the range 5..5 is empty/],
    [['--seeds', 'x'], /--seeds must be a half-open range A..B/],
    [['--seeds', '0..4294967297'], /B must be at most 4294967296/],
    [[], /--seeds A..B is required/],
    [['--seeds', '0..9', '--variant', 'nope'], /--variant must be edgeloop, day26-as-written, day25-write-all or mutant-…, got 'nope'/],
    [['--seeds', '0..9', '--workers', '0'], /--workers must be a whole number from 1 to 64/],
    [['--seeds', '0..9', '--time', 'soon'], /--time must be a positive duration/],
    [['--seeds', '0..9', '--family', 'udp'], /--family must be unix or tcp/],
    [['--seeds', '0..9', '--app', 'chat'], /--app must be echo, discard, bulk, line-server or producer/],
    [['--seeds', '0..9', 'extra'], /unexpected argument/],
    [['--seeds', '0..9', '--bogus'], /unknown option --bogus/],
  ])('refuses %j with a clear message (exit 2)', async (args, message) => {
    const r = await runCli(cli(), ['explore', ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('says a mutant needs the test build (exit 2), not a crash', async () => {
    const r = await runCli(cli(), ['explore', '--variant', 'mutant-keeps-epollout', '--seeds', '0..3', '--workers', '1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/variant 'mutant-keeps-epollout' exists only in the test build/);
  });
});
