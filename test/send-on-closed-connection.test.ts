// Sending on (or shutting down, closing) a connection that is closed is a
// typed error, EdgeloopError ERR_CLOSED, that says which connection and
// why; so is sending after shutdown(). Nothing is sent, nothing crashes, and
// the reactor goes on. One scenario for the simulation (each engine) and the
// real server; what happens once the reactor itself is gone differs
// (a disposed simulation, a closed server).
import { describe, expect, it } from 'vitest';

import { EdgeloopError, type ServerConnection } from '../src/index.js';
import { stacks, useRigs } from './helpers/stacks.js';

const open = useRigs();

/** The EdgeloopError code `fn` throws (undefined if it does not throw). */
function codeOf(fn: () => void): string | undefined {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(EdgeloopError);
    return (e as EdgeloopError).code;
  }
  return undefined;
}

for (const stack of stacks()) {
  describe(`operations on a closed connection (${stack.name})`, () => {
    it('send, shutdown and close throw ERR_CLOSED once the peer has gone, naming the reason', async () => {
      const conns: ServerConnection[] = [];
      const rig = await open(stack, { app: { onConnection: (c) => void conns.push(c) } });
      const a = await rig.connect('a');
      await rig.until('the connection', () => conns.length === 1, { maxSteps: 1 });
      const conn = conns[0] as ServerConnection;
      expect(conn.closed).toBe(false);
      a.close();
      await rig.until('the close', () => rig.openConnections() === 0, { maxSteps: 10 });
      expect(conn.closed).toBe(true);
      expect(conn.closeReason).toBe('peer-closed');
      expect(codeOf(() => conn.send('late'))).toBe('ERR_CLOSED');
      expect(codeOf(() => conn.send(new Uint8Array(1)))).toBe('ERR_CLOSED');
      // The simulation knows the peer's name too.
      expect(() => conn.send('late')).toThrow(rig.kind === 'sim' ? /connection 1 \(peer "a"\) is closed \(peer-closed\)/ : /connection 1 is closed \(peer-closed\)/);
      expect(codeOf(() => conn.shutdown())).toBe('ERR_CLOSED');
      expect(() => conn.shutdown()).toThrow(/is closed/);
      expect(codeOf(() => conn.close())).toBe('ERR_CLOSED');
      expect(() => conn.close()).toThrow(/is closed/);
      // Still alive.
      await rig.connect('b');
      await rig.until('the next connection', () => conns.length === 2, { maxSteps: 1 });
    });

    it('send after shutdown() is ERR_CLOSED; close() from outside a handler closes at once', async () => {
      const conns: ServerConnection[] = [];
      const rig = await open(stack, { app: { onConnection: (c) => void conns.push(c) } });
      const pa = await rig.connect('a');
      const pb = await rig.connect('b');
      await rig.until('both connections', () => conns.length === 2, { maxSteps: 1 });
      const [a, b] = conns as [ServerConnection, ServerConnection];
      a.send('bye');
      a.shutdown();
      expect(() => a.send('more')).toThrow(/shutting down/);
      expect(codeOf(() => a.send('more'))).toBe('ERR_CLOSED');
      b.close();
      expect(b.closed).toBe(true);
      expect(b.closeReason).toBe('closed-by-app');
      await rig.until('both ends of file', () => pa.eof && pb.eof, { maxSteps: 10 });
      expect(pa.text).toBe('bye');
      expect(pa.eof).toBe(true);
      expect(pb.eof).toBe(true);
    });

    it('send after shutdown() from a handler: ERR_CLOSED (shutting down); what was sent before still arrives', async () => {
      const errors: unknown[] = [];
      const rig = await open(stack, {
        app: {
          onMessage(conn) {
            conn.send('bye');
            conn.shutdown();
            try {
              conn.send('too late');
            } catch (e) {
              errors.push(e);
            }
          },
        },
      });
      const a = await rig.connect('a');
      a.write('hi');
      await rig.until('the end of file', () => a.eof, { maxSteps: 20 });
      a.end();
      await rig.until('the close', () => rig.openConnections() === 0, { maxSteps: 20 });
      expect(a.text).toBe('bye');
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ code: 'ERR_CLOSED' });
      expect((errors[0] as Error).message).toMatch(/shutting down/);
    });

    it('a send that throws inside a handler is a handler error, not a crash', async () => {
      const rig = await open(stack, {
        app: {
          onClose(conn) {
            conn.send('too late');
          },
        },
      });
      const a = await rig.connect('a');
      await rig.until('the connection', () => rig.accepted() === 1, { maxSteps: 1 });
      a.close();
      await rig.until('the close', () => rig.openConnections() === 0, { maxSteps: 10 });
      expect(rig.handlerErrors).toHaveLength(1);
      expect((rig.handlerErrors[0]?.error as EdgeloopError).code).toBe('ERR_CLOSED');
    });

    it('bad data is ERR_INVALID_ARG; once the reactor is gone, sends are refused', async () => {
      const conns: ServerConnection[] = [];
      const rig = await open(stack, { app: { onConnection: (c) => void conns.push(c) } });
      const a = await rig.connect('a');
      await rig.until('the connection', () => conns.length === 1, { maxSteps: 1 });
      const conn = conns[0] as ServerConnection;
      expect(codeOf(() => conn.send(42 as unknown as string))).toBe('ERR_INVALID_ARG');
      if (rig.kind === 'sim') {
        // Disposed: every call is ERR_DISPOSED; the trace stays readable.
        rig.sim.dispose();
        expect(codeOf(() => conn.send('x'))).toBe('ERR_DISPOSED');
        expect(codeOf(() => rig.sim.step())).toBe('ERR_DISPOSED');
        expect(rig.sim.trace.records.length).toBeGreaterThan(0);
      } else {
        // Closed: the connection was closed with it.
        await rig.server.close({ timeoutMs: 100 });
        await rig.until('the end of file', () => a.eof);
        expect(conn.closed).toBe(true);
        expect(codeOf(() => conn.send('x'))).toBe('ERR_CLOSED');
      }
    });
  });
}
