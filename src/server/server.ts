// createServer(): the reactor as a real server on Linux, driven from Node's
// own event loop. The addon's Server (the reactor's one host, on a LinuxKernel
// of its own) listens in C++; its main reactor's
// epoll fd is watched by libuv, so JS handlers run on Node's thread between
// other callbacks (never blocking it), while built-in apps may run on
// sub-reactor threads. This class adds what JS needs on top: validated
// options, connection objects, handler errors, a graceful close, the trace
// file, the live view and typed errors.
import { eventNames, isErrno } from '../constants.js';
import { describeValue, EdgeloopError, ErrnoError } from '../errors.js';
import { AppEventDispatcher } from '../app-event-dispatcher.js';
import { closedText, Connection, refusedText, type ConnectionOps } from '../connection.js';
import { hostConfigJson } from '../reactor-options.js';
import type {
  CloseOptions,
  HandlerError,
  ServerAddressInfo,
  ServerConnection,
  ServerOptions,
  ServerSnapshot,
  ServerStats,
} from '../types.js';
import { INT32_MAX, OptionChecker } from '../validate.js';
import { resolveServerOptions, type ResolvedServerOptions } from './options.js';
import { createRealServer, loadAddon } from '../backends/native.js';
import { RAW_QUEUED, type RawServer } from '../backends/raw-server.js';
import { TraceFile } from './trace-file.js';
import { LiveView, liveOptionsSummary } from './live-view.js';
import type { ResolvedLiveOptions } from './options.js';
import { ServerTrace } from './server-trace.js';

/** How often the trace is moved from the addon to the file and the live view. */
const TRACE_DRAIN_MS = 50;
/** How often close() looks whether the connections are done. */
const CLOSE_POLL_MS = 10;
const DEFAULT_CLOSE_TIMEOUT_MS = 5000;
/** close(): how long a connection must read nothing before it is shut down (CloseOptions.quietMs). */
const DEFAULT_CLOSE_QUIET_MS = 200;
/** handlerErrors keeps the first ones; stats().handlerErrors counts them all. */
const MAX_KEPT_ERRORS = 100;

type RawStats = Omit<ServerStats, 'handlerErrors'>;
type RawSnapshot = Omit<ServerSnapshot, 'connections'> & {
  connections: Array<Omit<ServerSnapshot['connections'][number], 'mask' | 'interest'> & { interest: number }>;
};

/**
 * listen() failed in the kernel. As Node's own listen errors: `code` and
 * `errno` are the errno name (`err.code === 'EADDRINUSE'`), `syscall` the
 * call ('bind'); `argument` the option at fault ('port', 'host', 'live.port').
 */
export class ServerListenError extends ErrnoError {
  constructor(message: string, errno: string, syscall: string, argument: string, cause: unknown) {
    super(isErrno(errno) ? errno : 'EINVAL', syscall, message, { argument, cause });
    this.name = 'ServerListenError';
  }
}

/** What a failed bind's errno says about the address, for the message. */
function bindHint(errno: string, host: string, port: number): string {
  switch (errno) {
    case 'EADDRNOTAVAIL':
      return ` (${host} is not an address of this host)`;
    case 'EAFNOSUPPORT':
      return ' (this host has no IPv6)';
    case 'EACCES':
      return port > 0 && port < 1024 ? ' (ports below 1024 need CAP_NET_BIND_SERVICE)' : '';
    default:
      return '';
  }
}

function listenError(e: unknown, o: ResolvedServerOptions): EdgeloopError {
  const address = o.address;
  const message = e instanceof Error ? e.message : describeValue(e);
  // The host throws "bind 127.0.0.1:9000: EADDRINUSE", "bind [::1]:9000: EADDRNOTAVAIL",
  // "setsockopt SO_REUSEPORT: EOPNOTSUPP", "listen: E13", ...
  const m = /^(\w+)\b.*: (E[A-Z0-9]+)$/.exec(message);
  if (!m) return new EdgeloopError('ERR_BACKEND', `listen(): the server could not start on ${address}: ${message}`, { cause: e });
  const [, syscall = '', errno = ''] = m;
  if (errno === 'EADDRINUSE') {
    const hint = o.doc.reusePort ? ' (with reusePort, every server on the port must set it, as the same user)' : '';
    return new ServerListenError(`listen(): ${address} is already in use (EADDRINUSE)${hint}`, errno, syscall, 'port', e);
  }
  const argument = errno === 'EADDRNOTAVAIL' || errno === 'EAFNOSUPPORT' ? 'host' : 'port';
  const hint = syscall === 'bind' ? bindHint(errno, o.host, o.port) : '';
  return new ServerListenError(`listen(): cannot listen on ${address}: ${syscall} failed with ${errno}${hint}`, errno, syscall, argument, e);
}

