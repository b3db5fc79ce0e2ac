// The invariants hold the correct reactor to what it promises, and no more:
// what a fault does is not the reactor's doing, a reconnected peer is owed
// only what its new connection sent, closeAll excuses what it cut off
// whatever reason it gives, and a failed handler's connection closes. Each
// case here was a false alarm (or a miss) found in review.
import { describe, expect, it } from 'vitest';

import { runScenario, type SimConnection } from '../src/index.js';
import { create, ENGINES } from './helpers/sim.js';

const ALL = ['bytes-intact', 'liveness', 'no-busy-loop', 'bounded-memory', 'no-fd-leak', 'handler-isolation'];

function doc(over: Record<string, unknown>): Record<string, unknown> {
  return { version: 1, name: 'x', title: 't', explanation: 'e', options: { family: 'unix', app: 'echo' }, peers: [{ name: 'a' }], expect: [], invariants: ALL, ...over };
}

describe.each(ENGINES)('engine %s', (engine) => {
  it('a reconnected peer is owed what its new connection sent, not the old one', async () => {
    const r = await runScenario(
      doc({
        peers: [{ name: 'a', reading: false }],
        steps: [
          { do: 'connect', peer: 'a' },
          { do: 'write', peer: 'a', bytes: 5001 },
          { do: 'step', count: 3 },
          { do: 'close', peer: 'a' },
          { do: 'step', count: 3 },
          { do: 'connect', peer: 'a' },
          { do: 'write', peer: 'a', bytes: 10 },
          { do: 'settle' },
        ],
      }),
      { engine },
    );
    expect(r.failures).toEqual([]);
  });

  it('closeAll excuses the bytes it cut off, whatever reason it gives', async () => {
    const r = await runScenario(
      doc({
        options: { family: 'tcp', app: 'echo', sndbuf: 4608 },
        peers: [{ name: 'a', reading: false }],
        steps: [
          { do: 'connect', peer: 'a' },
          { do: 'step', count: 2 },
          { do: 'write', peer: 'a', bytes: 120000 },
          { do: 'step', count: 5 },
          { do: 'closeAll', reason: 'maintenance' },
          { do: 'settle' },
        ],
      }),
      { engine },
    );
    expect(r.failures).toEqual([]);
  });

  it("wakeups a spuriousWakeup fault makes are the fault's, not a busy loop", async () => {
    const r = await runScenario(
      doc({
        steps: [{ do: 'connect', peer: 'a' }, { do: 'step', count: 2 }, { do: 'step', count: 30, label: 'spurious' }, { do: 'settle' }],
        faults: [{ fault: 'spuriousWakeup', peer: 'a', events: 'EPOLLIN', count: 25, at: 'spurious' }],
      }),
      { engine },
    );
    expect(r.failures).toEqual([]);
  });

  it('an accept error that lasts a few rounds is retried until it clears', async () => {
    const r = await runScenario(
      doc({
        peers: [{ name: 'p', count: 3 }],
        steps: [{ do: 'connect', peer: 'p' }, { do: 'step', count: 10, label: 'failing' }, { do: 'write', peer: 'p', bytes: 100 }, { do: 'settle' }],
        faults: [{ fault: 'acceptError', errno: 'ENFILE', count: 6, at: 'failing' }],
      }),
      { engine },
    );
    expect(r.failures).toEqual([]);
  });

  it('injectFault nofile leaves the peers able to connect (their epoll is made first)', async () => {
    const sim = await create(engine, { family: 'unix', app: 'echo' });
    sim.injectFault({ fault: 'nofile', limit: 8 });
    expect(() => sim.peer('a').connect()).not.toThrow();
    sim.dispose();
  });

  it('a handler that throws closes its own connection and no other', async () => {
    const sim = await create(engine, {
      family: 'unix',
      app: {
        onMessage(conn: SimConnection, data: Uint8Array): void {
          if (data[0] === 0x21) throw new Error('bad request');
          conn.send(data);
        },
      },
    });
    const a = sim.peer('a');
    const b = sim.peer('b');
    a.connect();
    b.connect();
    sim.run({ maxSteps: 20 });
    a.write('!');
    b.write('ok');
    sim.run({ maxSteps: 20 });
    expect(sim.connection(a.connection?.id as number)?.closeReason).toBe('handler-error');
    expect(sim.connection(b.connection?.id as number)?.closed).toBe(false);
    expect(b.text).toBe('ok');
    sim.dispose();
  });
});
