// The built-in scenarios (scenarios/*.json): each one passes on every
// simulation engine, with a byte-identical trace on native and wasm; each
// one with a contrast fails when run with that variant, so its expectations
// really tell the variants apart. And the generated module is up to date.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

import { builtinScenario, formatScenarioFailure, listBuiltinScenarios, runScenario, validateScenario } from '../src/index.js';
import { ENGINES } from './helpers/sim.js';

const CATALOGUE = listBuiltinScenarios();
const SEED_EDGE_CASES = [
  'large-response-slow-reader',
  'peer-reset-mid-send',
  'half-close-pending-output',
  'epollout-left-on',
  'et-partial-read',
  'accept-storm',
  'high-water-mark',
];

describe('the catalogue', () => {
  it('is generated from scenarios/*.json (node scripts/gen-scenario-catalogue.mjs --check)', () => {
    expect(() => execFileSync(process.execPath, ['scripts/gen-scenario-catalogue.mjs', '--check'], { stdio: 'pipe' })).not.toThrow();
  });

  it('covers every seed edge case, each file valid and named after itself', () => {
    const names = CATALOGUE.map((s) => s.name);
    for (const n of SEED_EDGE_CASES) expect(names).toContain(n);
    for (const n of names) {
      const doc = JSON.parse(readFileSync(`scenarios/${n}.json`, 'utf8'));
      const v = validateScenario(doc);
      expect(v.ok ? [] : v.errors).toEqual([]);
      expect(doc.name).toBe(n);
    }
  });

  it('explains each scenario in one paragraph', () => {
    for (const s of CATALOGUE) {
      expect(s.explanation).not.toContain('\n');
      expect(s.explanation.length).toBeGreaterThan(200);
      expect(s.title.length).toBeGreaterThan(10);
      if (s.contrast) expect(s.contrast.explanation.length).toBeGreaterThan(40);
    }
  });

  it('hands out copies', () => {
    const a = builtinScenario('accept-storm');
    a.title = 'changed';
    expect(builtinScenario('accept-storm').title).not.toBe('changed');
  });
});

describe.each(CATALOGUE.map((s) => [s.name, s] as const))('builtin:%s', (name, info) => {
  it(`passes on ${ENGINES.join(' and ')}, with the same trace`, async () => {
    const traces: string[] = [];
    for (const engine of ENGINES) {
      const r = await runScenario(builtinScenario(name), { engine });
      expect(r.failures.map(formatScenarioFailure)).toEqual([]);
      expect(r.ok).toBe(true);
      expect(r.stoppedAt).toBeNull();
      expect(r.engine).toBe(engine);
      traces.push(r.trace);
    }
    for (const t of traces) expect(t).toBe(traces[0]);
  }, 60_000);

  it.skipIf(!info.contrast)(`fails with the contrast variant (${info.contrast?.variant})`, async () => {
    const variant = info.contrast?.variant;
    for (const engine of ENGINES) {
      const r = await runScenario(builtinScenario(name), { engine, options: { variant } });
      expect(r.ok).toBe(false);
      expect(r.options.variant).toBe(variant);
      // The expectations bite, not just a script step that ran out of time.
      expect(r.failures.some((f) => f.expectation !== null)).toBe(true);
    }
  }, 60_000);
});
