// Faults in the reactor's own syscalls (Simulation.injectFault, a scenario's
// `faults` section): each fires where Linux would give it, shows in the
// trace as a 'sim' 'fault' record just before the call it changed, touches
// only the reactor's calls (never a peer's), and the reactor takes it the
// way a correct one must. Native and wasm give the same trace. Bad specs
// are refused naming the field; engine 'linux' refuses faults.
import { describe, expect, it } from 'vitest';

import { runScenario, type Simulation, type TraceRecord } from '../src/index.js';
import { BOTH_ENGINES, create, ENGINES } from './helpers/sim.js';

function faults(sim: Simulation): TraceRecord[] {
  return sim.trace.records.filter((r) => r.actor === 'sim' && r.call === 'fault');
}

/** The reactor record right after the n-th fault record. */
function hit(sim: Simulation, n = 0): TraceRecord | undefined {
  const recs = sim.trace.records;
  const at = recs.indexOf(faults(sim)[n] as TraceRecord);
  return recs.slice(at + 1).find((r) => r.actor === 'reactor');
}

async function echoed(sim: Simulation, name: string, bytes: number): Promise<void> {
  const p = sim.peer(name);
  p.write(bytes);
  sim.run({ until: () => p.receivedBytes >= bytes, maxSteps: 2000 });
  expect(p.receivedBytes).toBe(bytes);
}

