// The real server's live view: its trace records, connections and epoll
// interest lists streamed to viewers (the playground) over a WebSocket (the
// `ws` package), as the reactor makes them. The protocol is typed in
// src/types.ts (LiveMessage) and described in docs/live-view.md.
//
// What it promises the server: it never holds it up and never grows with a
// slow viewer. Records are sent as the server drains them (every 50 ms),
// built into one text shared by every viewer; a viewer with more than
// maxBufferedBytes queued (ws's bufferedAmount: its socket's buffer and
// ws's own) gets nothing more until it is down to half of that, and then a
// `gap` saying what it missed and a fresh snapshot to go on from. So each
// viewer costs at most maxBufferedBytes plus one message, and at most
// LIVE_MAX_CLIENTS are attached. It listens on loopback only (checked in
// options.ts) and accepts a browser only from a page served from loopback:
// a WebSocket is not bound by the same-origin policy, and without the check
// any web site open in the user's browser could watch the server.
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer } from 'node:http';

import { WebSocket, WebSocketServer } from 'ws';

import { isIpv4 } from '../address.js';
import {
  DEFAULT_HIGH_WATER_MARK,
  DEFAULT_HIGH_WATER_POLICY,
  DEFAULT_TRIGGER,
  DEFAULT_VARIANT,
} from '../reactor-options.js';
import type {
  LiveAddressInfo,
  LiveConnection,
  LiveGap,
  LiveHello,
  LiveOptionsSummary,
  LiveSnapshot,
  ServerAddressInfo,
  ServerSnapshot,
  ServerStats,
  TraceRecord,
} from '../types.js';
import { packageVersion } from '../version.js';
import { EpollInterest } from './epoll-interest.js';
import type { ResolvedLiveOptions, ResolvedServerOptions } from './options.js';
import type { ServerTrace, TraceBatch } from './server-trace.js';

/** Viewers attached at once; one more is closed with CLOSE_TRY_LATER. */
export const LIVE_MAX_CLIENTS = 8;
/** How often viewers get a snapshot and the counters. */
export const LIVE_SNAPSHOT_MS = 250;
/** A drain's records go out in messages of at most this many (so one message stays well under a MiB). */
export const LIVE_MAX_RECORDS_PER_MESSAGE = 2000;
/** A snapshot holds at most this many connections (the busiest). */
export const LIVE_MAX_SNAPSHOT_CONNECTIONS = 1000;
/** 1013 Try Again Later: the viewer limit. */
export const CLOSE_TRY_LATER = 1013;
/** 1001 Going Away: the server closes. */
export const CLOSE_GOING_AWAY = 1001;
/** How long close() lets viewers answer the close handshake before cutting them off. */
const BYE_GRACE_MS = 250;
/** A viewer sends nothing: anything bigger than this from one is a protocol error (ws closes it). */
const MAX_INCOMING = 1024;

/** What the live view needs from its server (server.ts gives it at listen). */
export interface LiveSource {
  server: ServerAddressInfo;
  options: LiveOptionsSummary;
  threads: number;
  trace: ServerTrace;
  /** How often the server drains the trace (ms). */
  drainMs: number;
  /** Moves what the reactor recorded to the consumers now (records() is called back with it). */
  flush(): void;
  /** The server's snapshot, or null once it is closing down. */
  snapshot(): ServerSnapshot | null;
  stats(): ServerStats;
  /** ms since listen (the trace's clock). */
  now(): number;
}

interface Viewer {
  ws: WebSocket;
  /** Over the limit: records are counted, not sent, until it catches up. */
  behind: boolean;
  dropped: number;
  from: number;
  to: number;
}

