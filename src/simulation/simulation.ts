// Simulation: the reactor (native/reactor) running inside the simulated
// kernel, with scripted peers on the other end of its connections. Each
// step() is one reactor iteration (RunOnce(0)), with its app events: JS
// handlers run inside it, synchronously, where a built-in app's callback
// runs (as on the real server), then one poll of the peers. Everything
// goes into one trace: the reactor's syscalls (actor 'reactor'), the app
// events ('app'), the peers' calls (their names; 'peers' for their shared
// epoll). Same options, script and seed give a byte-identical trace on the
// native and the wasm engine.
import type { RawKernel } from '../backends/raw-kernel.js';
import { RAW_QUEUED, type RawServer } from '../backends/raw-server.js';
import { AppEventDispatcher } from '../app-event-dispatcher.js';
import { Connection, refusedText, type ConnectionOps } from '../connection.js';
import { describeValue, EdgeloopError, invalidArg } from '../errors.js';
import { Kernel } from '../kernel.js';
import type {
  EngineName,
  Family,
  FaultSpec,
  NativeTraceRecord,
  PeerOptions,
  RunOptions,
  RunResult,
  ServerStats,
  SimulationHandlers,
  SimulationEngineName,
  SimulationOptions,
  SimKernelState,
  SimulationSnapshot,
  StepResult,
  Trace,
  VariantName,
} from '../types.js';
import type { EngineLoader, SimEngine } from './engine.js';
import { resolvePeerOptions, resolveSimulationOptions } from './options.js';
import { Peer, type PeerHost } from './peer.js';
import { buildSnapshot, epollStateOf, type HostSnapshot } from './snapshot.js';
import { FAULT_FIELDS, FAULT_NAMES, faultSpecJson, readFaultFields } from './faults.js';
import { OptionChecker } from '../validate.js';
import { isMutant } from '../reactor-options.js';

const RESERVED_ACTORS = ['reactor', 'app', 'peers', 'sim'];
/** errno EINTR (Linux's number, as the bindings report it). */
const EINTR = 4;
const DEFAULT_MAX_STEPS = 10_000;
const MAX_MAX_STEPS = 100_000_000;
/** advance() on engine 'linux' sleeps: at most this long per call. */
const MAX_LINUX_ADVANCE_MS = 5000;

export class Simulation {
  /** Set by each entry point (src/index.ts, src/browser.ts). */
  protected static engines: EngineLoader | undefined = undefined;
  protected static defaultEngine: EngineName = 'wasm';

  readonly engine: SimulationEngineName;
  /** The seed of the simulated kernel (engine 'linux' has none: real Linux is not seeded). */
  readonly seed: number;
  readonly family: Family;
  readonly variant: VariantName;
  /** The server's listening address ('@edgeloop' or '127.0.0.1:PORT'). */
  readonly address: string;
  /** The simulated kernel: peers' calls go through it, and the reactor's are merged into its trace. */
  readonly kernel: Kernel;
  /** Errors thrown by JS handlers, in order; each closed its connection. */
  readonly handlerErrors: Array<{ conn: number; handler: string; error: unknown }> = [];
  /** Steps run so far. */
  steps = 0;

  private readonly raw: RawKernel;
  private readonly epollState: SimEngine['epollState'];
  private readonly server: RawServer;
  private readonly releaseServer: (() => void) | undefined;
  private readonly handlers: SimulationHandlers | null;
  private readonly events: AppEventDispatcher;
  private readonly peerList = new Map<string, Peer>();
  /** Connected peers not yet accepted, oldest first, each with its connect's serial (a reconnect queues the same peer again). */
  private readonly pending: Array<{ peer: Peer; serial: number }> = [];
  private readonly peerHost: PeerHost;
  private readonly watchedPeers = new Map<number, Peer>();
  private peerEp: number | null = null;
  /** App events delivered so far. */
  private appEvents = 0;
  /** App events being delivered (nested: a handler's close() delivers the close). */
  private delivering = 0;
  private disposed = false;
  /** The per-record watch (watchRecords), or null. */
  private watch: { from: number; to: number; fn: (record: number) => void; last: number; looking: boolean } | null = null;

