// The page's end of a live view (a real server started with `edgeloop serve
// --live` or createServer({ live })): the WebSocket, every message checked
// against the protocol (src/types.ts LiveMessage) before it is used, and a
// bounded window of what came: the last WINDOW records, the server's
// snapshots among them, the interest lists before the first of them. The
// window keeps filling while the page is paused; older records are dropped
// (and counted). Nothing here draws: the panel asks for a session when it
// wants one.
import type { LiveHello, LiveSnapshot, ServerStats, TraceRecord } from '../../src/browser.js';
import type { Frame, FrameConn } from './frames.js';
import { applyInterest, checkRecord, type InterestBase, type InterestState, TraceModel } from './trace-model.js';

/** Records the page keeps: the newest; older ones are dropped as new ones come. */
export const LIVE_WINDOW = 50_000;
/** Snapshots kept in the window (about 8 minutes of them at 4 a second). */
const MAX_FRAMES = 2000;
/** A message bigger than this is not the live protocol (a server sends at most 2000 records, well under this). */
const MAX_MESSAGE_CHARS = 64 * 1024 * 1024;

export type LiveState = 'connecting' | 'open' | 'closed' | 'error';

export interface LiveFeedHooks {
  /** Something changed: state, counters, new records or a snapshot. */
  changed(): void;
}

/** Why a URL cannot be attached to, or null. The live view listens on loopback only, and the page may connect only there. */
export function liveUrlProblem(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return `“${url}” is not a URL: give the live view's address, e.g. ws://127.0.0.1:9001`;
  }
  if (u.protocol !== 'ws:') return `the live view's address starts with ws://, not ${u.protocol}//`;
  const host = u.hostname;
  if (host === '[::1]') return `this page cannot name [::1] (its security policy has no IPv6 addresses): use ws://localhost:${u.port || 'PORT'}`;
  if (!(host === 'localhost' || host === '127.0.0.1')) {
    return `${host} is not this machine: a server's live view listens on loopback only (ws://127.0.0.1:PORT, or ws://localhost:PORT for one on ::1)`;
  }
  if (u.port === '') return 'the address needs the live view\u2019s port (edgeloop serve prints it): ws://127.0.0.1:PORT';
  return null;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** Why `m` is not a snapshot message this page can use, or null (only what the page reads is checked). */
function snapshotProblem(m: Record<string, unknown>): string | null {
  if (!isCount(m.seq) || !isCount(m.omitted)) return 'a snapshot needs "seq" and "omitted" counts';
  const s = m.snapshot;
  if (!isObject(s) || typeof s.time !== 'number' || !Array.isArray(s.connections)) return 'a snapshot needs "snapshot" with "time" and "connections"';
  for (const c of s.connections as unknown[]) {
    if (!isObject(c)) return 'a connection must be an object';
    for (const k of ['id', 'fd', 'loop', 'sendBuf', 'readBuf', 'kernelSendQueue']) if (!isCount(c[k])) return `a connection's "${k}" must be a count`;
    if (typeof c.interest !== 'string' || typeof c.state !== 'string') return 'a connection needs "interest" and "state" strings';
    if (c.name !== null && typeof c.name !== 'string') return 'a connection\u2019s "name" must be a string or null';
  }
  if (!Array.isArray(m.epolls)) return 'a snapshot needs "epolls"';
  for (const e of m.epolls as unknown[]) {
    if (!isObject(e) || typeof e.name !== 'string' || typeof e.owner !== 'string' || !Array.isArray(e.interest)) return 'an epoll needs "name", "owner" and "interest"';
    for (const it of e.interest as unknown[]) {
      if (!isObject(it) || !Number.isSafeInteger(it.fd) || typeof it.events !== 'string' || (it.name !== null && typeof it.name !== 'string')) {
        return 'an interest item needs "fd", "name" and "events"';
      }
    }
  }
  return null;
}

function baseOf(s: LiveSnapshot): InterestState {
  return new Map(s.epolls.map((e) => [e.name, new Map(e.interest.map((it) => [it.fd, { ...it }]))]));
}

interface Snap {
  /** Records received (since attaching) when it came: it describes the state after that many. */
  at: number;
  msg: LiveSnapshot;
}

export class LiveFeed {
  state: LiveState = 'connecting';
  /** Why it closed or failed, for the page to say. */
  detail = '';
  /** The server closed it (bye, or close code 1001), as opposed to a failure or the page detaching. */
  closedByServer = false;
  hello: LiveHello | null = null;
  stats: ServerStats | null = null;
  latest: LiveSnapshot | null = null;
  /** Records received since attaching. */
  received = 0;
  /** Records the page dropped from its window (the oldest), so far. */
  windowDropped = 0;
  /** Records the server did not send (the page fell behind: `gap` messages), so far. */
  serverDropped = 0;
  gaps = 0;
  private ws: WebSocket | null;
  private records: TraceRecord[] = [];
  /** received - records.length: the absolute index of records[0]. */
  private start = 0;
  /** The interest lists and owners before records[0]. */
  private base: InterestState = new Map();
  private owners = new Map<string, string>();
  private open = new Set<string>();
  private snaps: Snap[] = [];
  private prevSeq = 0;
  private snapCount = 0;

