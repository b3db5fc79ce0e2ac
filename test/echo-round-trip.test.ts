// Echo end to end: a client writes, the reactor reads (ET, until EAGAIN),
// echoes, the client reads it back, and the connection closes when the
// client closes ('peer-closed'); with JS handlers, every event is reported
// (connection, writeComplete, close). One scenario for the simulation (each
// engine, unix and tcp) and the real server; the simulation also checks its
// trace, the real server its stats. Only the real server: a handler that
// sends later, from a Node timer (the simulation has no wall clock).
import { describe, expect, it } from 'vitest';

import type { ServerConnection } from '../src/index.js';
import { REAL_SERVER, stacks, useRigs } from './helpers/stacks.js';

const open = useRigs();
const text = new TextDecoder();

for (const stack of stacks({ families: ['unix', 'tcp'] })) {
  describe(`echo (${stack.name})`, () => {
    it('the built-in echo app echoes what a client writes and closes when the client does', async () => {
      const rig = await open(stack, { app: 'echo' });
      const a = await rig.connect('a');
      expect(a.write('hello')).toBe(5);
      await rig.until('the echo', () => a.receivedBytes >= 5, { maxSteps: 20 });
      expect(a.text).toBe('hello');
      if (rig.kind === 'sim') expect(rig.peer(a).connection?.id).toBe(1);
      a.end();
      await rig.until('the close', () => a.eof && rig.openConnections() === 0, { maxSteps: 20 });
      expect(a.eof).toBe(true);
      expect(rig.closeReasons()).toEqual({ 'peer-closed': 1 });
      if (rig.kind === 'sim') {
        expect(rig.peer(a).connection?.closed).toBe(true);
        expect(rig.peer(a).connection?.closeReason).toBe('peer-closed');
        // The trace holds both sides, numbered without gaps.
        const actors = new Set(rig.sim.trace.records.map((x) => x.actor));
        expect([...actors].sort()).toEqual(['a', 'app', 'peers', 'reactor']);
        const seqs = rig.sim.trace.records.map((x) => x.seq);
        expect(seqs).toEqual(seqs.map((_, i) => i + 1));
      }
    });

    it('JS handlers echo in order and see every event', async () => {
      const events: string[] = [];
      const rig = await open(stack, {
        app: {
          onConnection: (c) => events.push(`connection ${c.id}`),
          onMessage: (c, data) => c.send(data),
          onWriteComplete: (c) => events.push(`writeComplete ${c.id}`),
          onClose: (c, reason) => events.push(`close ${c.id} ${reason}`),
        },
      });
      if (rig.kind === 'server') {
        expect(rig.server.listening).toBe(true);
        expect(rig.server.address()).toEqual({ host: '127.0.0.1', port: rig.port, address: `127.0.0.1:${rig.port}` });
      }

      const a = await rig.connect('a');
      const b = await rig.connect('b');
      a.write('hello');
      b.write('world');
      await rig.until('both echoes', () => a.text === 'hello' && b.text === 'world', { maxSteps: 20 });
      // A larger message arrives in several reads and is echoed in order.
      const big = new Uint8Array(3 << 20).map((_, i) => (i * 7) & 0xff);
      a.write(big);
      await rig.until('the large echo', () => a.receivedBytes >= 5 + big.length, { maxSteps: 5000 });
      expect(Buffer.compare(Buffer.from(a.received.subarray(5)), Buffer.from(big))).toBe(0);

      a.close();
      b.close();
      await rig.until('both closes', () => rig.openConnections() === 0, { maxSteps: 20 });
      await rig.until('the close events', () => events.filter((e) => e.startsWith('close')).length === 2, { maxSteps: 20 });
      expect(events.slice(0, 2)).toEqual(['connection 1', 'connection 2']);
      expect(events).toContain('writeComplete 1');
      expect(events.filter((e) => e.startsWith('close')).sort()).toEqual(['close 1 peer-closed', 'close 2 peer-closed']);
      expect(rig.closeReasons()).toEqual({ 'peer-closed': 2 });
      if (rig.kind === 'server') {
        const stats = rig.server.stats();
        expect(stats).toMatchObject({ connectionsOpen: 0, connectionsTotal: 2, handlerErrors: 0, perLoop: [2] });
        expect(stats.bytesIn).toBe(10 + big.length);
        expect(stats.bytesOut).toBe(10 + big.length);
      }
    });

    it('conn.shutdown() after a reply: the client gets the reply, then end of file', async () => {
      const rig = await open(stack, {
        app: {
          onMessage: (c, data) => {
            c.send(`you said ${text.decode(data)}`);
            c.shutdown();
          },
        },
      });
      const a = await rig.connect('a');
      a.write('hi');
      await rig.until('the end of file', () => a.eof, { maxSteps: 20 });
      expect(a.text).toBe('you said hi');
      a.close();
      await rig.until('the close', () => rig.openConnections() === 0, { maxSteps: 20 });
    });
  });
}

describe(`echo (${REAL_SERVER.name} only)`, () => {
  it('handlers may send later, from a timer: the pump runs without a socket event', async () => {
    const rig = await open(REAL_SERVER, {
      app: {
        onMessage: (c: ServerConnection, data) => {
          const copy = data.slice();
          setTimeout(() => c.send(copy), 20);
        },
      },
    });
    const a = await rig.connect('a');
    a.write('later');
    await rig.until('the echo', () => a.receivedBytes >= 5);
    expect(a.text).toBe('later');
  });
});
