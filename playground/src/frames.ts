// The state after each reactor step, as the playground shows it: the
// simulation's snapshot() joined with the simulated kernel's own accounting
// (inspect()) of each connection's send buffer and its peer's receive
// buffer, so the gauges can draw the writability threshold where the kernel
// has it. Taken in runScenario's onStep, which only looks: nothing here
// changes the trace.
import type { Simulation } from '../../src/browser.js';

export interface FrameConn {
  id: number;
  peer: string | null;
  /** The server-side socket's trace name (null once closed). */
  name: string | null;
  state: string;
  closeReason: string | null;
  reading: boolean;
  writing: boolean;
  /** The reactor's interest mask for it, as names. */
  interest: string;
  /** Bytes in the reactor's send_buf_. */
  sendBuf: number;
  readBuf: number;
  /** SIOCOUTQ of the server's socket: payload bytes not yet taken by the peer's kernel. */
  kernelSendQueue: number;
  /** SIOCINQ of the peer's socket: bytes received, not yet read. */
  peerReceiveQueue: number | null;
  /** The kernel's accounting of the server socket: memory charged to it (wmem), SO_SNDBUF, and the writability rule. */
  kernel: { family: 'unix' | 'tcp'; charged: number; sndbuf: number; threshold: number; writable: boolean } | null;
  /** The peer socket's SO_RCVBUF. */
  peerRcvbuf: number | null;
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

interface KernelSocket {
  fd: number;
  type?: string;
  sndbuf?: number;
  rcvbuf?: number;
  /** What SO_SNDBUF is held against (AF_UNIX: wmem_alloc, skb truesize; TCP: sk_wmem_queued). */
  charged?: number;
  /** Poll writability, by the kernel's own rule (unix_writable, __sk_stream_is_writeable). */
  writable?: boolean;
  /** The largest charge that is still writable. */
  writableUpTo?: number;
}

export function captureFrame(sim: Simulation, step: number, records: number, action: number): Frame {
  const snap = sim.snapshot();
  const state = sim.kernel.inspect() as { fds?: KernelSocket[] } | null;
  const byFd = new Map<number, KernelSocket>();
  for (const f of state?.fds ?? []) byFd.set(f.fd, f);
  const peerFd = new Map<string, number>();
  for (const p of sim.peers) if (p.fd !== null) peerFd.set(p.name, p.fd);
  const conns: FrameConn[] = snap.connections.map((c) => {
    const k = c.fd === null ? undefined : byFd.get(c.fd);
    let kernel: FrameConn['kernel'] = null;
    if (k && (k.type === 'unix' || k.type === 'tcp') && typeof k.sndbuf === 'number') {
      // The kernel's own accounting and rule: nothing here re-derives them.
      kernel = { family: k.type, charged: k.charged ?? 0, sndbuf: k.sndbuf, threshold: k.writableUpTo ?? 0, writable: k.writable ?? false };
    }
    const pfd = c.peer === null ? undefined : peerFd.get(c.peer);
    const pk = pfd === undefined ? undefined : byFd.get(pfd);
    return {
      id: c.id,
      peer: c.peer,
      name: c.name,
      state: c.state,
      closeReason: c.closeReason,
      reading: c.reading,
      writing: c.writing,
      interest: c.interest,
      sendBuf: c.sendBuf,
      readBuf: c.readBuf,
      kernelSendQueue: c.kernelSendQueue,
      peerReceiveQueue: c.peerReceiveQueue,
      kernel,
      peerRcvbuf: typeof pk?.rcvbuf === 'number' ? pk.rcvbuf : null,
    };
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

export function sameInterest(a: Frame['interest'], b: Frame['interest']): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as Frame['interest'][number];
    const y = b[i] as Frame['interest'][number];
    if (x.fd !== y.fd || x.name !== y.name || x.events !== y.events || x.ready !== y.ready) return false;
  }
  return true;
}

/** Index of the frame that describes the state after record `i`: the last with records <= i + 1. */
export function frameAt(frames: readonly Frame[], i: number): number {
  let lo = 0;
  let hi = frames.length - 1;
  let best = 0;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if ((frames[mid] as Frame).records <= i + 1) {
      best = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return best;
}