  /**
   * Opens a simulated kernel, starts the reactor on it and returns the
   * simulation. Options are validated first (EdgeloopError naming the field).
   */
  static async create(options: SimulationOptions = {}): Promise<Simulation> {
    const loader = this.engines;
    if (!loader) {
      throw new EdgeloopError('ERR_BACKEND', "Simulation.create(): import Simulation from 'edgeloop' or 'edgeloop/browser'");
    }
    const o = resolveSimulationOptions(options, this.defaultEngine);
    const engine = await loader(o.engine, o.seed);
    const kernel = new Kernel(engine.raw, {
      backend: engine.backend ?? 'sim',
      engine: o.engine === 'linux' ? undefined : o.engine,
      seed: o.seed,
      trace: o.trace,
      release: engine.releaseKernel,
    });
    let made: { server: RawServer; release?: () => void };
    try {
      made = await engine.createServer(o.json);
    } catch (e) {
      kernel.dispose();
      if (isMutant(o.variant)) {
        throw new EdgeloopError(
          'ERR_INVALID_ARG',
          `Simulation.create(): variant '${o.variant}' exists only in the test build with the reactor mutants (bash scripts/build-mutants.sh, then EDGELOOP_ADDON=$PWD/build/mutants/edgeloop.node)`,
          { argument: 'variant', cause: e },
        );
      }
      throw new EdgeloopError('ERR_BACKEND', `Simulation.create(): the reactor could not start: ${(e as Error).message}`, { cause: e });
    }
    return new this(o, engine, kernel, made.server, made.release);
  }

  /** Use Simulation.create(). */
  protected constructor(
    o: ReturnType<typeof resolveSimulationOptions>,
    engine: SimEngine,
    kernel: Kernel,
    server: RawServer,
    releaseServer: (() => void) | undefined,
  ) {
    this.engine = o.engine;
    this.seed = o.seed;
    this.family = o.family;
    this.variant = o.variant;
    this.handlers = o.handlers;
    this.raw = engine.raw;
    this.epollState = engine.epollState;
    this.kernel = kernel;
    this.server = server;
    this.releaseServer = releaseServer;
    this.events = new AppEventDispatcher({
      handlers: this.handlers,
      keepClosed: true,
      accepted: (id, fd) => {
        // The backlog hands connections out in connect order: this is the oldest peer waiting.
        const waiting = this.pending.shift();
        const conn = new Connection(this.ops, id, fd, waiting?.peer.name ?? null);
        // An earlier connection of a peer that has connected again since is not its connection now.
        const current = this.current(waiting);
        if (current) current.connection = conn;
        return conn;
      },
      keepHandlerError: (conn, handler, error) => {
        // The reactor's records up to the throw come before the error's.
        this.flushTrace();
        this.handlerErrors.push({ conn: conn.id, handler, error });
        const message = error instanceof Error ? error.message : describeValue(error);
        this.appRecord('handlerError', conn, { handler, message });
      },
      // Its close event (and onClose) comes from inside this call.
      closeForHandlerError: (conn) => this.call('close', () => this.server.close(conn.id, 'handler-error')),
      // Accepted and closed at once: that peer is never accepted (it reads end
      // of file); the host counts it. Taken off the queue so later peers pair
      // with their own connections.
      dropped: () => {
        const peer = this.current(this.pending.shift());
        if (peer) peer.dropped = true;
      },
      refused: () => {
        const peer = this.current(this.pending.shift());
        if (peer) peer.refused = true;
      },
      // An ECONNABORTED fault: the kernel dequeued and destroyed it before accept returned.
      aborted: () => {
        const peer = this.current(this.pending.shift());
        if (peer) peer.aborted = true;
      },
    });
    this.address = this.call('address', () => server.address());
    this.call('setEventHandler', () => server.setEventHandler((type, id, arg) => this.onEvent(type, id, arg)));
    this.peerHost = {
      kernel,
      family: this.family,
      address: this.address,
      peerEpoll: () => this.peerEpoll(),
      connecting: (peer) => {
        this.pending.push({ peer, serial: peer.connects });
      },
      watch: (peer, on) => {
        if (peer.fd === null) return;
        if (on) this.watchedPeers.set(peer.fd, peer);
        else if (this.watchedPeers.get(peer.fd) === peer) this.watchedPeers.delete(peer.fd);
      },
    };
    this.flushTrace();
  }