function emptyStats(): ServerStats {
  return {
    accepting: false,
    connectionsOpen: 0,
    connectionsTotal: 0,
    refused: 0,
    dropped: 0,
    aborted: 0,
    bytesIn: 0,
    bytesOut: 0,
    epollWaits: 0,
    wakeups: 0,
    highWaterEvents: 0,
    peakSendBuffer: 0,
    perLoop: [],
    closeReasons: {},
    memory: { budget: 0, pauseAt: 0, bufferedOutput: 0, peakBufferedOutput: 0, pausedByBudget: 0, resetByBudget: 0 },
    handlerErrors: 0,
    liveClients: 0,
    liveDropped: 0,
    liveBuffered: 0,
  };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A real server (see createServer). */
export class EdgeloopServer {
  /** Errors thrown by JS handlers (the first 100), in order; each closed its connection. */
  readonly handlerErrors: HandlerError[] = [];
  private readonly o: ResolvedServerOptions;
  private raw: RawServer | null = null;
  private state: 'idle' | 'listening' | 'closing' | 'closed' = 'idle';
  private bound: ServerAddressInfo | null = null;
  private traceFile: TraceFile | null = null;
  /** Names and numbers the drained records, for the trace file and the live view. */
  private trace: ServerTrace | null = null;
  private live: LiveView | null = null;
  private listenedAt = 0;
  private traceTimer: ReturnType<typeof setInterval> | null = null;
  private readonly events: AppEventDispatcher;
  private handlerErrorCount = 0;
  private closing: Promise<void> | null = null;
  private lastStats: ServerStats | null = null;

  constructor(options: ResolvedServerOptions) {
    this.o = options;
    this.events = new AppEventDispatcher({
      handlers: options.handlers,
      keepClosed: false,
      // No peer names: a real server does not know who is on the other end.
      accepted: (id, fd) => new Connection(this.ops, id, fd, null),
      keepHandlerError: (conn, handler, error) => {
        this.handlerErrorCount++;
        if (this.handlerErrors.length < MAX_KEPT_ERRORS) this.handlerErrors.push({ conn: conn.id, handler, error });
      },
      closeForHandlerError: (conn) => {
        if (!this.raw) return;
        // The close event comes inside this call (the connection is on Node's
        // loop); marking it here as well keeps it closed if the event cannot be
        // delivered (the handlers were switched off during a dispose).
        this.raw.close(conn.id, 'handler-error');
        conn.markClosed('handler-error');
      },
    });
  }

  /**
   * Why the trace file stopped being written (ENOSPC, EIO: its first write
   * error), or null while it is fine or there is none. The server goes on;
   * the file ends where the error happened.
   */
  get traceError(): Error | null {
    return this.traceFile?.error ?? null;
  }

  /** True from a successful listen() until close() begins. */
  get listening(): boolean {
    return this.state === 'listening';
  }

  /** The open connections (JS handlers only; built-in apps keep theirs in C++). */
  get connections(): ServerConnection[] {
    return [...this.events.connections.values()];
  }

  /**
   * Binds and listens. Resolves with the address once connections are
   * accepted; rejects with ServerListenError (code and errno 'EADDRINUSE'
   * when the port is taken, as Node's listen errors; argument 'live.port' when
   * it is the live view's), ERR_LISTEN when it is listening already or was
   * closed, or ERR_INVALID_ARG for a trace path that cannot be opened.
   */
  listen(): Promise<ServerAddressInfo> {
    if (this.o.live) return this.listenWithLive(this.o.live);
    try {
      return Promise.resolve(this.listenNow());
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * The live view's WebSocket server is bound first (it is the one that can
   * fail asynchronously), then the reactor's listener as without it; a
   * failure of either lets the other go.
   */
  private async listenWithLive(o: ResolvedLiveOptions): Promise<ServerAddressInfo> {
    if (this.state !== 'idle' || this.live) {
      throw new EdgeloopError('ERR_LISTEN', `listen(): the server ${this.state === 'closed' ? 'was closed' : 'is already listening'}`);
    }
    const live = (this.live = new LiveView(o));
    try {
      await live.listen();
    } catch (e) {
      this.live = null;
      const errno = (e as { code?: unknown }).code;
      const where = `${o.host.includes(':') ? `[${o.host}]` : o.host}:${o.port}`;
      const why = typeof errno === 'string' ? `${errno}${errno === 'EADDRINUSE' ? ' (give another live port, or 0 for a free one)' : ''}` : (e as Error).message;
      throw new ServerListenError(`listen(): the live view cannot listen on ${where}: ${why}`, typeof errno === 'string' ? errno : 'EINVAL', 'listen', 'live.port', e);
    }
    try {
      return this.listenNow();
    } catch (e) {
      this.live = null;
      await live.close(null);
      throw e;
    }
  }

  private listenNow(): ServerAddressInfo {
    if (this.state !== 'idle') {
      throw new EdgeloopError('ERR_LISTEN', `listen(): the server ${this.state === 'listening' ? 'is already listening' : 'was closed'}`);
    }
    const serverTrace = this.o.trace !== null || this.live ? new ServerTrace() : null;
    const trace = this.o.trace !== null ? new TraceFile(this.o.trace, (serverTrace as ServerTrace).header) : null;
    // The live view streams the trace: the reactor records it with or without a file.
    const doc = hostConfigJson({ ...this.o.doc, trace: serverTrace !== null, threads: this.o.threads });
    // From the addon, synchronously inside the reactor iteration (on Node's thread).
    const onEvent = this.o.handlers
      ? (type: string, conn: number, arg?: Uint8Array | number | string) => this.events.deliver(type, conn, arg)
      : null;
    // A missing or broken addon is its own error (ERR_BACKEND), not a failed listen.
    loadAddon();
    let raw: RawServer;
    try {
      raw = createRealServer(doc);
    } catch (e) {
      void trace?.end();
      throw listenError(e, this.o);
    }
    if (onEvent) {
      try {
        // Without an onWriteComplete handler the reactor need not report it (one call into JS per send saved).
        raw.setEventHandler(onEvent, typeof this.o.handlers?.onWriteComplete === 'function');
      } catch (e) {
        // Listening already: let the port go rather than leave a server nobody can close.
        raw.dispose();
        void trace?.end();
        throw new EdgeloopError('ERR_BACKEND', `listen(): the server's handlers could not be installed: ${(e as Error).message}`, { cause: e });
      }
    }
    this.raw = raw;
    this.state = 'listening';
    const address = raw.address();
    const port = Number(address.slice(address.lastIndexOf(':') + 1));
    this.bound = { host: this.o.host, port, address };
    this.listenedAt = performance.now();
    this.trace = serverTrace;
    this.traceFile = trace;
    if (this.live) this.attachLive(this.live, this.bound);
    if (serverTrace) {
      this.traceTimer = setInterval(() => this.flushTrace(), TRACE_DRAIN_MS);
      this.traceTimer.unref();
    }
    return { ...this.bound };
  }

  /** The bound address (port resolved when 0 was asked for), or null before listen(). */
  address(): ServerAddressInfo | null {
    return this.bound ? { ...this.bound } : null;
  }

  /**
   * Graceful close: stops accepting, shuts down every connection once its
   * output has drained (SHUT_WR), waits for them to close (their peers see
   * end of file and close) for at most `timeoutMs`, closes what is left
   * (reason 'server-stopped'), then frees everything and ends the trace file.
   * Idempotent: every call returns the same promise.
   */
  close(options: CloseOptions = {}): Promise<void> {
    if (this.closing) return this.closing;
    let timeoutMs = DEFAULT_CLOSE_TIMEOUT_MS;
    let quietMs = DEFAULT_CLOSE_QUIET_MS;
    try {
      const c: OptionChecker = new OptionChecker('close()');
      if (typeof options !== 'object' || options === null) c.invalid([], 'an object { timeoutMs?, quietMs? }', options);
      if (options.timeoutMs !== undefined) timeoutMs = c.int(options.timeoutMs, ['timeoutMs'], 0, INT32_MAX, `an integer from 0 to ${INT32_MAX}`);
      if (options.quietMs !== undefined) quietMs = c.int(options.quietMs, ['quietMs'], 0, INT32_MAX, `an integer from 0 to ${INT32_MAX}`);
    } catch (e) {
      return Promise.reject(e);
    }
    this.closing = this.state === 'idle' ? Promise.resolve() : this.closeNow(timeoutMs, quietMs);
    if (this.state === 'idle') this.state = 'closed';
    return this.closing;
  }

  private async closeNow(timeoutMs: number, quietMs: number): Promise<void> {
    const raw = this.raw as RawServer;
    const deadline = Date.now() + timeoutMs;
    this.state = 'closing';
    // close() may be called from a handler, inside the reactor iteration: the
    // listener and the connections are let go of from a fresh turn of the loop.
    await new Promise<void>((resolve) => setImmediate(resolve));
    try {
      raw.stopAccepting();
      // Connections go on (their handlers' sends are taken) until each has
      // been quiet for quietMs with nothing left to send; then SHUT_WR, and
      // it closes when its peer closes. Each look is judged by the
      // connection's own loop, on its clock (TcpConnection::ShutdownIfQuiet):
      // this loop's pace, or a stall of Node's thread, cannot make a peer
      // still talking look quiet. The first look starts the quiet period.
      if (quietMs === 0) raw.shutdownAll();
      for (;;) {
        const now = Date.now();
        if (this.rawStats(raw).connectionsOpen === 0 || now >= deadline) break;
        if (quietMs > 0) raw.shutdownQuiet(quietMs);
        await sleep(Math.min(CLOSE_POLL_MS, deadline - now));
      }
      // The deadline: what still holds output is reset, so its peer knows it was cut short.
      if (this.rawStats(raw).connectionsOpen > 0) raw.closeAll('server-stopped', true);
      // One turn of Node's loop: the addon delivers the last close events.
      await new Promise<void>((resolve) => setImmediate(resolve));
      this.lastStats = this.stats();
      this.flushTrace();
    } finally {
      await this.live?.close(this.lastStats);
      if (this.traceTimer) clearInterval(this.traceTimer);
      this.traceTimer = null;
      this.raw = null;
      this.state = 'closed';
      raw.dispose();
      for (const conn of this.events.connections.values()) if (!conn.closed) conn.markClosed('server-stopped');
      this.events.connections.clear();
      await this.traceFile?.end();
    }
  }

  private rawStats(raw: RawServer): RawStats {
    return JSON.parse(raw.stats()) as RawStats;
  }

  /** Counters (every reactor's). After close(), the last ones. */
  stats(): ServerStats {
    const live = this.live?.stats();
    if (!this.raw) return this.lastStats ? { ...this.lastStats, ...live } : emptyStats();
    return { ...this.rawStats(this.raw), handlerErrors: this.handlerErrorCount, liveClients: 0, liveDropped: 0, liveBuffered: 0, ...live };
  }

  /**
   * The reactor's state now: every open connection with its buffers and
   * interest, gathered from the reactor that owns it (with threads, each
   * sub-reactor answers for its own; a brief wait on Node's thread).
   */
  snapshot(): ServerSnapshot {
    if (!this.raw) throw new EdgeloopError('ERR_CLOSED', `snapshot(): the server is ${this.state === 'idle' ? 'not listening' : 'closed'}`);
    const s = JSON.parse(this.raw.snapshot()) as RawSnapshot;
    return {
      ...s,
      connections: s.connections.map((c) => ({ ...c, interest: eventNames(c.interest >>> 0), mask: c.interest >>> 0 })),
    };
  }

  private flushTrace(): void {
    if (!this.raw || !this.trace) return;
    const batch = this.trace.ingest(this.raw.drainTrace());
    this.traceFile?.write(batch);
    this.live?.records(batch);
  }

  private attachLive(live: LiveView, bound: ServerAddressInfo): void {
    bound.live = live.address ?? undefined;
    live.attach({
      server: { ...bound },
      options: liveOptionsSummary(this.o),
      threads: this.o.threads,
      trace: this.trace as ServerTrace,
      drainMs: TRACE_DRAIN_MS,
      flush: () => this.flushTrace(),
      snapshot: () => (this.raw && this.state !== 'closed' ? this.snapshot() : null),
      stats: () => this.stats(),
      now: () => Math.round((performance.now() - this.listenedAt) * 1000) / 1000,
    });
  }

  // ---- JS handlers ----

  private readonly ops: ConnectionOps = {
    send: (conn, data) => this.connOp('send', conn, (raw) => raw.send(conn.id, data)) !== RAW_QUEUED,
    shutdown: (conn) => this.connOp('shutdown', conn, (raw) => raw.shutdown(conn.id)),
    close: (conn) => this.connOp('close', conn, (raw) => raw.close(conn.id, 'closed-by-app')),
    writable: (conn) => this.raw !== null && this.raw.writable(conn.id) === 0,
  };

  private connOp(method: string, conn: Connection, fn: (raw: RawServer) => number): number {
    const closed = (why: string) => new EdgeloopError('ERR_CLOSED', `${method}(): ${conn} ${why}`, { argument: 'conn' });
    if (conn.closed) throw closed(closedText(conn));
    if (!this.raw) throw closed('is closed (the server is closed)');
    const r = fn(this.raw);
    const refused = refusedText(conn, r);
    if (refused !== null) throw closed(refused);
    // Closed now in C++; its close event (and onClose) came inside the call.
    // Marked here too, as above, for a close whose event was not delivered.
    if (method === 'close') conn.markClosed('closed-by-app');
    return r;
  }
}

/**
 * A real server on Linux (Node only): the reactor on real sockets, JS
 * handlers on Node's own loop, built-in apps optionally on sub-reactor
 * threads. Throws EdgeloopError (ERR_INVALID_ARG, naming the field) for bad
 * options; listen() starts it.
 *
 *   const server = createServer({ port: 9000, app: 'echo', threads: 2 });
 *   await server.listen();
 */
export function createServer(options: ServerOptions): EdgeloopServer {
  return new EdgeloopServer(resolveServerOptions(options));
}
