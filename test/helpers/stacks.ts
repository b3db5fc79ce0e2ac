// One behaviour, both stacks, one test body: the reactor in the simulation
// (each engine EDGELOOP_BACKENDS selects, see sim.ts; each family when the
// test asks for them) and the real server (createServer on 127.0.0.1, tcp;
// always, as in the files that test only the real server: EDGELOOP_BACKENDS
// selects kernel backends and sim engines, not it). A Rig starts the reactor with an app, connects
// clients (sim peers, or node:net sockets) and waits for a condition:
// `until` steps the simulation (it must get there within maxSteps) or polls
// the real server (within timeoutMs). What only one stack has (virtual time
// and the trace; the server's stats and threads) stays in the test, behind
// `rig.kind`.
import type net from 'node:net';
import { afterEach, expect } from 'vitest';

import {
  EdgeloopError,
  type BuiltinApp,
  type EdgeloopServer,
  type Family,
  type Peer,
  type ReactorOptions,
  type RunResult,
  type ServerHandlers,
  type ServerOptions,
  type Simulation,
  type SimulationHandlers,
  type SimulationOptions,
} from '../../src/index.js';
import { connect, useServers, waitFor } from './server.js';
import { create, ENGINES } from './sim.js';

export interface SimStack {
  kind: 'sim';
  name: string;
  engine: 'native' | 'wasm';
  /** Unset: the simulation's default. */
  family?: Family;
}
export interface ServerStack {
  kind: 'server';
  name: string;
  threads: number;
}
export type Stack = SimStack | ServerStack;

/**
 * The sim on each engine (on each of `families`, else on its default one),
 * then the real server (once per `threads` count, else with none).
 */
export function stacks(options: { families?: readonly Family[]; threads?: readonly number[] } = {}): Stack[] {
  const out: Stack[] = [];
  for (const engine of ENGINES) {
    if (!options.families) out.push({ kind: 'sim', name: `sim/${engine}`, engine });
    else for (const family of options.families) out.push({ kind: 'sim', name: `sim/${engine}, ${family}`, engine, family });
  }
  if (!options.threads) out.push({ kind: 'server', name: 'real server', threads: 0 });
  else for (const threads of options.threads) out.push({ kind: 'server', name: `real server, threads: ${threads}`, threads });
  return out;
}

/** The real server with no sub-reactors: for what only it has (wall-clock timers, threads). */
export const REAL_SERVER: ServerStack = { kind: 'server', name: 'real server', threads: 0 };

/** The reactor's options on both stacks, plus what one stack alone is given. */
export interface RigOptions extends ReactorOptions {
  /** A built-in app or JS handlers (ServerHandlers: what a handler may count on from a connection on either stack). */
  app?: BuiltinApp | ServerHandlers;
  sim?: Omit<SimulationOptions, 'engine' | 'family' | 'app'>;
  server?: Omit<ServerOptions, 'port' | 'threads' | 'app' | 'handlers'>;
}

export interface ClientOptions {
  /** sim: the bytes the peer reads per step (a slow reader in virtual time). */
  readPerStep?: number;
  /** real server: a slow reader in wall-clock time, which stops for `ms` after every `every` bytes. */
  pauses?: { every: number; ms: number };
}

/** A client of the reactor: a sim peer, or a node:net socket (allowHalfOpen, as a sim peer: it ends its side when told). */
export interface Client {
  readonly name: string;
  /** Everything received so far, in order. */
  readonly received: Uint8Array;
  readonly receivedBytes: number;
  readonly text: string;
  /** It read the end of file. */
  readonly eof: boolean;
  /** sim: the errno its socket failed with; real server: the socket's error. */
  readonly error: unknown;
  /**
   * Sends bytes, all of them in time: what the kernel does not take at once
   * is offered again (sim: before each step of rig.until(); real server:
   * by Node). Returns the bytes taken at once on the sim (or its errno), the
   * whole length on the real server.
   */
  write(data: Uint8Array | string): number | string;
  /** SHUT_WR: the reactor reads end of file, the client still reads. */
  end(): void;
  /** Closes its socket (the real server's client: end(), as a node:net client closes): the reactor reads end of file. */
  close(): void;
  /** Closes with bytes unread, so the reactor's end is reset (tcp: a RST; unix: ECONNRESET/EPIPE). */
  reset(): void;
  /** Stops reading (its receive queue fills up), and reads again. */
  pause(): void;
  resume(): void;
}

/** The reactor's view of one connection, as both stacks' snapshots give it. */
export interface ConnectionView {
  id: number;
  state: string;
  peerHalfClosed: boolean;
  reading: boolean;
  writing: boolean;
  interest: string;
  sendBuf: number;
}

