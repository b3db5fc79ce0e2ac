// The published JSON Schema of scenario documents (scenario.schema.json,
// built from the validator's own tables) is current, takes every document
// the validator takes (the built-ins, Explore's generated ones), and refuses
// what the validator refuses for its shape (unknown keys, wrong types,
// bounds), each at the same field.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import Ajv2020Module from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';

import { builtinScenario, listBuiltinScenarios, validateScenario } from '../src/index.js';
import { generateScenario } from '../src/explore/generate.js';
import { scenarioJsonSchema } from '../src/simulation/scenario-json-schema.js';

const FILE = fileURLToPath(new URL('../scenario.schema.json', import.meta.url));
const schema = scenarioJsonSchema();
// ajv is CommonJS: under NodeNext its class is the default export's `default`.
const Ajv2020 = Ajv2020Module.default;
const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
const check = ajv.compile(schema);

function errors(doc: unknown): string[] {
  return check(doc) ? [] : (check.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}

describe('scenario.schema.json', () => {
  it('is what the validator tables give now (npm run build:ts && node scripts/gen-scenario-schema.mjs)', () => {
    expect(readFileSync(FILE, 'utf8')).toBe(`${JSON.stringify(schema, null, 2)}\n`);
  });

  it('takes every built-in scenario', () => {
    for (const { name } of listBuiltinScenarios()) expect(errors(builtinScenario(name)), name).toEqual([]);
  });

  it("takes Explore's generated documents (every family, app and fault it draws)", () => {
    for (let seed = 0; seed < 300; seed++) {
      const doc = generateScenario({ variant: 'edgeloop' }, seed);
      expect(validateScenario(doc).ok).toBe(true);
      expect(errors(doc), `seed ${seed}`).toEqual([]);
    }
  });

  it('refuses what the validator refuses for its shape, at the same field', () => {
    const base = builtinScenario('high-water-mark') as unknown as Record<string, unknown>;
    const cases: Array<[string, (d: Record<string, unknown>) => void]> = [
      ['/options/sndbuf', (d) => void ((d.options as Record<string, unknown>).sndbuf = -1)],
      ['/options', (d) => void ((d.options as Record<string, unknown>).colour = 'red')],
      ['/version', (d) => void (d.version = 2)],
      ['/steps/0', (d) => void ((d.steps as unknown[])[0] = { do: 'teleport' })],
      ['/peers/0/name', (d) => void ((d.peers as Array<Record<string, unknown>>)[0]!.name = 'reactor')],
    ];
    for (const [path, mutate] of cases) {
      const doc = structuredClone(base);
      mutate(doc);
      expect(validateScenario(doc).ok, path).toBe(false);
      const found = errors(doc);
      expect(found.length, path).toBeGreaterThan(0);
      expect(found.some((e) => e.startsWith(path)), `${path}: ${found.join('; ')}`).toBe(true);
    }
  });
});
