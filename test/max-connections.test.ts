// maxConnections: past the limit a connection is accepted and closed at once
// (never left queued in the backlog, where ET would not report it again),
// counted as refused; once one closes, new ones are served again. On every
// stack: the simulation on each engine and the real server with and without
// sub-reactors. Then the graceful close's steps (stop accepting, shut down
// all, close all), which the simulation exposes one by one, including
// stopping from a handler inside the accept loop (Acceptor::Stop; this file
// runs under ASan in scripts/sanitize-sim.sh), and a real server closed from
// a handler.
import { describe, expect, it } from 'vitest';

import { isErrno, type ServerStats } from '../src/index.js';
import { connect, echoRoundTrip, useServers, waitFor } from './helpers/server.js';
import { create, ENGINES } from './helpers/sim.js';
import { stacks, useRigs, type Rig } from './helpers/stacks.js';

const open = useRigs();
const start = useServers();

function stats(rig: Rig): ServerStats {
  return rig.kind === 'sim' ? rig.sim.stats() : rig.server.stats();
}

describe.each(stacks({ threads: [0, 2] }))('$name, maxConnections: 2', (stack) => {
  it('refuses the third at once (end of file, not a hang), serves again after one closes', async () => {
    const rig = await open(stack, { app: 'echo', maxConnections: 2 });
    const a = await rig.connect('a');
    const b = await rig.connect('b');
    await rig.until('two connections', () => rig.openConnections() === 2);
    const c = await rig.connect('c');
    await rig.until('the third to be closed by the server', () => c.eof);
    expect(c.receivedBytes).toBe(0);
    expect(stats(rig)).toMatchObject({ refused: 1, connectionsOpen: 2, connectionsTotal: 2 });

    a.close();
    await rig.until('one to close', () => rig.openConnections() === 1);
    const d = await rig.connect('d');
    d.write('in again');
    b.write('still');
    await rig.until('both echoes', () => d.text === 'in again' && b.text === 'still');
    expect(stats(rig)).toMatchObject({ refused: 1, connectionsTotal: 3 });
  });
});

describe.each(ENGINES)('sim/%s: the graceful close, step by step', (engine) => {
  it('stopAccepting closes the listener: open connections carry on, a new connect is refused by the kernel', async () => {
    const sim = await create(engine, { family: 'tcp', app: 'echo' });
    try {
      const a = sim.peer('a');
      a.connect();
      sim.run({ until: () => sim.connections.length === 1, maxSteps: 10 });
      const listener = sim.snapshot().listen.fd;
      sim.stopAccepting();
      const snap = sim.snapshot();
      expect(snap).toMatchObject({ accepting: false, listen: { fd: -1 } });
      expect(sim.trace.records.filter((r) => r.actor === 'reactor' && r.call === 'close' && r.fd === listener)).toHaveLength(1);
      expect(stats({ kind: 'sim', sim } as Rig).accepting).toBe(false);
      const late = sim.peer('late');
      const r = late.connect(); // nonblocking: the refusal may come with the connect or on the next poll
      if (!isErrno(r)) sim.run({ until: () => late.error !== null, maxSteps: 5 });
      expect(isErrno(r) ? r : late.error).toBe('ECONNREFUSED');
      a.write('still served');
      sim.run({ until: () => a.text === 'still served', maxSteps: 20 });
    } finally {
      sim.dispose();
    }
  });

  it('shutdownAll ends every connection once its output drained; closeAll closes the rest with its reason', async () => {
    const closes: string[] = [];
    const sim = await create(engine, {
      family: 'unix',
      app: { onMessage: (conn, data) => void conn.send(data), onClose: (_conn, reason) => void closes.push(reason) },
    });
    try {
      const a = sim.peer('a');
      const b = sim.peer('b');
      a.connect();
      b.connect();
      a.write('bye');
      sim.run({ until: () => a.text === 'bye', maxSteps: 20 });
      sim.stopAccepting();
      sim.shutdownAll();
      sim.run({ until: () => a.eof && b.eof, maxSteps: 20 });
      expect(sim.connections.filter((c) => !c.closed)).toHaveLength(2); // half-closed: the peers have not closed yet
      a.close();
      sim.run({ until: () => sim.connections[0]?.closed === true, maxSteps: 20 });
      sim.closeAll('deadline');
      expect(closes.sort()).toEqual(['deadline', 'peer-closed']);
      expect(sim.stats()).toMatchObject({ connectionsOpen: 0, closeReasons: { deadline: 1, 'peer-closed': 1 } });
    } finally {
      sim.dispose();
    }
  });

  it('stopAccepting from a handler, inside the accept loop: the rest of the queue is reset, not accepted', async () => {
    const sim = await create(engine, {
      family: 'tcp',
      app: { onConnection: () => sim.stopAccepting() },
    });
    try {
      const peers = ['a', 'b', 'c'].map((n) => sim.peer(n));
      for (const p of peers) p.connect(); // three queued before the reactor runs: one report
      sim.run({ until: () => peers.every((p) => p.connection !== null || p.error !== null || p.eof), maxSteps: 20 });
      expect(sim.connections).toHaveLength(1);
      expect(sim.snapshot()).toMatchObject({ accepting: false, listen: { fd: -1 } });
      // The listener closed with b and c still in its accept queue: Linux resets them (inet_csk_listen_stop).
      expect(peers.slice(1).map((p) => p.error)).toEqual(['ECONNRESET', 'ECONNRESET']);
      // One accept in the trace: the loop ended when the acceptor stopped.
      expect(sim.trace.records.filter((r) => r.actor === 'reactor' && r.call === 'accept')).toHaveLength(1);
    } finally {
      sim.dispose();
    }
  });

  it('shutdownAll and closeAll are refused from a handler and after dispose; closeAll names a bad reason', async () => {
    let caught: unknown;
    const sim = await create(engine, {
      app: {
        onConnection: () => {
          try {
            sim.closeAll();
          } catch (e) {
            caught = e;
          }
        },
      },
    });
    sim.peer('a').connect();
    sim.run({ until: () => caught !== undefined, maxSteps: 10 });
    expect(caught).toMatchObject({ code: 'ERR_INVALID_ARG' });
    expect(sim.connections.filter((c) => !c.closed)).toHaveLength(1);
    expect(() => sim.closeAll('')).toThrow(/reason/);
    sim.dispose();
    expect(() => sim.closeAll()).toThrow(expect.objectContaining({ code: 'ERR_DISPOSED' }));
  });
});

describe('real server', () => {
  it('close() from a handler (it stops accepting on the next turn of Node\'s loop) leaves a healthy process', async () => {
    let closing: Promise<void> | null = null;
    const { server, port } = await start({
      port: 0,
      handlers: {
        onConnection: () => {
          closing ??= server.close({ timeoutMs: 200 });
        },
      },
    });
    // Several connects queued before the reactor runs: the first one's handler closes the server mid-loop.
    const clients = await Promise.all([connect(port), connect(port), connect(port)]);
    await waitFor('close() to be called', () => closing !== null);
    await closing;
    expect(server.stats().accepting).toBe(false);
    for (const c of clients) c.destroy();
    // The process is still healthy: another server serves.
    const { port: port2 } = await start({ port: 0, app: 'echo' });
    const s = await connect(port2);
    expect(String(await echoRoundTrip(s, new TextEncoder().encode('alive')))).toBe('alive');
    s.destroy();
  });
});
