// The 'linux' engine of Simulation (Node only, never in the browser entry):
// the same reactor (the addon's Server) on the addon's real Linux kernel, so
// it runs on real epoll through LinuxKernel, and the peers are real sockets
// made through the same kernel API. A scenario then runs unchanged on real
// Linux, and its reactor trace can be compared with the simulated one
// (test/scenario-linux-vs-sim.test.ts, docs/kernel-fidelity.md).
//
// What differs from the simulated engines, and how it is handled here:
// - Names: an abstract AF_UNIX name lives in the network namespace, shared
//   with every other process; each run listens on a name unique to this
//   process and run ('@edgeloop-sim-PID-N'). TCP listens on 127.0.0.1:0.
// - Time: the reactor's records carry CLOCK_MONOTONIC ms; they are moved to
//   the trace's clock (ms since the kernel was opened), as the peers' are.
// - State: Linux shows an epoll's interest list in /proc/self/fdinfo but not
//   its ready list, so snapshots have readyKnown false.
// - Cleanup: disposing the kernel closes every fd it opened, the reactor's
//   and the peers' alike (LinuxKernel tracks them).
import { readFileSync } from 'node:fs';

import { createNativeRaw, createNativeServer } from '../backends/native.js';
import type { RawKernel } from '../backends/raw-kernel.js';
import type { RawServer } from '../backends/raw-server.js';
import { EdgeloopError } from '../errors.js';
import type { EpollState, SimEngine } from './engine.js';

let runs = 0;

/** A fresh abstract AF_UNIX name for one run's listener. */
export function uniqueUnixAddress(): string {
  return `@edgeloop-sim-${process.pid}-${++runs}`;
}

/**
 * The interest list of epoll `ep` of this process, from
 * /proc/self/fdinfo/EP: `tfd: 5 events: 8000001b data: 5 ...` per item,
 * in the kernel's (file, fd) order. Masks include EPOLLERR|EPOLLHUP, as the
 * kernel stores them (and as the sim reports them).
 */
export function linuxEpollState(ep: number): EpollState | null {
  let text: string;
  try {
    text = readFileSync(`/proc/self/fdinfo/${ep}`, 'utf8');
  } catch {
    return null;
  }
  const interest: EpollState['interest'] = [];
  for (const m of text.matchAll(/^tfd:\s*(\d+)\s+events:\s*([0-9a-f]+)\s+data:\s*([0-9a-f]+)/gm)) {
    interest.push({ fd: Number(m[1]), events: Number.parseInt(m[2] as string, 16) >>> 0, ready: false });
  }
  if (interest.length === 0 && !/^pos:/m.test(text)) return null;
  return { interest, ready: null };
}

/** Moves a CLOCK_MONOTONIC ms time of the reactor onto the trace's clock. */
export type Rebase = (t: number) => number;

/**
 * The map from the reactor's clock (the kernel's NowMs: CLOCK_MONOTONIC,
 * whole ms) to the trace's (performance.now() ms since the Kernel object
 * was opened). Read before the reactor starts: the reactor records its own
 * socket, bind and listen while it is made, and a map read after that (as
 * it was) put those records before 0 by however long the making took (-5 ms
 * once beside two busy loops). `origin` is then the Kernel's opening within
 * the microseconds of synchronous code between the two, always at or before
 * anything the reactor records. The offset between the two clocks is read
 * between two performance.now() reads close together (a read the scheduler
 * split is read again), so what remains is NowMs's truncation to whole ms:
 * a time comes out within 1 ms of the truth, never below -1.
 */
export function traceClock(raw: Pick<RawKernel, 'now'>, origin = performance.now()): Rebase {
  let offset = 0;
  let width = Infinity;
  for (let i = 0; i < 20 && width > 0.05; i++) {
    const before = performance.now();
    const now = raw.now();
    const after = performance.now();
    if (after - before < width) {
      width = after - before;
      offset = now - (before + after) / 2;
    }
  }
  return (t: number) => Math.round((t - offset - origin) * 1000) / 1000;
}

/** The reactor's records and snapshot time on the trace's clock. */
export function rebasingServer(server: RawServer, rebase: Rebase): RawServer {
  return {
    address: () => server.address(),
    setEventHandler: (onEvent, wantsWriteComplete) => server.setEventHandler(onEvent, wantsWriteComplete),
    runOnce: (timeoutMs) => server.runOnce(timeoutMs),
    send: (conn, data) => server.send(conn, data),
    shutdown: (conn) => server.shutdown(conn),
    close: (conn, reason) => server.close(conn, reason),
    // Records are flat JSON objects that start with "t"; a string inside one
    // cannot hold an unescaped quote, so this matches record starts only.
    drainTrace: () => server.drainTrace().replace(/\{"t":(-?\d+),"actor":/g, (_, t: string) => `{"t":${rebase(Number(t))},"actor":`),
    snapshot: () => {
      const snap = JSON.parse(server.snapshot()) as { time: number };
      snap.time = rebase(snap.time);
      return JSON.stringify(snap);
    },
    stats: () => server.stats(),
    setProbe: (from) => server.setProbe(from),
    stopAccepting: () => server.stopAccepting(),
    shutdownAll: () => server.shutdownAll(),
    shutdownQuiet: (quietMs) => server.shutdownQuiet(quietMs),
    closeAll: (reason, resetUnsent) => server.closeAll(reason, resetUnsent),
    writable: (conn) => server.writable(conn),
    // The host refuses faults on a real kernel too; Simulation.armFault says so first.
    injectFault: (spec) => server.injectFault(spec),
    dispose: () => server.dispose(),
  };
}

/** The 'linux' engine: the addon's Linux kernel, the reactor on it. */
export function createLinuxEngine(): SimEngine {
  if (process.platform !== 'linux') {
    throw new EdgeloopError('ERR_BACKEND', `Simulation.create(): engine 'linux' needs Linux (this is ${process.platform}); use engine 'native' or 'wasm'`, {
      argument: 'engine',
    });
  }
  const raw = createNativeRaw('linux', 0);
  return {
    backend: 'linux',
    raw,
    createServer: async (json) => {
      const options = JSON.parse(json) as Record<string, unknown>;
      if (options.family !== 'tcp' && options.address === undefined) options.address = uniqueUnixAddress();
      const rebase = traceClock(raw);
      const server = createNativeServer(raw, JSON.stringify(options));
      return { server: rebasingServer(server, rebase) };
    },
    epollState: linuxEpollState,
  };
}
