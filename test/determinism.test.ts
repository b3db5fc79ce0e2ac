// Determinism: the same script and seed give byte-identical traces on
// sim/native and sim/wasm, and run to run — over every differential case.
import { describe, expect, it } from 'vitest';

import { openKernel, type Kernel } from '../src/index.js';
import { cases } from './differential/cases.js';
import { runCase } from './differential/observer.js';

async function traceOf(engine: 'native' | 'wasm', seed: number, c: (typeof cases)[number]): Promise<{ jsonl: string; state: unknown }> {
  const k: Kernel = await openKernel({ backend: 'sim', engine, seed });
  try {
    runCase(k, c);
    return { jsonl: k.traceJsonl(), state: k.inspect() };
  } finally {
    k.dispose();
  }
}

describe('determinism of the simulated kernel', () => {
  it('covers the whole differential catalogue', () => {
    expect(cases.length).toBeGreaterThanOrEqual(25);
  });

  for (const c of cases) {
    it(`${c.name}: native and wasm traces are byte-identical, run to run`, async () => {
      const native1 = await traceOf('native', 7, c);
      const wasm1 = await traceOf('wasm', 7, c);
      const native2 = await traceOf('native', 7, c);
      const wasm2 = await traceOf('wasm', 7, c);
      // A trace that records nothing would make this vacuous.
      expect(native1.jsonl.split('\n').length).toBeGreaterThan(3);
      expect(wasm1.jsonl).toBe(native1.jsonl);
      expect(native2.jsonl).toBe(native1.jsonl);
      expect(wasm2.jsonl).toBe(native1.jsonl);
      // The final kernel state (queues, epoll lists, clock, PRNG) agrees too.
      expect(wasm1.state).toEqual(native1.state);
    });
  }

  it('the seed is the only source of randomness: another seed moves ephemeral ports, nothing else', async () => {
    const c = cases.find((x) => x.family === 'tcp');
    expect(c).toBeDefined();
    const a = await traceOf('native', 1, c!);
    const b = await traceOf('native', 2, c!);
    const strip = (s: string) =>
      s
        .split('\n')
        .slice(1)
        .join('\n')
        .replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:PORT');
    expect(strip(b.jsonl)).toBe(strip(a.jsonl));
  });
});