describe.each(ENGINES)('engine %s', (engine) => {
  it('eintr: epoll_wait fails EINTR, nothing ready is lost, the loop goes on', async () => {
    const sim = await create(engine, { family: 'unix', app: 'echo' });
    sim.peer('a').connect();
    sim.injectFault({ fault: 'eintr', count: 2 });
    expect(sim.step()).toMatchObject({ interrupted: true, idle: false, reactorEvents: 0 });
    expect(sim.step().interrupted).toBe(true);
    expect(hit(sim)).toMatchObject({ call: 'epollWait', err: 'EINTR' });
    sim.run({ maxSteps: 50 });
    expect(sim.peer('a').connection).not.toBeNull();
    await echoed(sim, 'a', 1000);
    sim.dispose();
  });

  it('acceptError EMFILE/ENFILE/ENOMEM: the connection stays queued and is accepted on a later round', async () => {
    for (const errno of ['EMFILE', 'ENFILE', 'ENOMEM'] as const) {
      const sim = await create(engine, { family: 'unix', app: 'echo' });
      sim.injectFault({ fault: 'acceptError', errno, count: 2 });
      sim.peer('a').connect();
      sim.run({ maxSteps: 50 });
      expect(faults(sim).length, errno).toBe(2);
      expect(hit(sim)).toMatchObject({ call: 'accept', err: errno });
      // EMFILE/ENFILE: the spare fd drops one (the peer reads end of file);
      // ENOMEM: the listener is re-armed and the connection accepted next round.
      const a = sim.peer('a');
      if (errno === 'ENOMEM') await echoed(sim, 'a', 100);
      else expect(a.dropped || a.connection !== null).toBe(true);
      sim.dispose();
    }
  });

  it('acceptError ECONNABORTED: the queued connection is gone, its peer is told (aborted), the next one is served', async () => {
    const sim = await create(engine, { family: 'unix', app: 'echo' });
    sim.injectFault({ fault: 'acceptError', errno: 'ECONNABORTED' });
    sim.peer('a').connect();
    sim.peer('b').connect();
    sim.run({ maxSteps: 50 });
    expect(sim.peer('a').aborted).toBe(true);
    expect(sim.peer('a').connection).toBeNull();
    await echoed(sim, 'b', 500);
    expect(sim.peer('b').connection?.id).toBe(1);
    sim.dispose();
  });

  it('shortWrite: the reactor keeps the rest in send_buf_ and sends it all, in order', async () => {
    const sim = await create(engine, { family: 'unix', app: 'echo' });
    const a = sim.peer('a');
    a.connect();
    sim.run({ maxSteps: 20 });
    const conn = a.connection?.id as number;
    sim.injectFault({ fault: 'shortWrite', conn, maxBytes: 7, count: 3 });
    await echoed(sim, 'a', 5000);
    expect(faults(sim).length).toBe(3);
    expect(hit(sim)).toMatchObject({ call: 'write', ret: 7 });
    expect(a.received.every((b, i) => b === (i & 0xff))).toBe(true);
    sim.dispose();
  });

  it('spuriousWakeup: epoll reports the connection ready with nothing to read; the read gets EAGAIN and nothing changes', async () => {
    const sim = await create(engine, { family: 'unix', app: 'echo' });
    const a = sim.peer('a');
    a.connect();
    sim.run({ maxSteps: 20 });
    sim.injectFault({ fault: 'spuriousWakeup', conn: a.connection?.id as number, events: 'EPOLLIN' });
    const r = sim.step();
    expect(r.reactorEvents).toBe(1);
    const after = sim.trace.records.slice(sim.trace.records.indexOf(faults(sim)[0] as TraceRecord));
    expect(after.find((x) => x.actor === 'reactor' && x.call === 'read')).toMatchObject({ err: 'EAGAIN' });
    expect(sim.connection(1)?.closed).toBe(false);
    await echoed(sim, 'a', 300);
    sim.dispose();
  });

  it('nofile: new fds past the limit fail EMFILE (the acceptor drops with its spare), the open ones keep working', async () => {
    const sim = await create(engine, { family: 'unix', app: 'echo' });
    sim.peer('a').connect();
    sim.run({ maxSteps: 20 });
    const open = sim.openFds().length;
    sim.injectFault({ fault: 'nofile', limit: Math.max(...sim.openFds()) + 2 });
    expect(open).toBeGreaterThan(0);
    sim.peer('b').connect();
    sim.peer('c').connect();
    sim.run({ maxSteps: 50 });
    const refusedOrDropped = ['b', 'c'].filter((n) => sim.peer(n).dropped || sim.peer(n).fd === null);
    expect(refusedOrDropped.length).toBeGreaterThan(0);
    await echoed(sim, 'a', 2000);
    sim.dispose();
  });

  it('touches only the reactor: a peer calls epoll_wait and write as usual while faults are armed', async () => {
    const sim = await create(engine, { family: 'unix', app: 'discard' });
    const a = sim.peer('a');
    a.connect();
    sim.injectFault({ fault: 'eintr', count: 5 });
    expect(a.write(100)).toBe(100);
    sim.step();
    expect(sim.trace.records.filter((r) => r.actor === 'peers' && r.call === 'epollWait' && r.err !== undefined)).toEqual([]);
    sim.dispose();
  });

  it('delayedAck: the delay to the ms from when the timer is armed; armed on a pending jiffy timer, it keeps that timer', async () => {
    // A pair of the sim's own on the Simulation's kernel: a writes 100-byte
    // segments until b's quickack credit is spent and b delays its ACK.
    const run = async (fault: 'none' | 'first' | 'later'): Promise<{ ackAfter: number; outqAt7: number }> => {
      const sim = await create(engine, { family: 'tcp', app: 'echo' });
      const k = sim.kernel;
      const pair = k.socketpair('tcp', { nodelay: true });
      if (!Array.isArray(pair)) throw new Error(`socketpair: ${String(pair)}`);
      const [a] = pair;
      const outq = (): number => k.ioctl(a, 'SIOCOUTQ') as number;
      if (fault === 'first') sim.injectFault({ fault: 'delayedAck', ms: 37 });
      for (let n = 0; n < 40 && outq() === 0; n++) k.write(a, new Uint8Array(100));
      expect(outq()).toBe(100);
      const armed = k.now();
      if (fault === 'later') {
        // The kernel's timer (jiffy 10, fired at 44 ms) is pending when the
        // fault comes; the next segment's ACK must not go out at once.
        k.advance(3);
        sim.injectFault({ fault: 'delayedAck', ms: 37 });
        k.write(a, new Uint8Array(100));
      }
      let outqAt7 = -1;
      while (outq() !== 0 && k.now() - armed < 100) {
        k.advance(1);
        if (k.now() - armed === 7) outqAt7 = outq();
      }
      const ackAfter = k.now() - armed;
      sim.dispose();
      return { ackAfter, outqAt7 };
    };
    // The kernel's own timer: 10 jiffies, fired at the wheel's boundary, 44 ms on.
    expect((await run('none')).ackAfter).toBe(44);
    // The fault's: 37 ms, to the ms.
    expect((await run('first')).ackAfter).toBe(37);
    // Still both segments unACKed at 7 ms (the second's loss probe draws the
    // ACK at 8); a pending jiffy timer read as ms sent it at 3.
    expect((await run('later')).outqAt7).toBe(200);
  });

  it('refuses a bad spec naming the field, and a connection that is not open', async () => {
    const sim = await create(engine, { family: 'unix', app: 'echo' });
    expect(() => sim.injectFault({ fault: 'teleport' } as never)).toThrow(/"fault" must be 'eintr' or 'acceptError'/);
    expect(() => sim.injectFault({ fault: 'eintr', count: 0 })).toThrow(/"count" must be a positive integer/);
    expect(() => sim.injectFault({ fault: 'shortWrite', maxBytes: 5 } as never)).toThrow(/"conn"/);
    expect(() => sim.injectFault({ fault: 'shortWrite', conn: 9, maxBytes: 5 })).toThrow(/"conn" must be the id of an open connection/);
    expect(() => sim.injectFault({ fault: 'eintr', maxBytes: 5 })).toThrow(/unknown option "maxBytes"/);
    expect(() => sim.injectFault({ fault: 'delayedAck', ms: 100 })).toThrow(/"ms" must be an integer from 36 to 40/);
    sim.dispose();
  });
});

