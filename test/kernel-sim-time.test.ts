// Virtual time in the simulated kernel: epollWait timeouts and advance()
// move the clock, timers (SYN retransmission) fire in order, and a wait that
// could never return is a clear error instead of a hang.
import { describe, expect, it } from 'vitest';

import { EdgeloopError, EPOLLIN, EPOLLOUT, isErrno, openKernel, runScenario } from '../src/index.js';
import { echoScenario } from '../bench/scenarios.js';

const ENGINES = (process.env.EDGELOOP_BACKENDS ?? 'sim-native,sim-wasm')
  .split(',')
  .filter((b) => b.startsWith('sim-'))
  .map((b) => b.slice(4) as 'native' | 'wasm');

describe.each(ENGINES)('sim/%s virtual time', (engine) => {
  const open = () => openKernel({ backend: 'sim', engine, seed: 3 });

  it('a delayed ACK sent early leaves no timer behind: while the clock stands still the pending timers stay bounded', async () => {
    // 40 tcp echo connections, 400 rounds at t = 0: each round every receiver arms a delayed ACK that data then sends.
    const pending: number[] = [];
    await runScenario(echoScenario(400), {
      engine,
      onStep: (i) => {
        if (i.step % 100 === 0) pending.push(Number(i.sim.kernel.inspect()?.pendingTimers));
      },
    });
    expect(pending.length).toBeGreaterThan(5);
    // Before: 40 more every step (32,000 by the end). A few per socket at most.
    expect(Math.max(...pending)).toBeLessThanOrEqual(80 * 4);
    expect(pending.at(-1)).toBe(pending[2]);
  });

  it('an idle epollWait with a timeout returns nothing after exactly that much virtual time', async () => {
    const k = await open();
    const ep = k.epollCreate() as number;
    expect(k.now()).toBe(0);
    expect(k.epollWait(ep, 8, 250)).toEqual([]);
    expect(k.now()).toBe(250);
    k.advance(50);
    expect(k.now()).toBe(300);
    k.dispose();
  });

  it('epollWait(-1) with nothing ready and nothing scheduled throws instead of hanging, and the kernel lives on', async () => {
    const k = await open();
    const ep = k.epollCreate() as number;
    let caught: unknown;
    try {
      k.epollWait(ep, 8, -1);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(EdgeloopError);
    expect((caught as EdgeloopError).code).toBe('ERR_SIM_BLOCKED');
    expect((caught as Error).message).toMatch(/would block forever/);
    const pair = k.socketpair('unix');
    expect(isErrno(pair)).toBe(false);
    k.epollCtl(ep, 'ADD', (pair as number[])[0]!, EPOLLOUT);
    expect(k.epollWait(ep, 8, -1)).toEqual([{ fd: (pair as number[])[0], events: EPOLLOUT }]);
    k.dispose();
  });

  it('a SYN dropped by a full accept queue is retransmitted after 1 s of virtual time', async () => {
    const k = await open();
    const listener = k.socket('tcp') as number;
    expect(k.bind(listener, '127.0.0.1:0')).toBe(0);
    expect(k.listen(listener, 0)).toBe(0);
    const addr = k.getsockname(listener) as string;
    const first = k.socket('tcp') as number;
    const second = k.socket('tcp') as number;
    const third = k.socket('tcp') as number;
    // backlog 0 admits one connection; the next SYN is dropped and retried.
    expect(k.connect(first, addr)).toBe('EINPROGRESS');
    expect(k.connect(second, addr)).toBe('EINPROGRESS');
    expect(k.connect(third, addr)).toBe('EINPROGRESS');
    expect(k.connect(first, addr)).toBe(0); // established: the second connect reports it
    expect(k.connect(second, addr)).toBe('EALREADY'); // still SYN_SENT
    const ep = k.epollCreate() as number;
    k.epollCtl(ep, 'ADD', second, EPOLLOUT);
    expect(k.epollWait(ep, 8, 0)).toEqual([]);
    expect(typeof k.accept(listener)).toBe('number');
    // Room in the queue now, but the client only finds out when it retransmits.
    expect(k.epollWait(ep, 8, 999)).toEqual([]);
    expect(k.now()).toBe(999);
    const ready = k.epollWait(ep, 8, 5);
    expect(ready).toEqual([{ fd: second, events: EPOLLOUT }]);
    expect(k.now()).toBe(1000);
    expect(k.connect(second, addr)).toBe(0);
    // The third SYN backs off: 1 s, then 2 s more.
    const lep = k.epollCreate() as number;
    k.epollCtl(lep, 'ADD', listener, EPOLLIN);
    expect(k.epollWait(lep, 8, 0)).toEqual([{ fd: listener, events: EPOLLIN }]);
    expect(typeof k.accept(listener)).toBe('number');
    k.advance(1999);
    expect(k.connect(third, addr)).toBe('EALREADY');
    k.advance(1);
    expect(k.now()).toBe(3000);
    expect(k.connect(third, addr)).toBe(0);
    k.dispose();
  });
});
