// A 64 MiB response (the bulk app: byte i = i & 0xff) to a client that reads
// slowly arrives complete and in order; the reactor drains it on EPOLLOUT,
// shuts the write side down after the last byte and, drained, stops waking
// up (EPOLLOUT is off: no busy loop). One scenario for the simulation (each
// engine, unix and tcp; the reader takes 64 KiB per step) and the real
// server (main reactor and sub-reactors; the reader pauses 15 ms after every
// 4 MiB). The simulation checks its trace (its bulk app hands everything to
// one Send, the tutorial's way), the real server its stats (its bulk app
// streams, so it holds one chunk at most).
import { describe, expect, it } from 'vitest';

import { expectPattern } from './helpers/pattern.js';
import { reactorBytes, reactorCalls } from './helpers/sim.js';
import { REAL_SERVER, stacks, useRigs } from './helpers/stacks.js';

const open = useRigs();
const TOTAL = 64 << 20;
const READ_PER_STEP = 64 << 10;

for (const stack of stacks({ families: ['unix', 'tcp'], threads: [0, 2] })) {
  describe(`bulk response to a slow reader (${stack.name})`, () => {
    it('64 MiB arrive complete and in order; EPOLLOUT is off once drained', async () => {
      const rig = await open(stack, { app: { bulk: TOTAL } });
      const c = await rig.connect('c', { readPerStep: READ_PER_STEP, pauses: { every: 4 << 20, ms: 15 } });
      const run = await rig.until('the end of file', () => c.eof, { maxSteps: 5000, timeoutMs: 25_000 });
      expectPattern(c.received, TOTAL);
      expect(c.eof).toBe(true);
      expect(c.error).toBeNull();

      if (rig.kind === 'sim') {
        // At least TOTAL / readPerStep steps: the peer really was the bottleneck.
        expect(run?.steps).toBeGreaterThanOrEqual(TOTAL / READ_PER_STEP);
        const conn = rig.sim.snapshot().connections[0];
        expect(conn?.sendBuf).toBe(0);
        expect(conn?.writing).toBe(false);
        expect(conn?.interest).not.toContain('EPOLLOUT');
        const name = conn?.name ?? null;
        // Every byte went out through write(2) on the connection, then SHUT_WR.
        expect(reactorBytes(rig.sim.trace.records, 'write', name)).toBe(TOTAL);
        const shutdowns = reactorCalls(rig.sim.trace.records, 'shutdown', name);
        expect(shutdowns.map((s) => s.args.how)).toEqual(['WR']);
      } else {
        rig.socket(c).destroy();
        await rig.until('the server side to close', () => rig.openConnections() === 0);
        const stats = rig.server.stats();
        expect(stats.bytesOut).toBe(TOTAL);
        expect(stats.closeReasons).toEqual({ 'peer-closed': 1 });
        // The real server streams the response a 256 KiB chunk at a time
        // (the next at write-complete): user space never held more than one
        // chunk, where one Send of all 64 MiB held most of it (bulk_app.h).
        expect(stats.peakSendBuffer).toBeGreaterThan(0);
        expect(stats.peakSendBuffer).toBeLessThanOrEqual(256 << 10);
        expect(stats.memory.peakBufferedOutput).toBeLessThanOrEqual(256 << 10);
        expect(stats.memory.bufferedOutput).toBe(0);
        expect(stats.highWaterEvents).toBe(0);

        // Drained and closed: nothing is registered but the listener, so an idle
        // server does not wake (the tutorial's LT EPOLLOUT would spin here).
        const before = rig.server.stats().wakeups;
        await new Promise((resolve) => setTimeout(resolve, 100));
        expect(rig.server.stats().wakeups - before).toBeLessThanOrEqual(rig.stack.threads);
      }
    }, 60_000);
  });
}

describe('bulk response on the real server, the tutorial variants', () => {
  // They never report write-complete, so the bulk app hands them the whole
  // response in one Send, as their code was written (streaming it chunk by
  // chunk at write-complete stalled them after the first 256 KiB, with no FIN).
  it('day26-as-written delivers all 4 MiB then end of file; day25-write-all ends (what the socket refused is lost: its bug)', async () => {
    for (const variant of ['day26-as-written', 'day25-write-all'] as const) {
      const rig = await open(REAL_SERVER, { app: { bulk: 4 << 20 }, variant });
      const c = await rig.connect('c');
      await rig.until(`${variant}: the end of file`, () => c.eof, { timeoutMs: 10_000 });
      if (variant === 'day26-as-written') expectPattern(c.received, 4 << 20);
      else expect(c.receivedBytes).toBeLessThanOrEqual(4 << 20);
      expect(c.error).toBeNull();
    }
  }, 30_000);
});