  constructor(
    readonly url: string,
    private readonly hooks: LiveFeedHooks,
  ) {
    const ws = new WebSocket(url);
    this.ws = ws;
    ws.addEventListener('message', (ev: MessageEvent) => this.onMessage(ev.data));
    ws.addEventListener('error', () => {
      // The browser says nothing about why (by design); the close that follows has the code.
      if (this.state === 'connecting') this.fail(`could not connect to ${url} (is edgeloop serve --live running there?)`);
    });
    ws.addEventListener('close', (ev: CloseEvent) => this.onClose(ev));
  }

  /** Records in the window now. */
  get windowSize(): number {
    return this.records.length;
  }

  /** The seq of the newest record (0: none yet). */
  get lastSeq(): number {
    return this.prevSeq;
  }

  /** The page leaves: closes the socket (1000). */
  detach(): void {
    const ws = this.ws;
    this.ws = null;
    if (ws && ws.readyState <= WebSocket.OPEN) ws.close(1000, 'the page detached');
    if (this.state === 'connecting' || this.state === 'open') {
      this.state = 'closed';
      this.detail = 'detached';
    }
  }

  /**
   * The window as a model (its interest lists start from the server's, so they
   * are exact at every record) and the snapshots in it as frames for the gauges.
   */
  model(): { model: TraceModel; frames: Frame[] } {
    const header = this.hello?.header ?? { type: 'header' as const, version: 1 as const, kernel: 'linux' as const, seed: null };
    const base: InterestBase = {
      epolls: [...this.base].map(([name, items]) => ({ name, owner: this.owners.get(name) ?? 'reactor', interest: [...items.values()] })),
    };
    const model = new TraceModel(header, this.records.slice(), null, base);
    // Frame 0 is the state before the window: the last snapshot before it, if any.
    const frames: Frame[] = [];
    let k = 0;
    while (k + 1 < this.snaps.length && (this.snaps[k + 1] as Snap).at <= this.start) k++;
    const before = this.snaps[k];
    frames.push(before && before.at <= this.start ? this.frame(before, 0, 0) : { step: 0, records: 0, action: -1, time: 0, ready: [], interest: [], conns: [] });
    for (const s of this.snaps) if (s.at > this.start) frames.push(this.frame(s, frames.length, s.at - this.start));
    return { model, frames };
  }

  private frame(s: Snap, step: number, records: number): Frame {
    const conns: FrameConn[] = s.msg.snapshot.connections.map((c) => ({
      id: c.id,
      peer: null,
      fd: c.fd,
      name: c.name,
      state: c.state,
      closeReason: null,
      peerHalfClosed: c.peerHalfClosed,
      reading: c.reading,
      writing: c.writing,
      interest: c.interest,
      sendBuf: c.sendBuf,
      readBuf: c.readBuf,
      kernelSendQueue: c.kernelSendQueue,
      peerReceiveQueue: null,
      // Not in the server's snapshot: its receive queues are not shown live.
      kernelReceiveQueue: 0,
      peerSendQueue: null,
      kernel: null,
      peerRcvbuf: null,
      peerSndbuf: null,
    }));
    return { step, records, action: -1, time: s.msg.snapshot.time, ready: [], interest: [], conns };
  }

  // ---- the protocol ----

