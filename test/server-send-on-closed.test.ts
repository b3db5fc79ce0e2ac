// Sending on a connection that is closed, or shut down, is an EdgeloopError
// (ERR_CLOSED) that says which and why; nothing is sent, nothing breaks.
import { describe, expect, it } from 'vitest';

import { EdgeloopError, type ServerConnection } from '../src/index.js';
import { collect, connect, useServers, waitFor } from './helpers/server.js';

const start = useServers();

describe('real server, sending on a closed connection', () => {
  it('after the peer closed: ERR_CLOSED naming the reason', async () => {
    let kept: ServerConnection | null = null;
    const { server, port } = await start({ port: 0, handlers: { onConnection: (c) => (kept = c) } });
    const s = await connect(port);
    await waitFor('the connection', () => kept !== null);
    s.end();
    await waitFor('the close', () => server.stats().connectionsOpen === 0);
    const conn = kept as unknown as ServerConnection;
    expect(conn.closed).toBe(true);
    expect(conn.closeReason).toBe('peer-closed');
    expect(() => conn.send('late')).toThrow(EdgeloopError);
    expect(() => conn.send('late')).toThrow(/connection 1 is closed \(peer-closed\)/);
    try {
      conn.send(new Uint8Array(1));
    } catch (e) {
      expect(e).toMatchObject({ code: 'ERR_CLOSED' });
    }
    expect(() => conn.shutdown()).toThrow(/is closed/);
    expect(() => conn.close()).toThrow(/is closed/);
  });

  it('after shutdown(): ERR_CLOSED (shutting down); what was sent before still arrives', async () => {
    const errors: unknown[] = [];
    const { port } = await start({
      port: 0,
      handlers: {
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
    const s = await connect(port, { allowHalfOpen: true });
    const done = collect(s);
    s.write('hi');
    await new Promise((resolve) => s.once('end', resolve));
    s.end();
    expect((await done).bytes.toString()).toBe('bye');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'ERR_CLOSED' });
    expect((errors[0] as Error).message).toMatch(/shutting down/);
  });

  it('after the server closed: ERR_CLOSED; bad data is ERR_INVALID_ARG', async () => {
    let kept: ServerConnection | null = null;
    const { server, port } = await start({ port: 0, handlers: { onConnection: (c) => (kept = c) } });
    const s = await connect(port);
    await waitFor('the connection', () => kept !== null);
    const conn = kept as unknown as ServerConnection;
    expect(() => conn.send(42 as unknown as Uint8Array)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG' }));
    const done = collect(s);
    await server.close({ timeoutMs: 100 });
    await done;
    expect(conn.closed).toBe(true);
    expect(() => conn.send('x')).toThrow(expect.objectContaining({ code: 'ERR_CLOSED' }));
  });
});
