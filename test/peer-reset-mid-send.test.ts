// A peer that resets the connection (closes it with bytes unread) while the
// reactor still has output queued for it: the connection closes with the
// reason (ECONNRESET; on real Linux the RST may instead fail the reactor's
// next write with EPIPE), nothing of it stays registered, nothing crashes,
// and the server goes on serving. One scenario for the simulation (each
// engine, tcp and unix; it also checks the epoll interest list and the trace)
// and the real server (main reactor and sub-reactors; the next client gets
// the whole response).
import { describe, expect, it } from 'vitest';

import { expectPattern } from './helpers/pattern.js';
import { stacks, useRigs } from './helpers/stacks.js';

const open = useRigs();
const TOTAL = 16 << 20;

for (const stack of stacks({ families: ['tcp', 'unix'], threads: [0, 2] })) {
  describe(`peer reset mid-send (${stack.name})`, () => {
    it('closes that connection cleanly, nothing left registered, and serves the next one', async () => {
      // sim: small socket buffers, so most of the response waits in the reactor.
      const rig = await open(stack, { app: { bulk: TOTAL }, sim: { sndbuf: 16384 } });
      // real server: the client stops itself once it has 256 KiB (in its data
      // handler: a loopback reader polled from outside would have the whole
      // response before the test could pause it).
      const c = await rig.connect('c', { readPerStep: 64 * 1024, pauses: { every: 256 << 10, ms: 60_000 } });
      await rig.until('the first 256 KiB', () => c.receivedBytes >= 256 << 10, { maxSteps: 100 });
      c.pause();

      // Most of the response is still queued in the reactor when the reset lands.
      let fd = -1;
      if (rig.kind === 'sim') {
        rig.sim.step();
        const before = rig.sim.snapshot().connections[0];
        expect(before?.state).toBe('disconnecting'); // bulk called Shutdown(): pending until drained
        expect(before?.sendBuf).toBeGreaterThan(0);
        fd = before?.fd as number;
        expect(rig.sim.snapshot().interest.map((i) => i.fd)).toContain(fd);
      } else {
        await rig.until('the reactor to hold output', () => (rig.connections()[0]?.sendBuf ?? 0) > 0);
      }

      // Unread bytes at close: tcp answers with a RST; unix sets ECONNRESET on the reactor's end.
      c.reset();
      await rig.until('the reset connection to close', () => rig.openConnections() === 0, { maxSteps: 10 });
      const reasons = rig.closeReasons();
      expect(Object.keys(reasons)).toHaveLength(1);
      expect(['ECONNRESET', 'EPIPE']).toContain(Object.keys(reasons)[0]);
      if (rig.kind === 'sim') {
        const sim = rig.sim;
        expect(sim.connections[0]?.closeReason).toBe('ECONNRESET');
        const after = sim.snapshot();
        expect(after.interest.map((i) => i.fd)).not.toContain(fd);
        expect(after.connections[0]).toMatchObject({ state: 'disconnected', fd: null, sendBuf: 0 });
        const closes = sim.trace.records.filter((x) => x.actor === 'reactor' && x.call === 'close' && x.fd === fd);
        expect(closes.map((x) => x.ret)).toEqual([0]);
        // DEL before close, and nothing is written to it afterwards.
        const delAt = sim.trace.records.findIndex((x) => x.actor === 'reactor' && x.call === 'epollCtl' && x.args.op === 'DEL' && x.args.fd === fd);
        const closeAt = sim.trace.records.indexOf(closes[0] as (typeof closes)[number]);
        expect(delAt).toBeGreaterThan(-1);
        expect(delAt).toBeLessThan(closeAt);
      } else {
        expect(rig.server.snapshot().connections).toEqual([]);
      }

      // The server lives: a new client is served.
      const d = await rig.connect('d');
      await rig.until('the next client to be served', () => d.receivedBytes > 0, { maxSteps: 20 });
      if (rig.kind === 'server') {
        // In full.
        await rig.until('the whole response', () => d.eof, { timeoutMs: 20_000 });
        expectPattern(d.received, TOTAL);
        rig.socket(d).destroy();
        await rig.until('the second close', () => rig.openConnections() === 0);
        expect(rig.server.stats().connectionsTotal).toBe(2);
      }
    });
  });
}
