// What the playground says a run shows (playground/src/verdict.ts): the bug
// or the fix, by the scenario's own variant and its contrast, never a
// "pass" for the bug and a "fail" for the fix; knobs that change what the
// scenario shows are said to, instead of failing the code.
import { describe, expect, it } from 'vitest';

import { builtinScenario, listBuiltinScenarios, runScenario, type ScenarioOptions, type VariantName } from '../src/index.js';
import { knobChanges, verdictOf } from '../playground/src/verdict.js';

/** The knobs as the page reads them from a freshly filled form: the document's values, the trigger and seed always. */
function pageKnobs(name: string, over: Partial<ScenarioOptions> = {}): Partial<ScenarioOptions> {
  const o = builtinScenario(name).options;
  return { ...o, trigger: o.trigger ?? 'edge', seed: o.seed ?? 1, ...over };
}

async function verdict(name: string, variant: VariantName, over: Partial<ScenarioOptions> = {}) {
  const doc = builtinScenario(name);
  const knobs = { ...pageKnobs(name, over), variant };
  const r = await runScenario(doc, { options: knobs });
  return verdictOf({ doc, variant, ok: r.ok, failures: r.failures.length, knobs });
}

describe('verdicts that teach', () => {
  it('every built-in with a contrast shows the bug with the tutorial’s variant and the fix with edgeloop’s, whichever is its own', async () => {
    for (const b of listBuiltinScenarios()) {
      if (!b.contrast) continue;
      for (const variant of [b.variant, b.contrast.variant]) {
        const v = await verdict(b.name, variant);
        expect(v.kind, `${b.name} with ${variant}: ${v.detail}`).toBe(variant === 'edgeloop' ? 'fix' : 'bug');
        expect(v.headline).toBe(variant === 'edgeloop' ? 'Shows the fix' : 'Shows the bug');
        expect(v.changes).toEqual([]);
      }
    }
  }, 120_000);

  it('a scenario that demonstrates a bug: the tutorial’s code is the bug, as described; edgeloop in compare mode is the fix, not a failure', async () => {
    const bug = await verdict('epollout-left-on', 'day26-as-written');
    expect(bug.detail).toMatch(/day26-as-written does what the scenario describes: all \d+ expectations held/);
    const fix = await verdict('epollout-left-on', 'edgeloop');
    expect(fix.kind).toBe('fix');
    expect(fix.detail).toMatch(/its expectations describe day26-as-written, and \d+ checks? did not hold for edgeloop, as the scenario intends/);
  });

  it('knobs that change what the scenario shows say so and name the scenario’s values, instead of failing the correct code', async () => {
    const v = await verdict('large-response-slow-reader', 'edgeloop', { app: { bulk: 256 * 1024 } });
    expect(v.kind).toBe('knobs');
    expect(v.headline).toBe('Knobs changed what it shows');
    expect(v.detail).toContain('These knobs change what the scenario shows; its expectations were written for app bulk 16,777,216 B');
    expect(v.detail).toContain('no verdict on edgeloop');
    expect(v.changes).toEqual([{ knob: 'app', scenario: 'bulk 16,777,216 B', run: 'bulk 262,144 B' }]);
    // Knobs that change nothing the expectations see: still the fix.
    const seed = await verdict('large-response-slow-reader', 'edgeloop', { seed: 7 });
    expect(seed.kind).toBe('fix');
    expect(seed.detail).toContain('Your knobs differ from the scenario’s (seed 7), and they still hold');
  }, 60_000);

  it('the scenario’s own variant failing with its own settings is the one real failure; a variant it is not about is neither bug nor fix', () => {
    const doc = builtinScenario('accept-storm');
    const knobs = pageKnobs('accept-storm');
    expect(verdictOf({ doc, variant: 'edgeloop', ok: false, failures: 2, knobs }).kind).toBe('unexpected');
    const other = verdictOf({ doc, variant: 'day25-write-all', ok: false, failures: 3, knobs: { ...knobs, variant: 'day25-write-all' } });
    expect(other.kind).toBe('other');
    expect(other.detail).toContain('This scenario’s expectations describe edgeloop; with day25-write-all, 3 checks did not hold');
    const contrastHolds = verdictOf({ doc: builtinScenario('epollout-left-on'), variant: 'edgeloop', ok: true, failures: 0, knobs: pageKnobs('epollout-left-on') });
    expect(contrastHolds.kind).toBe('unexpected');
  });

  it('the trigger and seed the form always sends are no change when they are the defaults; the trigger is ignored for the tutorial’s variants', () => {
    const doc = builtinScenario('epollout-left-on');
    expect(knobChanges(doc, pageKnobs('epollout-left-on'), 'day26-as-written')).toEqual([]);
    expect(knobChanges(doc, pageKnobs('epollout-left-on', { trigger: 'level' }), 'day26-as-written')).toEqual([]);
    expect(knobChanges(doc, pageKnobs('epollout-left-on', { trigger: 'level' }), 'edgeloop')).toEqual([{ knob: 'trigger mode', scenario: 'edge', run: 'level' }]);
    expect(knobChanges(doc, { family: 'unix', sndbuf: undefined }, 'edgeloop')).toEqual([]);
  });
});
