// snapshot(): the reactor's own view (ServerHost::Snapshot) joined with the
// kernel's (the epoll's interest and ready lists, the peers' receive
// queues). Read without tracing: looking changes nothing in the trace.
import type { RawKernel } from '../backends/raw-kernel.js';
import { eventNames } from '../constants.js';
import type { Kernel } from '../kernel.js';
import type { ConnectionSnapshot, InterestEntry, SimKernelState, SimulationSnapshot } from '../types.js';
import type { Connection } from '../connection.js';
import type { EpollState } from './engine.js';
import type { Peer } from './peer.js';

interface HostConnection {
  id: number;
  fd: number;
  state: ConnectionSnapshot['state'];
  peerHalfClosed: boolean;
  reading: boolean;
  writing: boolean;
  interest: number;
  sendBuf: number;
  readBuf: number;
  kernelSendQueue: number;
}

export interface HostSnapshot {
  time: number;
  epollFd: number;
  /** -1 once the server stopped accepting. */
  listenFd: number;
  address: string;
  accepting: boolean;
  refused: number;
  dropped: number;
  /** Faults fired so far (the simulation's fault layer; 0 elsewhere). */
  faultsFired?: number;
  /** Calls the reactor made on an fd it had closed (and not had back); the first as "call(fd)". */
  closedFdUses?: number;
  firstClosedFdUse?: string;
  connections: HostConnection[];
}

interface KernelFd {
  fd: number;
  type?: string;
  interest?: Array<{ fd: number; events: number; ready: boolean }>;
  ready?: number[];
}

// The kernel API's ioctl requests (src/backends/raw-kernel.ts).
const SIOCINQ = 0;
const SIOCOUTQ = 1;

/** The simulated kernel's view of epoll `ep` (its inspect() state). */
export function simEpollState(raw: RawKernel, ep: number): EpollState | null {
  return epollStateOf(JSON.parse(raw.inspect()) as SimKernelState, ep);
}

/** Epoll `ep`'s lists in a state the simulated kernel's inspect() gave. */
export function epollStateOf(state: SimKernelState, ep: number): EpollState | null {
  const epoll = (state as { fds?: KernelFd[] }).fds?.find((f) => f.fd === ep && f.type === 'epoll');
  if (!epoll) return null;
  return { interest: epoll.interest ?? [], ready: epoll.ready ?? [] };
}

export function buildSnapshot(from: {
  host: HostSnapshot;
  kernel: Kernel;
  raw: RawKernel;
  conns: ReadonlyMap<number, Connection>;
  peers: ReadonlyMap<string, Peer>;
  /** The reactor's epoll as the kernel shows it (default: the sim's inspect()). */
  epollState?: (ep: number) => EpollState | null;
  /** The simulated kernel's inspect() taken now: SIOCINQ/SIOCOUTQ come from it instead of an ioctl each. */
  kernelState?: SimKernelState;
}): SimulationSnapshot {
  const { host, kernel, raw } = from;
  const sockets = new Map<number, Record<string, unknown>>();
  for (const f of from.kernelState?.fds ?? []) if (f.type === 'tcp' || f.type === 'unix') sockets.set(f.fd, f as Record<string, unknown>);
  // What ioctl(fd, SIOCINQ / SIOCOUTQ) answers: from the state when it has the socket (a listener answers EINVAL: -1), else the ioctl.
  const ioctl = (fd: number, request: number): number => {
    const s = sockets.get(fd);
    if (!s) return raw.ioctl(fd, request);
    if (s.state === 'LISTEN') return -1;
    const v = request === SIOCINQ ? s.recvQueueBytes : s.outq;
    return typeof v === 'number' ? v : raw.ioctl(fd, request);
  };
  const epoll = from.epollState ? from.epollState(host.epollFd) : simEpollState(raw, host.epollFd);
  const interest: InterestEntry[] = (epoll?.interest ?? []).map((item) => ({
    fd: item.fd,
    name: kernel.fdName(item.fd),
    events: eventNames(item.events),
    mask: item.events >>> 0,
    ready: item.ready,
  }));
  const readyKnown = epoll?.ready !== null;
  const ready = (epoll?.ready ?? []).map((fd) => ({ fd, name: kernel.fdName(fd) }));
  const live = new Map(host.connections.map((c) => [c.id, c]));
  const connections: ConnectionSnapshot[] = [];
  for (const conn of from.conns.values()) {
    const c = live.get(conn.id);
    const peer = conn.peer === null ? undefined : from.peers.get(conn.peer);
    let peerReceiveQueue: number | null = null;
    let peerSendQueue: number | null = null;
    if (peer?.fd != null) {
      const inq = ioctl(peer.fd, SIOCINQ);
      peerReceiveQueue = inq >= 0 ? inq : null;
      const outq = ioctl(peer.fd, SIOCOUTQ);
      peerSendQueue = outq >= 0 ? outq : null;
    }
    const serverInq = c ? ioctl(c.fd, SIOCINQ) : -1;
    connections.push({
      id: conn.id,
      peer: conn.peer,
      fd: c ? c.fd : null,
      name: c ? kernel.fdName(c.fd) : null,
      state: c ? c.state : 'disconnected',
      closeReason: conn.closeReason,
      peerHalfClosed: c ? c.peerHalfClosed : false,
      reading: c ? c.reading : false,
      writing: c ? c.writing : false,
      interest: c ? eventNames(c.interest) : '',
      sendBuf: c ? c.sendBuf : 0,
      readBuf: c ? c.readBuf : 0,
      kernelSendQueue: c ? c.kernelSendQueue : 0,
      peerReceiveQueue,
      kernelReceiveQueue: serverInq >= 0 ? serverInq : 0,
      peerSendQueue,
    });
  }
  return {
    time: host.time,
    interest,
    ready,
    listen: { fd: host.listenFd, name: kernel.fdName(host.listenFd), address: host.address },
    readyKnown,
    connections,
    dropped: host.dropped,
    refused: host.refused,
    accepting: host.accepting,
  };
}