/** The options summary a hello carries: what the server runs, defaults filled in. */
export function liveOptionsSummary(o: ResolvedServerOptions): LiveOptionsSummary {
  const s: LiveOptionsSummary = {
    app: o.app,
    variant: o.doc.variant ?? DEFAULT_VARIANT,
    trigger: o.doc.trigger ?? DEFAULT_TRIGGER,
    highWaterMark: o.doc.highWaterMark ?? DEFAULT_HIGH_WATER_MARK,
    highWaterPolicy: o.doc.highWaterPolicy ?? DEFAULT_HIGH_WATER_POLICY,
    maxConnections: o.doc.maxConnections ?? 0,
    memoryBudget: o.doc.memoryBudget ?? 0,
    reusePort: o.doc.reusePort === true,
    threads: o.threads,
  };
  if (o.doc.bulkBytes !== undefined) s.bulkBytes = o.doc.bulkBytes;
  return s;
}

/** A browser's page must come from this machine (see the top of the file); other clients send no Origin. */
function loopbackOrigin(origin: string | undefined): boolean {
  if (origin === undefined || origin === '') return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  const host = url.hostname;
  return host === 'localhost' || host === '[::1]' || (isIpv4(host) && host.startsWith('127.'));
}

let version: string | null = null;

/** edgeloop's version for the hello (read once; 'unknown' if package.json cannot be read, which must not refuse a viewer). */
function edgeloopVersion(): string {
  if (version === null) {
    try {
      version = packageVersion();
    } catch {
      version = 'unknown';
    }
  }
  return version;
}

export class LiveView {
  private http: HttpServer | null = null;
  private wss: WebSocketServer | null = null;
  private source: LiveSource | null = null;
  private readonly viewers = new Set<Viewer>();
  private readonly interest = new EpollInterest();
  private timer: ReturnType<typeof setInterval> | null = null;
  private bound: LiveAddressInfo | null = null;
  private droppedTotal = 0;
  private closing: Promise<void> | null = null;

  constructor(private readonly o: ResolvedLiveOptions) {}

  /** Where it listens (after listen()). */
  get address(): LiveAddressInfo | null {
    return this.bound ? { ...this.bound } : null;
  }