interface RigBase {
  connect(name: string, options?: ClientOptions): Promise<Client>;
  /**
   * Waits until `cond()` holds. sim: steps (offering the clients' pending
   * writes before each step) and fails unless it holds within maxSteps
   * (default 10000); its RunResult. Real server: polls, fails after timeoutMs
   * (default 5000); null.
   */
  until(what: string, cond: () => boolean, limits?: { maxSteps?: number; timeoutMs?: number }): Promise<RunResult | null>;
  /** Connections accepted so far. */
  accepted(): number;
  /** Connections open now. */
  openConnections(): number;
  /** Closed connections by reason. */
  closeReasons(): Record<string, number>;
  /** The open connections (sim: and the closed ones, state 'disconnected'), by id. */
  connections(): ConnectionView[];
  readonly handlerErrors: ReadonlyArray<{ conn: number; handler: string; error: unknown }>;
}

export interface SimRig extends RigBase {
  readonly kind: 'sim';
  readonly stack: SimStack;
  readonly sim: Simulation;
  /** The sim peer behind a client. */
  peer(c: Client): Peer;
}

export interface ServerRig extends RigBase {
  readonly kind: 'server';
  readonly stack: ServerStack;
  readonly server: EdgeloopServer;
  readonly port: number;
  /** The socket behind a client. */
  socket(c: Client): net.Socket;
}

export type Rig = SimRig | ServerRig;

export interface OpenRig {
  (stack: SimStack, options?: RigOptions): Promise<SimRig>;
  (stack: ServerStack, options?: RigOptions): Promise<ServerRig>;
  (stack: Stack, options?: RigOptions): Promise<Rig>;
}

/** open(stack, options) for the calling file: every rig (its sim, its server and clients) is disposed after each test. */
export function useRigs(): OpenRig {
  const startServer = useServers();
  const cleanups: Array<() => void> = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  });
  return (async (stack: Stack, options: RigOptions = {}): Promise<Rig> => {
    const { sim: simOnly, server: serverOnly, app, ...shared } = options;
    if (stack.kind === 'sim') {
      const family = stack.family === undefined ? {} : { family: stack.family };
      const sim = await create(stack.engine, { ...family, ...shared, ...simOnly, ...(app === undefined ? {} : { app: app as BuiltinApp | SimulationHandlers }) });
      cleanups.push(() => {
        try {
          sim.dispose();
        } catch (e) {
          // The test disposed of it itself.
          if (!(e instanceof EdgeloopError && e.code === 'ERR_DISPOSED')) throw e;
        }
      });
      return simRig(stack, sim);
    }
    const threads = stack.threads > 0 ? { threads: stack.threads } : {};
    const { server, port } = await startServer({ port: 0, ...threads, ...shared, ...serverOnly, ...(app === undefined ? {} : { app }) });
    const sockets: net.Socket[] = [];
    cleanups.push(() => {
      for (const s of sockets) s.destroy();
    });
    return serverRig(stack, server, port, sockets);
  }) as OpenRig;
}

// ---- the simulation ----

const utf8 = new TextEncoder();

class SimClient implements Client {
  private pending: Uint8Array[] = [];

  constructor(readonly peer: Peer) {}

  get name(): string {
    return this.peer.name;
  }
  get received(): Uint8Array {
    return this.peer.received;
  }
  get receivedBytes(): number {
    return this.peer.receivedBytes;
  }
  get text(): string {
    return this.peer.text;
  }
  get eof(): boolean {
    return this.peer.eof;
  }
  get error(): unknown {
    return this.peer.error;
  }

  write(data: Uint8Array | string): number | string {
    const bytes = typeof data === 'string' ? utf8.encode(data) : data;
    if (this.pending.length > 0) {
      this.pending.push(bytes);
      return 0;
    }
    const r = this.peer.write(bytes);
    if (r === 'EAGAIN') this.pending.push(bytes);
    else if (typeof r === 'number' && r < bytes.length) this.pending.push(bytes.subarray(r));
    return r;
  }

  /** Offers what the kernel did not take yet. */
  flush(): void {
    while (this.pending.length > 0) {
      const bytes = this.pending[0] as Uint8Array;
      const r = this.peer.write(bytes);
      if (typeof r === 'string') {
        if (r !== 'EAGAIN') this.pending = [];
        return;
      }
      if (r < bytes.length) {
        this.pending[0] = bytes.subarray(r);
        return;
      }
      this.pending.shift();
    }
  }

  end(): void {
    expect(this.peer.shutdown('WR'), `${this.name}: shutdown(WR)`).toBe(0);
  }
  close(): void {
    expect(this.peer.close(), `${this.name}: close`).toBe(0);
  }
  reset(): void {
    // Without unread bytes it would be an orderly close (a FIN), not a reset.
    expect(this.peer.closeWithUnread(), `${this.name}: unread bytes at close`).toBeGreaterThan(0);
  }
  pause(): void {
    this.peer.stopReading();
  }
  resume(): void {
    this.peer.resume();
  }
}