  private onMessage(data: unknown): void {
    if (this.state === 'error' || this.ws === null) return;
    if (typeof data !== 'string' || data.length > MAX_MESSAGE_CHARS) return this.fail('the server sent a message that is not the live protocol (not JSON text)');
    let m: unknown;
    try {
      m = JSON.parse(data);
    } catch {
      return this.fail('the server sent a message that is not JSON');
    }
    if (!isObject(m) || typeof m.type !== 'string') return this.fail('the server sent a message without a "type"');
    if (this.hello === null && m.type !== 'hello') return this.fail(`the first message must be "hello", got "${m.type.slice(0, 20)}"`);
    switch (m.type) {
      case 'hello':
        if (m.protocol !== 1) return this.fail(`the server speaks live protocol ${String(m.protocol).slice(0, 10)}; this page reads version 1`);
        if (!isObject(m.server) || !isObject(m.options) || !isObject(m.header) || typeof m.version !== 'string') return this.fail('the hello message lacks its fields');
        this.hello = m as unknown as LiveHello;
        this.state = 'open';
        break;
      case 'snapshot': {
        const bad = snapshotProblem(m);
        if (bad) return this.fail(`bad snapshot: ${bad}`);
        const msg = m as unknown as LiveSnapshot;
        this.latest = msg;
        this.snapCount++;
        this.snaps.push({ at: this.received, msg });
        if (this.snaps.length > MAX_FRAMES) this.snaps.splice(0, this.snaps.length - MAX_FRAMES);
        // The first snapshot (and the one after a gap) is where the window starts.
        if (this.records.length === 0) this.rebase(msg);
        break;
      }
      case 'records': {
        if (!Array.isArray(m.records)) return this.fail('a records message needs "records"');
        for (const r of m.records as unknown[]) {
          const bad = checkRecord(r, this.prevSeq);
          if (bad) return this.fail(`bad record: ${bad}`);
          this.prevSeq = (r as TraceRecord).seq;
          this.records.push(r as TraceRecord);
        }
        this.received += m.records.length;
        this.trim();
        break;
      }
      case 'stats':
        if (!isObject(m.stats)) return this.fail('a stats message needs "stats"');
        this.stats = m.stats as unknown as ServerStats;
        break;
      case 'gap':
        if (!isCount(m.dropped)) return this.fail('a gap message needs "dropped"');
        // The records before the gap cannot be joined to those after it: the window starts
        // again at the snapshot that follows (the server sends one right after the gap).
        this.serverDropped += m.dropped;
        this.gaps++;
        this.windowDropped += this.records.length;
        this.start = this.received;
        this.records = [];
        this.snaps = [];
        break;
      case 'bye':
        this.closedByServer = true;
        if (isObject(m.stats)) this.stats = m.stats as unknown as ServerStats;
        this.detail = typeof m.reason === 'string' ? m.reason.slice(0, 200) : 'the server closed';
        break;
      default:
        // A newer server's message this page does not know: skipped, as the protocol says.
        return;
    }
    this.hooks.changed();
  }

  private rebase(s: LiveSnapshot): void {
    this.base = baseOf(s);
    this.owners = new Map(s.epolls.map((e) => [e.name, e.owner]));
    this.open = new Set(s.epolls.flatMap((e) => [e.name, ...e.interest.map((it) => it.name ?? '')]).filter((x) => x !== ''));
    this.prevSeq = Math.max(this.prevSeq, s.seq);
  }

  /** Keeps the newest LIVE_WINDOW records; what leaves the window moves the base lists on. */
  private trim(): void {
    // In steps of a tenth of the window: slicing 50,000 records per message would cost more than it holds.
    const excess = this.records.length - LIVE_WINDOW;
    if (excess < LIVE_WINDOW / 10) return;
    const gone = this.records.slice(0, excess);
    for (const r of gone) {
      if (r.call === 'epollCreate' && typeof r.created === 'string') {
        this.owners.set(r.created, r.actor);
        this.base.set(r.created, new Map());
      }
      applyInterest(this.base, this.open, r);
    }
    this.records = this.records.slice(excess);
    this.start += excess;
    this.windowDropped += excess;
    // Snapshots long before the window are of no use: keep the last one before it (frame 0).
    let k = 0;
    while (k + 1 < this.snaps.length && (this.snaps[k + 1] as Snap).at <= this.start) k++;
    if (k > 0) this.snaps.splice(0, k);
  }

  private fail(why: string): void {
    this.state = 'error';
    this.detail = why;
    const ws = this.ws;
    this.ws = null;
    if (ws && ws.readyState <= WebSocket.OPEN) ws.close(1002, 'protocol error');
    this.hooks.changed();
  }

  private onClose(ev: CloseEvent): void {
    if (this.ws === null && this.state !== 'connecting' && this.state !== 'open') return;
    this.ws = null;
    if (this.state === 'error') return;
    if (this.state === 'connecting' && !this.hello) {
      this.state = 'error';
      this.detail =
        ev.code === 1013 && ev.reason
          ? ev.reason
          : `could not connect to ${this.url} (${ev.code === 1006 ? 'nothing answered there, or it refused this page' : `close code ${ev.code}${ev.reason ? `: ${ev.reason}` : ''}`})`;
    } else {
      this.state = 'closed';
      this.closedByServer ||= ev.code === 1001;
      if (!this.detail) this.detail = ev.code === 1006 ? 'the connection was lost' : `close code ${ev.code}${ev.reason ? `: ${ev.reason}` : ''}`;
    }
    this.hooks.changed();
  }

  /** Snapshots received so far. */
  get snapshots(): number {
    return this.snapCount;
  }
}
