// The same options, script and seed give a byte-identical trace and the
// same snapshot on the native and the wasm engine, and run to run.
import { describe, expect, it } from 'vitest';

import type { Simulation } from '../src/index.js';
import { BOTH_ENGINES, create, writeStepping } from './helpers/sim.js';

/** A scenario touching most of the reactor: echo, a slow reader, half-close, a reset, an accept burst. */
async function scenario(engine: 'native' | 'wasm', family: 'unix' | 'tcp', variant: 'edgeloop' | 'day26-as-written'): Promise<{ jsonl: string; snapshot: string }> {
  const sim: Simulation = await create(engine, { family, variant, seed: 7, sndbuf: 16384, highWaterMark: 128 * 1024 });
  try {
    const peers = ['a', 'b', 'c', 'd'].map((n) => sim.peer(n, { readPerStep: 8192 }));
    for (const p of peers) p.connect();
    sim.step();
    const [a, b, c, d] = peers as [typeof peers[0], typeof peers[0], typeof peers[0], typeof peers[0]];
    b.stopReading();
    writeStepping(sim, a, 300 * 1024, 200);
    writeStepping(sim, b, 400 * 1024, 200);
    c.write('half');
    c.shutdown('WR');
    sim.run({ maxSteps: 30 });
    b.closeWithUnread();
    d.write('x');
    sim.run({ maxSteps: 300 });
    return { jsonl: sim.traceJsonl(), snapshot: JSON.stringify(sim.snapshot()) };
  } finally {
    sim.dispose();
  }
}

describe.skipIf(!BOTH_ENGINES)('native and wasm simulations agree byte for byte', () => {
  for (const family of ['unix', 'tcp'] as const) {
    for (const variant of ['edgeloop', 'day26-as-written'] as const) {
      it(`${family}/${variant}`, async () => {
        const n1 = await scenario('native', family, variant);
        const w1 = await scenario('wasm', family, variant);
        const n2 = await scenario('native', family, variant);
        expect(n1.jsonl.split('\n').length).toBeGreaterThan(200);
        expect(w1.jsonl).toBe(n1.jsonl);
        expect(w1.snapshot).toBe(n1.snapshot);
        expect(n2.jsonl).toBe(n1.jsonl);
      });
    }
  }
});