/** Virtual ms a sim rig lets pass after a step that moved nothing (a tenth of TCP's 40 ms delayed-ACK minimum). */
const IDLE_ADVANCE_MS = 4;

function simRig(stack: SimStack, sim: Simulation): SimRig {
  const clients: SimClient[] = [];
  const view = (): ConnectionView[] => sim.snapshot().connections;
  return {
    kind: 'sim',
    stack,
    sim,
    async connect(name, options = {}) {
      const peer = sim.peer(name, options.readPerStep === undefined ? {} : { readPerStep: options.readPerStep });
      expect(peer.connect(), `${name}: connect`).toBe(0);
      const c = new SimClient(peer);
      clients.push(c);
      return c;
    },
    async until(what, cond, limits = {}) {
      const maxSteps = limits.maxSteps ?? 10_000;
      for (let steps = 0; steps < maxSteps; steps++) {
        for (const c of clients) c.flush();
        if (cond()) return { steps, reason: 'until' };
        // A step that moved nothing: virtual time passes, as it would for a
        // real loop blocked in epoll_wait. The simulated TCP delays ACKs
        // (pingpong mode, up to 40 ms) and has probe timers; with the clock
        // frozen, a sender whose window or cwnd waits for such an ACK would
        // wait forever where Linux goes on after the timer.
        if (sim.step().idle) sim.advance(IDLE_ADVANCE_MS);
      }
      for (const c of clients) c.flush();
      const reason = cond() ? 'until' : 'maxSteps';
      expect(reason, `waiting for ${what}`).toBe('until');
      return { steps: maxSteps, reason };
    },
    accepted: () => sim.connections.length,
    openConnections: () => sim.connections.filter((c) => !c.closed).length,
    closeReasons() {
      const out: Record<string, number> = {};
      for (const c of sim.connections) if (c.closed) out[c.closeReason ?? '?'] = (out[c.closeReason ?? '?'] ?? 0) + 1;
      return out;
    },
    connections: view,
    get handlerErrors() {
      return sim.handlerErrors;
    },
    peer(c) {
      if (!(c instanceof SimClient)) throw new Error(`${c.name} is not a sim peer`);
      return c.peer;
    },
  };
}

// ---- the real server ----

class SocketClient implements Client {
  private chunks: Buffer[] = [];
  private all: Buffer | null = null;
  private size = 0;
  private pausedByTest = false;
  eof = false;
  error: unknown = null;

  constructor(
    readonly name: string,
    readonly socket: net.Socket,
    options: ClientOptions,
  ) {
    let sincePause = 0;
    socket.on('data', (d: Buffer) => {
      this.chunks.push(d);
      this.all = null;
      this.size += d.length;
      sincePause += d.length;
      if (options.pauses && sincePause >= options.pauses.every) {
        sincePause = 0;
        socket.pause();
        setTimeout(() => {
          if (!this.pausedByTest) socket.resume();
        }, options.pauses.ms);
      }
    });
    socket.on('end', () => {
      this.eof = true;
    });
    socket.on('error', (e) => {
      this.error = e;
    });
  }

  get received(): Uint8Array {
    if (this.all === null) {
      this.all = Buffer.concat(this.chunks);
      this.chunks = [this.all];
    }
    return this.all;
  }
  get receivedBytes(): number {
    return this.size;
  }
  get text(): string {
    return this.received.toString();
  }

  write(data: Uint8Array | string): number {
    this.socket.write(data);
    return typeof data === 'string' ? Buffer.byteLength(data) : data.length;
  }
  end(): void {
    this.socket.end();
  }
  close(): void {
    this.socket.end();
  }
  reset(): void {
    this.socket.resetAndDestroy();
  }
  pause(): void {
    this.pausedByTest = true;
    this.socket.pause();
  }
  resume(): void {
    this.pausedByTest = false;
    this.socket.resume();
  }
}

function serverRig(stack: ServerStack, server: EdgeloopServer, port: number, sockets: net.Socket[]): ServerRig {
  return {
    kind: 'server',
    stack,
    server,
    port,
    async connect(name, options = {}) {
      const s = await connect(port, { allowHalfOpen: true });
      sockets.push(s);
      return new SocketClient(name, s, options);
    },
    async until(what, cond, limits = {}) {
      await waitFor(what, cond, limits.timeoutMs ?? 5000);
      return null;
    },
    accepted: () => server.stats().connectionsTotal,
    openConnections: () => server.stats().connectionsOpen,
    closeReasons: () => server.stats().closeReasons,
    connections: () => server.snapshot().connections,
    get handlerErrors() {
      return server.handlerErrors;
    },
    socket(c) {
      if (!(c instanceof SocketClient)) throw new Error(`${c.name} is not a real client`);
      return c.socket;
    },
  };
}