  /**
   * Binds the WebSocket server (on an HTTP server of its own, so that close()
   * can end every connection, upgraded or not). Rejects with the bind error
   * (its `code`: 'EADDRINUSE'...).
   */
  listen(): Promise<LiveAddressInfo> {
    // A plain HTTP request (a browser pointed at ws:// as http://) is told what this is.
    const http = createHttpServer((_req, res) => {
      res.writeHead(426, { 'content-type': 'text/plain; charset=utf-8', upgrade: 'websocket' });
      res.end('edgeloop live view: a WebSocket endpoint; attach from the playground (docs/live-view.md)\n');
    });
    const wss = new WebSocketServer({
      noServer: true,
      maxPayload: MAX_INCOMING,
      perMessageDeflate: false,
      verifyClient: (info: { origin: string; req: IncomingMessage }, done: (ok: boolean, code?: number, message?: string) => void) => {
        if (loopbackOrigin(info.origin || info.req.headers.origin)) done(true);
        else done(false, 403, 'the live view takes pages served from this machine only');
      },
    });
    http.on('upgrade', (req, socket, head) => {
      socket.on('error', () => undefined);
      wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws));
    });
    return new Promise((resolve, reject) => {
      http.once('error', reject);
      http.listen(this.o.port, this.o.host, () => {
        http.off('error', reject);
        // Errors after listening are a client's: they must not take the server down.
        http.on('error', () => undefined);
        wss.on('error', () => undefined);
        const a = http.address();
        const port = typeof a === 'object' && a !== null ? a.port : this.o.port;
        const hostInUrl = this.o.host.includes(':') ? `[${this.o.host}]` : this.o.host;
        this.bound = { host: this.o.host, port, url: `ws://${hostInUrl}:${port}` };
        this.http = http;
        this.wss = wss;
        resolve({ ...this.bound });
      });
    });
  }

  /** The server is listening: viewers are served from now on. */
  attach(source: LiveSource): void {
    this.source = source;
    this.timer = setInterval(() => this.tick(), LIVE_SNAPSHOT_MS);
    this.timer.unref();
  }

  /** Counters for the server's stats(). */
  stats(): { liveClients: number; liveDropped: number; liveBuffered: number } {
    let buffered = 0;
    for (const v of this.viewers) buffered += v.ws.bufferedAmount;
    return { liveClients: this.viewers.size, liveDropped: this.droppedTotal, liveBuffered: buffered };
  }

  /** Every drain of the server's trace comes here, viewers or not: the interest lists must see every record. */
  records(batch: TraceBatch): void {
    const records = batch.records;
    if (records.length === 0) return;
    if (this.viewers.size > 0) {
      // A viewer that caught up resumes at this batch, after a gap and a snapshot
      // of the lists before it (they are applied below, once sent).
      let snapshot: string | null | undefined;
      for (const v of this.viewers) {
        if (v.behind && this.caughtUp(v)) {
          snapshot ??= this.snapshotText();
          this.resume(v, snapshot);
        }
      }
      const lines = batch.linesWithSiteText;
      for (let i = 0; i < lines.length; i += LIVE_MAX_RECORDS_PER_MESSAGE) {
        const end = Math.min(lines.length, i + LIVE_MAX_RECORDS_PER_MESSAGE);
        const text = `{"type":"records","records":[${lines.slice(i, end).join(',')}]}`;
        const first = (records[i] as TraceRecord).seq;
        const last = (records[end - 1] as TraceRecord).seq;
        for (const v of this.viewers) this.sendRecords(v, text, end - i, first, last);
      }
    }
    this.interest.apply(records);
  }

  /** Sends `bye`, closes every viewer (cut off after BYE_GRACE_MS) and the WebSocket server. Never rejects. */
  close(stats: ServerStats | null): Promise<void> {
    this.closing ??= this.closeNow(stats);
    return this.closing;
  }

  private async closeNow(stats: ServerStats | null): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const { http, wss } = this;
    this.http = null;
    this.wss = null;
    // No one new from here on (the port is let go at once; the connections are ended below).
    http?.close();
    const last = stats ?? this.source?.stats() ?? null;
    const closed: Array<Promise<void>> = [];
    for (const v of this.viewers) {
      const ws = v.ws;
      closed.push(new Promise((resolve) => (ws.readyState === WebSocket.CLOSED ? resolve() : ws.once('close', () => resolve()))));
      if (ws.readyState === WebSocket.OPEN) {
        if (last) ws.send(JSON.stringify({ type: 'bye', reason: 'the server closed', stats: { ...last, ...this.stats(), liveClients: 0 } }));
        ws.close(CLOSE_GOING_AWAY, 'the server closed');
      }
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([Promise.all(closed), new Promise((resolve) => (timer = setTimeout(resolve, BYE_GRACE_MS)))]);
    clearTimeout(timer);
    // A viewer that did not answer (paused, or far behind) is cut off, and so is
    // any other socket still open (one refused with 1013 that does not answer).
    for (const ws of wss?.clients ?? []) ws.terminate();
    this.viewers.clear();
    this.source = null;
    wss?.close();
    http?.closeAllConnections();
  }

  // ---- viewers ----

  private onConnection(ws: WebSocket): void {
    ws.on('error', () => undefined);
    const source = this.source;
    if (!source || this.closing) {
      ws.close(CLOSE_TRY_LATER, source ? 'the server is closing' : 'the server is starting');
      return;
    }
    if (this.viewers.size >= LIVE_MAX_CLIENTS) {
      ws.close(CLOSE_TRY_LATER, `edgeloop live view: ${LIVE_MAX_CLIENTS} viewers are attached already (the limit)`);
      return;
    }
    const hello: LiveHello = {
      type: 'hello',
      protocol: 1,
      version: edgeloopVersion(),
      server: { host: source.server.host, port: source.server.port, address: source.server.address },
      options: source.options,
      threads: source.threads,
      time: new Date().toISOString(),
      t: source.now(),
      header: source.trace.header,
      limits: {
        snapshotMs: LIVE_SNAPSHOT_MS,
        drainMs: source.drainMs,
        maxBufferedBytes: this.o.maxBufferedBytes,
        maxClients: LIVE_MAX_CLIENTS,
        maxRecordsPerMessage: LIVE_MAX_RECORDS_PER_MESSAGE,
        maxSnapshotConnections: LIVE_MAX_SNAPSHOT_CONNECTIONS,
      },
    };
    ws.send(JSON.stringify(hello));
    // What is recorded so far goes to the viewers already attached; this one
    // starts from the snapshot of the state after it, then the records after it.
    source.flush();
    const snapshot = this.snapshotText();
    if (snapshot) ws.send(snapshot);
    ws.send(JSON.stringify({ type: 'stats', stats: source.stats() }));
    const v: Viewer = { ws, behind: false, dropped: 0, from: 0, to: 0 };
    this.viewers.add(v);
    ws.on('close', () => this.viewers.delete(v));
  }

  /** Every LIVE_SNAPSHOT_MS while viewers are attached: the records so far, then a snapshot and the counters. */
  private tick(): void {
    const source = this.source;
    if (!source || this.viewers.size === 0) return;
    source.flush();
    const snapshot = this.snapshotText();
    const stats = JSON.stringify({ type: 'stats', stats: source.stats() });
    for (const v of this.viewers) {
      if (v.behind) {
        if (this.caughtUp(v)) this.resume(v, snapshot);
      } else {
        if (snapshot) this.send(v, snapshot);
        this.send(v, stats);
      }
    }
  }

  private caughtUp(v: Viewer): boolean {
    return v.ws.bufferedAmount <= this.o.maxBufferedBytes / 2;
  }

  private resume(v: Viewer, snapshot: string | null): void {
    const gap: LiveGap = { type: 'gap', dropped: v.dropped, from: v.from, to: v.to };
    v.behind = false;
    v.dropped = 0;
    if (v.ws.readyState !== WebSocket.OPEN) return;
    v.ws.send(JSON.stringify(gap));
    if (snapshot) v.ws.send(snapshot);
  }

  private sendRecords(v: Viewer, text: string, count: number, first: number, last: number): void {
    if (!v.behind && v.ws.bufferedAmount > this.o.maxBufferedBytes) {
      v.behind = true;
      v.from = first;
    }
    if (v.behind) {
      v.dropped += count;
      v.to = last;
      this.droppedTotal += count;
      return;
    }
    this.send(v, text);
  }

  /** A snapshot or the counters: skipped for a viewer over its limit (it gets a fresh one when it catches up). */
  private send(v: Viewer, text: string): void {
    if (v.ws.readyState !== WebSocket.OPEN || v.behind || v.ws.bufferedAmount > this.o.maxBufferedBytes) return;
    v.ws.send(text);
  }

  private snapshotText(): string | null {
    const source = this.source;
    const snap = source?.snapshot() ?? null;
    if (!source || !snap) return null;
    let conns = snap.connections;
    const omitted = Math.max(0, conns.length - LIVE_MAX_SNAPSHOT_CONNECTIONS);
    if (omitted > 0) {
      const held = (c: ServerSnapshot['connections'][number]): number => c.sendBuf + c.kernelSendQueue + c.readBuf;
      conns = [...conns].sort((a, b) => held(b) - held(a) || a.id - b.id).slice(0, LIVE_MAX_SNAPSHOT_CONNECTIONS).sort((a, b) => a.id - b.id);
    }
    const connections: LiveConnection[] = conns.map((c) => ({ ...c, name: source.trace.nameOf(c.fd) }));
    const msg: LiveSnapshot = {
      type: 'snapshot',
      seq: this.interest.lastSeq,
      snapshot: { ...snap, connections },
      omitted,
      epolls: this.interest.list(),
    };
    return JSON.stringify(msg);
  }
}
