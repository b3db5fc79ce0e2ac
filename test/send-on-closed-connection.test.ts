// Sending on (or shutting down, closing) a connection that is closed is a
// typed error, EdgeloopError ERR_CLOSED; so is sending after shutdown().
// Nothing crashes and the simulation goes on.
import { describe, expect, it } from 'vitest';

import { EdgeloopError, type SimConnection } from '../src/index.js';
import { create, ENGINES } from './helpers/sim.js';

function codeOf(fn: () => void): string | undefined {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(EdgeloopError);
    return (e as EdgeloopError).code;
  }
  return undefined;
}

describe.each(ENGINES)('operations on a closed connection (sim/%s)', (engine) => {
  it('send, shutdown and close throw ERR_CLOSED once the peer has gone', async () => {
    const conns: SimConnection[] = [];
    const sim = await create(engine, { app: { onConnection: (c) => void conns.push(c) } });
    try {
      const a = sim.peer('a');
      a.connect();
      sim.step();
      const conn = conns[0] as SimConnection;
      expect(conn.closed).toBe(false);
      a.close();
      sim.run({ maxSteps: 10 });
      expect(conn.closed).toBe(true);
      expect(conn.closeReason).toBe('peer-closed');
      expect(codeOf(() => conn.send('late'))).toBe('ERR_CLOSED');
      expect(() => conn.send('late')).toThrow(/connection 1 \(peer "a"\) is closed \(peer-closed\)/);
      expect(codeOf(() => conn.shutdown())).toBe('ERR_CLOSED');
      expect(codeOf(() => conn.close())).toBe('ERR_CLOSED');
      // Still alive.
      const b = sim.peer('b');
      expect(b.connect()).toBe(0);
      sim.step();
      expect(conns).toHaveLength(2);
    } finally {
      sim.dispose();
    }
  });

  it('send after shutdown() is ERR_CLOSED; close() from the script closes at once', async () => {
    const conns: SimConnection[] = [];
    const sim = await create(engine, { app: { onConnection: (c) => void conns.push(c) } });
    try {
      sim.peer('a').connect();
      sim.peer('b').connect();
      sim.step();
      const [a, b] = conns as [SimConnection, SimConnection];
      a.send('bye');
      a.shutdown();
      expect(() => a.send('more')).toThrow(/shutting down/);
      expect(codeOf(() => a.send('more'))).toBe('ERR_CLOSED');
      b.close();
      expect(b.closed).toBe(true);
      expect(b.closeReason).toBe('closed-by-app');
      sim.run({ maxSteps: 10 });
      expect(sim.peer('a').text).toBe('bye');
      expect(sim.peer('a').eof).toBe(true);
      expect(sim.peer('b').eof).toBe(true);
    } finally {
      sim.dispose();
    }
  });

  it('a send that throws inside a handler is a handler error, not a crash', async () => {
    const sim = await create(engine, {
      app: {
        onClose(conn) {
          conn.send('too late');
        },
      },
    });
    try {
      const a = sim.peer('a');
      a.connect();
      sim.step();
      a.close();
      sim.run({ maxSteps: 10 });
      expect(sim.handlerErrors).toHaveLength(1);
      expect((sim.handlerErrors[0]?.error as EdgeloopError).code).toBe('ERR_CLOSED');
    } finally {
      sim.dispose();
    }
  });

  it('bad data and use after dispose are typed errors', async () => {
    const conns: SimConnection[] = [];
    const sim = await create(engine, { app: { onConnection: (c) => void conns.push(c) } });
    sim.peer('a').connect();
    sim.step();
    const conn = conns[0] as SimConnection;
    expect(codeOf(() => conn.send(42 as unknown as string))).toBe('ERR_INVALID_ARG');
    sim.dispose();
    expect(codeOf(() => conn.send('x'))).toBe('ERR_DISPOSED');
    expect(codeOf(() => sim.step())).toBe('ERR_DISPOSED');
    expect(sim.trace.records.length).toBeGreaterThan(0);
  });
});
