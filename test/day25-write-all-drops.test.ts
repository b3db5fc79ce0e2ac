// The tutorial's day 25 writes everything in a loop inside Send and stops at
// EAGAIN, then resets its buffer: whatever the socket did not take is gone.
// With a peer that does read, what arrives has holes: the stream is corrupted
// without an error, a close or a single EPOLLOUT registration.
import { describe, expect, it } from 'vitest';

import { create, enablesEpollout, ENGINES, reactorCalls } from './helpers/sim.js';

const MESSAGE = 1024 * 1024;

/** Byte i of the stream: byte (i % 4) of the little-endian uint32 i >> 2, so no hole can go unnoticed. */
function counterBytes(offset: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = ((offset + i) >>> (8 * ((offset + i) & 3) + 2)) & 0xff;
  return out;
}

function isPrefixOfCounters(bytes: Uint8Array): boolean {
  const want = counterBytes(0, bytes.length);
  return bytes.every((b, i) => b === want[i]);
}

describe.each(ENGINES)('day25-write-all drops what the socket does not take (sim/%s)', (engine) => {
  for (const family of ['unix', 'tcp'] as const) {
    it(`${family}: an echo arrives with holes, silently`, async () => {
      const sim = await create(engine, { family, variant: 'day25-write-all', app: 'echo', sndbuf: 16384 });
      try {
        // The peer's send buffer bounds what arrives per step: the server echoes
        // the message in many Sends, each more than its own (small) socket
        // buffer takes, each cut short at EAGAIN.
        const a = sim.peer('a', { sndbuf: 131072 });
        expect(a.connect()).toBe(0);
        let written = 0;
        for (let steps = 0; written < MESSAGE && steps < 1000; steps++) {
          const r = a.write(counterBytes(written, Math.min(64 * 1024, MESSAGE - written)));
          if (typeof r === 'number') written += r;
          sim.step();
        }
        expect(written).toBe(MESSAGE);
        sim.run({ maxSteps: 1000 });
        expect(a.receivedBytes).toBeGreaterThan(0);
        expect(a.receivedBytes).toBeLessThan(MESSAGE);
        expect(isPrefixOfCounters(a.received)).toBe(false); // holes, not just a short stream
        const name = sim.snapshot().connections[0]?.name ?? null;
        expect(reactorCalls(sim.trace.records, 'write', name).some((w) => w.err === 'EAGAIN')).toBe(true);
        expect(enablesEpollout(sim.trace.records)).toBe(false);
        expect(sim.connections[0]?.closed).toBe(false);
        expect(a.error).toBeNull();
      } finally {
        sim.dispose();
      }
    });
  }
});
