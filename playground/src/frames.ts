// The state after each reactor step, as the playground shows it: the
// simulation's snapshot() joined with the simulated kernel's own accounting
// (inspect()) of each connection's send buffer and its peer's receive
// buffer, so the gauges can draw the writability threshold where the kernel
// has it. Taken in runScenario's onStep, which only looks: nothing here
// changes the trace.
import type { ConnectionSnapshot, InspectedSocket, Simulation } from '../../src/browser.js';

/** A TCP socket's send sequence, from the simulated kernel (tcp_socket.cc Describe): what SIOCOUTQ lumps together, apart. */
export interface TcpSendState {
  /** Written, not yet sent (write_seq - snd_nxt). */
  unsent: number;
  /** Sent, not yet acknowledged (snd_nxt - snd_una). */
  unacked: number;
  /** Bytes the peer's last advertised window still lets it send (snd_una + snd_wnd - snd_nxt; 0 when closed). */
  windowOpen: number;
  /** The sequence numbers themselves (tcp_sock's write_seq, snd_una, snd_nxt, and snd_una + snd_wnd): the sequence graph draws them. */
  seq: { write: number; una: number; nxt: number; wndEdge: number };
}

function tcpSendState(k: InspectedSocket): TcpSendState | undefined {
  const n = (key: string): number | null => (typeof k[key] === 'number' ? (k[key] as number) : null);
  const writeSeq = n('writeSeq');
  const una = n('sndUna');
  const nxt = n('sndNxt');
  const edge = n('sndWndEdge');
  if (writeSeq === null || una === null || nxt === null || edge === null) return undefined;
  return {
    unsent: Math.max(0, writeSeq - nxt),
    unacked: Math.max(0, nxt - una),
    windowOpen: Math.max(0, edge - nxt),
    seq: { write: writeSeq, una, nxt, wndEdge: edge },
  };
}

/** One connection in a frame: the simulation's snapshot of it, and the kernel's accounting. */
export interface FrameConn extends ConnectionSnapshot {
  /** The kernel's accounting of the server socket: memory charged to it, SO_SNDBUF, and where the writability rule puts the line. */
  kernel: { family: 'unix' | 'tcp'; charged: number; sndbuf: number; rcvbuf: number; threshold: number; writable: boolean; tcp?: TcpSendState } | null;
  /** The peer socket's SO_RCVBUF. */
  peerRcvbuf: number | null;
  /** The peer socket's SO_SNDBUF (what bounds what it can have in flight toward the server). */
  peerSndbuf: number | null;
}

export interface Frame {
  /** Reactor steps run (0: before the first). */
  step: number;
  /** Trace records at that moment: the frame describes the state after record `records - 1`. */
  records: number;
  /** The scenario action that ran the step (-1 for frame 0). */
  action: number;
  time: number;
  /** The kernel's ready list of the reactor's epoll (trace names, or fd numbers as text). */
  ready: string[];
  /** The reactor's interest list as the kernel shows it (mask includes EPOLLERR|EPOLLHUP, which epoll always adds). */
  interest: Array<{ fd: number; name: string | null; events: string; ready: boolean }>;
  conns: FrameConn[];
}

export function captureFrame(sim: Simulation, step: number, records: number, action: number): Frame {
  // One inspect() serves both: the snapshot's epoll lists and the sockets' accounting (a step's frame cost half as much).
  const state = sim.kernel.inspect({ brief: true });
  const snap = sim.snapshot(state);
  const byFd = new Map<number, InspectedSocket>();
  for (const f of state?.fds ?? []) if (f.type === 'unix' || f.type === 'tcp') byFd.set(f.fd, f as InspectedSocket);
  const peerFd = new Map<string, number>();
  for (const p of sim.peers) if (p.fd !== null) peerFd.set(p.name, p.fd);
  const conns: FrameConn[] = snap.connections.map((c) => {
    const k = c.fd === null ? undefined : byFd.get(c.fd);
    // The kernel's own accounting and rule: nothing here re-derives them.
    let kernel: FrameConn['kernel'] = null;
    if (k) {
      kernel = { family: k.type, charged: k.charged, sndbuf: k.sndbuf, rcvbuf: k.rcvbuf, threshold: k.writableUpTo, writable: k.writable };
      if (k.type === 'tcp') kernel.tcp = tcpSendState(k);
    }
    const pfd = c.peer === null ? undefined : peerFd.get(c.peer);
    const pk = pfd === undefined ? undefined : byFd.get(pfd);
    // The snapshot's own object, extended (it is made for this frame): a copy per connection per step was a tenth of a run's CPU.
    const conn = c as FrameConn;
    conn.kernel = kernel;
    conn.peerRcvbuf = pk ? pk.rcvbuf : null;
    conn.peerSndbuf = pk ? pk.sndbuf : null;
    return conn;
  });
  return {
    step,
    records,
    action,
    time: snap.time,
    ready: snap.ready.map((r) => r.name ?? String(r.fd)),
    interest: snap.interest.map((e) => ({ fd: e.fd, name: e.name, events: e.events, ready: e.ready })),
    conns,
  };
}

/** Index of the frame that describes the state after record `i`: the last with records <= i + 1. */
export function frameAt(frames: readonly Frame[], i: number): number {
  return Math.max(0, lastFrameAtOrBefore(frames.length, (k) => (frames[k] as Frame).records, i));
}

/**
 * Of `count` frames whose trace positions (Frame.records) `recordsOf` gives
 * in ascending order, the last that describes the state after record `i`
 * (records <= i + 1), or -1 when none does yet.
 */
export function lastFrameAtOrBefore(count: number, recordsOf: (k: number) => number, i: number): number {
  let lo = 0;
  let hi = count - 1;
  let best = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (recordsOf(mid) <= i + 1) {
      best = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return best;
}