describe('a scenario with faults', () => {
  const doc = {
    version: 1,
    name: 'faults-on-both-engines',
    title: 'Faults',
    explanation: 'Every fault once.',
    options: { family: 'tcp', app: 'echo' },
    peers: [{ name: 'a' }, { name: 'b', readPerStep: 100 }],
    steps: [
      { do: 'connect', peer: 'a' },
      { do: 'connect', peer: 'b' },
      { do: 'step', count: 3 },
      { do: 'write', peer: 'a', bytes: 70000 },
      { do: 'write', peer: 'b', bytes: 3000 },
      { do: 'step', count: 10 },
      { do: 'settle' },
    ],
    faults: [
      { fault: 'acceptError', errno: 'ENOMEM', at: 2 },
      { fault: 'eintr', at: 2 },
      { fault: 'shortWrite', peer: 'a', maxBytes: 1000, count: 2, at: 4 },
      { fault: 'spuriousWakeup', peer: 'b', events: 'EPOLLIN', at: 4 },
      { fault: 'delayedAck', ms: 36, at: 3 },
    ],
    invariants: ['bytes-intact', 'liveness', 'no-busy-loop', 'bounded-memory', 'no-fd-leak'],
    expect: [{ check: 'trace', match: { actor: 'sim', call: 'fault' }, count: { min: 6 } }],
  };

  it.runIf(BOTH_ENGINES)('holds every invariant and gives one trace on native and wasm', async () => {
    const native = await runScenario(doc, { engine: 'native' });
    const wasm = await runScenario(doc, { engine: 'wasm' });
    expect(native.failures).toEqual([]);
    expect(wasm.trace).toBe(native.trace);
  });

  it('skips a peer fault whose peer has no connection yet, and says so in the trace', async () => {
    const r = await runScenario({ ...doc, faults: [{ fault: 'shortWrite', peer: 'a', maxBytes: 1, at: 0 }], expect: [] });
    expect(r.records.some((x) => x.actor === 'scenario' && x.call === 'faultSkipped')).toBe(true);
    expect(r.failures).toEqual([]);
  });

  it("is refused on engine 'linux', naming the fault", async () => {
    await expect(runScenario(doc, { engine: 'linux' })).rejects.toThrow(/faults\[0\]: acceptError ENOMEM is injected by the simulated kernel/);
  });
});
