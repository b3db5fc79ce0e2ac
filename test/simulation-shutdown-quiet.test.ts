// The graceful close's quiet check on the simulated kernel (virtual time,
// deterministic, both engines): a connection is shut down only once its
// reactor loop has seen no read for quietMs of the kernel's clock, with
// nothing unread in its socket, however the looks are spaced.
import { describe, expect, it } from 'vitest';

import type { Simulation } from '../src/index.js';
import { BOTH_ENGINES, create, ENGINES, reactorCalls } from './helpers/sim.js';

/** The reactor's shutdown(SHUT_WR) calls so far. */
function shutdowns(sim: Simulation): number {
  return reactorCalls(sim.trace.records, 'shutdown').length;
}

/** The run the tests below make: its trace (JSON lines). */
async function talkThenQuiet(engine: 'native' | 'wasm', family: 'tcp' | 'unix'): Promise<string> {
  const sim = await create(engine, { family, app: { onMessage: (conn, data) => void conn.send(data) } });
  try {
    const a = sim.peer('a');
    a.connect();
    a.write('hello');
    sim.run({ until: () => a.text === 'hello', maxSteps: 20 });
    sim.stopAccepting();
    sim.shutdownQuiet(400); // the first look: the period starts
    // The peer talks; the reactor does not step (a starved loop), and the looks come late and back to back.
    a.write(' again');
    sim.advance(500);
    sim.shutdownQuiet(400);
    sim.shutdownQuiet(400);
    expect(shutdowns(sim)).toBe(0);
    const inq = reactorCalls(sim.trace.records, 'ioctl');
    expect(inq.length).toBeGreaterThan(0);
    expect(inq.at(-1)?.ret).toBe(' again'.length);
    // The loop reads and answers; 399 ms after that read it is still not quiet.
    sim.run({ until: () => a.text === 'hello again', maxSteps: 20 });
    sim.shutdownQuiet(400);
    sim.advance(399);
    sim.shutdownQuiet(400);
    expect(shutdowns(sim)).toBe(0);
    sim.advance(1);
    sim.shutdownQuiet(400);
    expect(shutdowns(sim)).toBe(1);
    sim.run({ until: () => a.eof, maxSteps: 20 });
    expect(a.text).toBe('hello again');
    return sim.traceJsonl();
  } finally {
    sim.dispose();
  }
}

describe.each(ENGINES)('simulation, shutdownQuiet (%s)', (engine) => {
  it.each(['tcp', 'unix'] as const)('bytes unread in the socket keep a connection open past quietMs; a read restarts the period; then it is shut down (%s)', async (family) => {
    await talkThenQuiet(engine, family);
  });
});

describe.runIf(BOTH_ENGINES)('simulation, shutdownQuiet, native and wasm', () => {
  it.each(['tcp', 'unix'] as const)('make the same trace, byte for byte (%s)', async (family) => {
    expect(await talkThenQuiet('wasm', family)).toBe(await talkThenQuiet('native', family));
  });
});