  // ---- plumbing ----

  /** The peer of a queued connection, if that connection is still the peer's latest. */
  private current(waiting: { peer: Peer; serial: number } | undefined): Peer | null {
    return waiting && waiting.serial === waiting.peer.connects ? waiting.peer : null;
  }

  private live(method: string): void {
    if (this.disposed) throw new EdgeloopError('ERR_DISPOSED', `${method}(): this simulation was disposed`);
  }

  private call<T>(method: string, fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      throw new EdgeloopError('ERR_BACKEND', `${method}(): the reactor binding failed: ${(e as Error).message}`, { cause: e });
    }
  }

  /** Moves the reactor's new trace records into the kernel's trace. */
  private flushTrace(): void {
    const text = this.call('drainTrace', () => this.server.drainTrace());
    if (text !== '[]') this.kernel.ingestTraceText(text);
    if (this.watch) this.armProbe();
  }

  /**
   * Points the reactor's probe at the watch's next record: with T records
   * in the trace, the probe at the start of a reactor call with p records
   * undrained sees the state after record T + p - 1.
   */
  private armProbe(): void {
    const w = this.watch;
    const next = w ? Math.max(w.from, w.last + 1) : 0;
    const from = w && next <= w.to ? Math.max(0, next - this.kernel.traceLength + 1) : -1;
    this.call('setProbe', () => this.server.setProbe(from));
  }

  /**
   * Before the reactor runs from outside a step (a step, an op on a
   * connection, stopAccepting...): the records made since the last drain
   * (the peers', the script's) have their state now, and the reactor's
   * probe is re-armed for the records that follow. From a handler the
   * reactor is already between two of its calls: nothing to do.
   */
  private moment(): void {
    if (this.watch && this.delivering === 0) this.probe();
  }

  /**
   * A moment between two records: before a call starts or before a record
   * is appended (the reactor's, through its host's probe; the peers' and
   * the script's, through the kernel's), so the state now is the state up
   * to the trace's last record.
   */
  private probe(): void {
    const w = this.watch;
    if (!w || w.looking) return;
    // The reactor's records so far, into the trace (from the reactor's probe: at least one waits).
    this.flushTrace();
    const k = Math.min(this.kernel.traceLength - 1, w.to);
    if (k <= w.last || k < w.from) return;
    w.looking = true;
    try {
      for (let j = Math.max(w.from, w.last + 1); j <= k; j++) {
        w.last = j;
        w.fn(j);
        // `fn` ended or replaced the watch: not another call of it.
        if (this.watch !== w) return;
      }
    } finally {
      w.looking = false;
    }
    if (w.last >= w.to) this.watchRecords(null);
    else this.armProbe();
  }

  private appRecord(call: string, conn: Connection, args: Record<string, unknown>): void {
    const r: NativeTraceRecord = { t: this.kernel.now(), actor: 'app', call, args: { conn: conn.id, ...args } };
    if (!conn.closed) r.fd = conn.fd;
    this.kernel.ingestTrace([r]);
  }

  // ---- peers ----

  /** The peer called `name`, created on first use (options apply then). */
  peer(name: string, options?: PeerOptions): Peer {
    this.live('peer');
    if (typeof name !== 'string' || name === '' || RESERVED_ACTORS.includes(name)) {
      throw invalidArg('peer', 'name', `a non-empty string other than ${RESERVED_ACTORS.map((a) => `'${a}'`).join(', ')}`, name);
    }
    const known = this.peerList.get(name);
    if (known) {
      if (options !== undefined) {
        throw new EdgeloopError('ERR_INVALID_ARG', `peer(): peer ${describeValue(name)} exists; options apply only when it is created`, {
          argument: 'options',
        });
      }
      return known;
    }
    const peer = new Peer(this.peerHost, name, resolvePeerOptions(options));
    this.peerList.set(name, peer);
    return peer;
  }

  get peers(): Peer[] {
    return [...this.peerList.values()];
  }

  /** The peers' shared epoll, made now if no peer made it yet (before a fault lowers RLIMIT_NOFILE, so the peers' own bookkeeping never fails for the fault's sake). */
  peerEpoll(): number {
    if (this.peerEp === null) {
      this.kernel.setActor('peers');
      const ep = this.kernel.epollCreate();
      if (typeof ep === 'string') throw new EdgeloopError('ERR_BACKEND', `peer(): the peers' epoll could not be created: ${ep}`);
      this.peerEp = ep;
    }
    return this.peerEp;
  }

  private pumpPeers(): number {
    if (this.peerEp === null || this.watchedPeers.size === 0) return 0;
    this.kernel.setActor('peers');
    const ready = this.kernel.epollWait(this.peerEp, Math.max(this.watchedPeers.size, 1), 0);
    if (typeof ready === 'string') throw new EdgeloopError('ERR_BACKEND', `step(): the peers' epoll_wait failed: ${ready}`);
    let reads = 0;
    for (const e of ready) reads += this.watchedPeers.get(e.fd)?.pump() ?? 0;
    return reads;
  }

  // ---- connections ----

  /** Every connection accepted so far, by id (closed ones included). */
  get connections(): Connection[] {
    return [...this.events.connections.values()];
  }

  connection(id: number): Connection | undefined {
    return this.events.connections.get(id);
  }

  private readonly ops: ConnectionOps = {
    send: (conn, data) => this.connOp('send', conn, () => this.server.send(conn.id, data)) !== RAW_QUEUED,
    shutdown: (conn) => this.connOp('shutdown', conn, () => this.server.shutdown(conn.id)),
    close: (conn) => this.connOp('close', conn, () => this.server.close(conn.id, 'closed-by-app')),
    writable: (conn) => !this.disposed && this.server.writable(conn.id) === 0,
  };

  private connOp(method: string, conn: Connection, fn: () => number): number {
    this.live(method);
    this.moment();
    const r = this.call(method, fn);
    this.flushTrace();
    const refused = refusedText(conn, r);
    if (refused !== null) throw new EdgeloopError('ERR_CLOSED', `${method}(): ${conn} ${refused}`);
    return r;
  }

  /** Handlers run inside the reactor iteration: stepping or disposing from one is refused. */
  private notFromHandler(method: string): void {
    if (this.delivering > 0) {
      throw new EdgeloopError('ERR_INVALID_ARG', `${method}(): called from a handler, inside the reactor iteration; call it once step() has returned`);
    }
  }

  /**
   * From the binding, synchronously: one app event, inside the reactor
   * iteration (or inside a send/close that closed a connection). Never throws
   * for a handler (the dispatcher catches).
   */
  private onEvent(type: string, id: number, arg?: Uint8Array | number | string): void {
    // The reactor's probe (watchRecords), not an app event: the reactor is between two calls.
    if (type === 'probe') {
      this.probe();
      return;
    }
    this.delivering++;
    try {
      this.appEvents++;
      // The reactor's records so far come before anything the handler causes,
      this.flushTrace();
      this.events.deliver(type, id, arg);
      // and what the handler caused (its sends and closes) before the reactor goes on.
      this.flushTrace();
    } finally {
      this.delivering--;
    }
  }

  // ---- running ----

  /** One reactor iteration (its app events, JS handlers inside it), then the peers' reads. */
  step(): StepResult {
    this.live('step');
    this.notFromHandler('step');
    const before = this.appEvents;
    // Before the reactor's first call: the peers' records since the last step have their state now.
    this.moment();
    const n = this.call('step', () => this.server.runOnce(0));
    this.flushTrace();
    if (this.watch) this.probe();
    // EINTR (a signal during the wait: an injected fault) is a round with no
    // events, as the real server's loop takes it: the next round polls again.
    if (n < 0 && n !== -EINTR) throw new EdgeloopError('ERR_BACKEND', `step(): the reactor's epoll_wait failed: errno ${-n}`);
    const appEvents = this.appEvents - before;
    const peerReads = this.pumpPeers();
    this.steps++;
    const events = Math.max(n, 0);
    const interrupted = n === -EINTR;
    return { reactorEvents: events, peerReads, appEvents, interrupted, idle: !interrupted && events === 0 && appEvents === 0 && peerReads === 0 };
  }

  /** Steps until `until` holds (default: until a step does nothing), at most maxSteps. Never hangs. */
  run(options: RunOptions<this> = {}): RunResult {
    this.live('run');
    this.notFromHandler('run');
    if (typeof options !== 'object' || options === null) throw invalidArg('run', 'options', 'an object { until?, maxSteps? }', options);
    const until = options.until ?? 'idle';
    if (until !== 'idle' && typeof until !== 'function') throw invalidArg('run', 'until', "'idle' or a function (sim) => boolean", until);
    const maxSteps = options.maxSteps ?? DEFAULT_MAX_STEPS;
    if (typeof maxSteps !== 'number' || !Number.isSafeInteger(maxSteps) || maxSteps < 0 || maxSteps > MAX_MAX_STEPS) {
      throw invalidArg('run', 'maxSteps', `an integer from 0 to ${MAX_MAX_STEPS}`, maxSteps);
    }
    for (let steps = 0; steps < maxSteps; steps++) {
      if (typeof until === 'function' && until(this)) return { steps, reason: 'until' };
      const r = this.step();
      if (until === 'idle' && r.idle) return { steps: steps + 1, reason: 'idle' };
    }
    if (typeof until === 'function' && until(this)) return { steps: maxSteps, reason: 'until' };
    return { steps: maxSteps, reason: 'maxSteps' };
  }

  /** Lets virtual time pass (timers: SYN retransmissions). Engine 'linux': sleeps, at most 5000 ms per call. */
  advance(ms: number): void {
    this.live('advance');
    if (this.engine === 'linux' && typeof ms === 'number' && ms > MAX_LINUX_ADVANCE_MS) {
      throw invalidArg('advance', 'ms', `at most ${MAX_LINUX_ADVANCE_MS} on engine 'linux' (it sleeps)`, ms);
    }
    this.kernel.setActor('sim');
    this.kernel.advance(ms);
  }

  // ---- the server's lifecycle (as createServer's close() paces it) ----

  /** Closes the listening socket; open connections carry on, new connects are refused. From a handler too. */
  stopAccepting(): void {
    // Also from a handler (a server that closes on some request): the
    // acceptor stops inside its own accept loop safely, and what was still
    // queued on the listener is reset with it, as Linux does.
    this.live('stopAccepting');
    this.moment();
    this.call('stopAccepting', () => this.server.stopAccepting());
    if (this.delivering === 0) this.flushTrace();
  }

  /** shutdown() on every open connection: SHUT_WR once its output has drained. Not from a handler. */
  shutdownAll(): void {
    this.serverOp('shutdownAll', () => this.server.shutdownAll());
  }

  /**
   * A graceful close's look, as createServer's close() makes one every 10 ms:
   * each connection whose reactor loop has seen no read for `quietMs` of
   * virtual time since the first look, with nothing unread in its socket
   * (SIOCINQ, in the trace) and nothing left to send, is shut down (SHUT_WR).
   * Not from a handler.
   */
  shutdownQuiet(quietMs: number): void {
    if (!Number.isInteger(quietMs) || quietMs < 0 || quietMs > 2 ** 31 - 1) {
      throw invalidArg('shutdownQuiet', 'quietMs', 'an integer from 0 to 2147483647', quietMs);
    }
    this.serverOp('shutdownQuiet', () => this.server.shutdownQuiet(quietMs));
  }

  /** Closes every open connection now; `reason` is reported to onClose and in the trace. Not from a handler. */
  closeAll(reason = 'server-stopped'): void {
    if (typeof reason !== 'string' || reason === '') throw invalidArg('closeAll', 'reason', 'a non-empty string', reason);
    this.serverOp('closeAll', () => this.server.closeAll(reason, false));
  }

  /** The server's counters, as createServer's stats() reports them. */
  stats(): ServerStats {
    this.live('stats');
    const raw = JSON.parse(this.call('stats', () => this.server.stats())) as Omit<ServerStats, 'handlerErrors'>;
    return { ...raw, handlerErrors: this.handlerErrors.length };
  }

  private serverOp(method: string, fn: () => void): void {
    this.live(method);
    this.notFromHandler(method);
    this.moment();
    this.call(method, fn);
    this.flushTrace();
  }

  // ---- faults ----

  /**
   * Arms a fault in the reactor's own syscalls (the peers' are never
   * touched): the next `count` epoll_waits fail EINTR, accepts fail, writes
   * on a connection come up short, epoll reports a connection ready though
   * nothing is, RLIMIT_NOFILE goes down, the delayed ACK moves. Each hit is
   * a 'sim' 'fault' record in the trace. Simulated engines only.
   */
  injectFault(spec: FaultSpec): void {
    this.live('injectFault');
    const c = new OptionChecker('injectFault()');
    const o = c.object(spec, [], ['fault', 'conn', 'count', 'errno', 'maxBytes', 'events', 'limit', 'ms'], ['fault'], 'a fault { fault, ... }');
    const name = c.oneOf(o.fault, ['fault'], FAULT_NAMES);
    const fields = FAULT_FIELDS[name];
    c.object(o, [], ['fault', ...(fields.target ? ['conn'] : []), ...fields.required, ...fields.optional], fields.target ? ['conn'] : []);
    const f = readFaultFields(c, o, [], name) as Omit<FaultSpec, 'conn'>;
    let fd: number | null = null;
    if (fields.target) {
      const conn = this.events.connections.get(c.int(o.conn, ['conn'], 0, Number.MAX_SAFE_INTEGER));
      if (!conn || conn.closed) throw invalidArg('injectFault', 'conn', 'the id of an open connection', o.conn);
      fd = conn.fd;
    }
    this.armFault(f, fd);
  }

  /** Arms a checked fault (`fd`: its connection's, for the targeted ones). */
  armFault(f: Omit<FaultSpec, 'conn'>, fd: number | null): void {
    if (this.engine === 'linux') {
      throw new EdgeloopError('ERR_BACKEND', `injectFault(): faults are injected by the simulated kernel; engine 'linux' cannot (${f.fault})`);
    }
    // The peers' own epoll is made before the limit drops: the peers' bookkeeping never fails for the fault's sake.
    if (f.fault === 'nofile') this.peerEpoll();
    this.call('injectFault', () => this.server.injectFault(faultSpecJson(f, fd)));
    if (this.delivering === 0) this.flushTrace();
  }

  // ---- observing ----

  /**
   * Calls `fn(k)` once for each trace record k in [from, to] that the run
   * makes from now on, in order, with the simulation in the state up to
   * record k: the state at the next moment anything else is recorded or
   * called (before the next record is appended, or the next call, the
   * reactor's or a peer's, starts), so the reactor is done with record k's
   * result (a write's bytes are out of send_buf_) and with what it did
   * before the next record: an app's send() that only queues (EPOLLOUT
   * already on) makes no record, and shows in the state of the record
   * before it. A step's end is such a moment too. `fn` must only look
   * (snapshot(), kernel.inspect()): a call it makes would land in the
   * trace. Once record `to` is reached, or with null, the watch ends.
   * Records made before the watch (the reactor's setup, in create()) are
   * not called, but for the last: its state is the state now. Needs the
   * trace (`trace: false` has no records to watch: refused).
   */
  watchRecords(range: { from: number; to: number } | null, fn?: (record: number) => void): void {
    this.live('watchRecords');
    if (range === null) {
      this.watch = null;
      this.kernel.setProbe(null);
      this.call('setProbe', () => this.server.setProbe(-1));
      return;
    }
    if (typeof range !== 'object') throw invalidArg('watchRecords', 'range', 'an object { from, to } or null', range);
    for (const key of ['from', 'to'] as const) {
      const v = range[key];
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw invalidArg('watchRecords', `range.${key}`, 'a non-negative integer', v);
    }
    if (range.to < range.from) throw invalidArg('watchRecords', 'range.to', `at least range.from (${range.from})`, range.to);
    if (typeof fn !== 'function') throw invalidArg('watchRecords', 'fn', 'a function', fn);
    if (!this.kernel.tracing) throw invalidArg('watchRecords', 'range', 'null on a simulation made with trace: false (it has no records to watch)', range);
    // Records made before now had their moments unwatched; the last of them has its state now.
    this.watch = { from: range.from, to: range.to, fn, last: this.kernel.traceLength - 2, looking: false };
    this.kernel.setProbe(() => this.probe());
    if (this.delivering === 0) this.probe();
    if (this.watch) this.armProbe();
  }

  /** The reactor's own state (no kernel view): cheaper than snapshot(), for per-step checks. */
  hostState(): HostSnapshot {
    this.live('hostState');
    return JSON.parse(this.call('snapshot', () => this.server.snapshot())) as HostSnapshot;
  }

  /**
   * `kernelState`: the simulated kernel's inspect() taken at this moment, by
   * a caller that needs it too (the playground's per-step frames): the
   * epoll's lists are read from it instead of a second inspect().
   */
  snapshot(kernelState?: SimKernelState | null): SimulationSnapshot {
    this.live('snapshot');
    const host = this.hostState();
    const given = kernelState && this.engine !== 'linux' ? kernelState : null;
    return buildSnapshot({
      host,
      kernel: this.kernel,
      raw: this.raw,
      conns: this.events.connections,
      peers: this.peerList,
      ...(given ? { epollState: (ep: number) => epollStateOf(given, ep), kernelState: given } : this.epollState ? { epollState: this.epollState } : {}),
    });
  }

  /** The peers' shared epoll, once a peer made it. */
  peerEpollFd(): number | null {
    return this.peerEp;
  }

  /** Every fd open in the simulated kernel (the reactor's and the peers': one process); [] on engine 'linux'. */
  openFds(): number[] {
    this.live('openFds');
    if (this.engine === 'linux') return [];
    const state = JSON.parse(this.raw.inspect()) as { fds?: Array<{ fd: number }> };
    return (state.fds ?? []).map((f) => f.fd);
  }

  get trace(): Trace {
    return this.kernel.trace;
  }

  traceJsonl(): string {
    return this.kernel.traceJsonl();
  }

  /** Records in the trace so far, counted without making them. */
  get traceLength(): number {
    return this.kernel.traceLength;
  }

  /** Stops the reactor and frees the kernel. The trace stays readable. */
  dispose(): void {
    this.live('dispose');
    this.notFromHandler('dispose');
    // The watch's last records have their state now, before anything is closed; then it ends.
    if (this.watch) {
      this.probe();
      if (this.watch) this.watchRecords(null);
    }
    this.disposed = true;
    try {
      this.call('dispose', () => this.server.dispose());
    } finally {
      if (this.releaseServer) this.call('dispose', this.releaseServer);
      this.kernel.dispose();
    }
  }
}
