// The invariants Explore checks: after every reactor step, and at a
// scenario's `settle` (docs/explore.md defines each and its evidence). They
// only read (the reactor's state as ServerHost reports it, the peers' and
// connections' bookkeeping), so checking never changes a trace. The first
// violation is what a run reports: the shrinker keeps a document only while
// it breaks the same invariant.
import type { Connection } from '../connection.js';
import type { ErrnoName, VariantName } from '../types.js';
import type { ExploreJsApp } from './js-apps.js';
import type { Peer } from './peer.js';
import type { InvariantName, ScenarioOptions } from './scenario-schema.js';
import type { Simulation } from './simulation.js';
import type { HostSnapshot } from './snapshot.js';
import { fillerPattern } from '../kernel.js';
import { DEFAULT_HIGH_WATER_MARK, DEFAULT_HIGH_WATER_POLICY } from '../reactor-options.js';

/** Node's Buffer when there is one (its equals() is a memcmp); the browser compares in a loop. */
const NodeBuffer = (globalThis as { Buffer?: { from(b: ArrayBufferLike, off: number, len: number): { equals(o: unknown): boolean } } }).Buffer;

/** a and b hold the same bytes (same length). */
function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  // Short runs compare faster in the loop than through two Buffer views.
  if (NodeBuffer && a.length >= 512) return NodeBuffer.from(a.buffer, a.byteOffset, a.length).equals(NodeBuffer.from(b.buffer, b.byteOffset, b.length));
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The index of the first byte where a and b differ (they do). */
function firstDifference(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

export interface InvariantViolation {
  invariant: InvariantName;
  /** The peer whose connection broke it (null: the server as a whole). */
  peer: string | null;
  /** The server's connection id, when there is one. */
  conn: number | null;
  /** Reactor steps run when it was seen. */
  step: number;
  /** The action running then (index into steps). */
  action: number;
  /** What was seen: the evidence, in a sentence. */
  message: string;
}

/** One read's size in the reactor (tcp_connection.cc kReadChunk): an echo's largest single Send. */
const REACTOR_READ_CHUNK = 64 * 1024;
/** Consecutive reactor wakeups that move nothing before it counts as a busy loop. */
export const BUSY_WAKEUP_LIMIT = 16;
/** Close reasons that excuse a connection from delivering everything: the peer or the server gave up on it. */
const EXCUSING_REASONS = new Set(['high-water-mark', 'handler-error', 'server-stopped', 'closed-by-app', 'max-connections']);

/** What a peer sent on its current connection: filler (the per-socket pattern) and text, in order. */
class SentStream {
  private readonly segments: Array<{ at: number; end: number; filler: number; data: Uint8Array | null }> = [];
  length = 0;
  private filler = 0;
  /** The segment the last mismatch() ended in: reads go forward, so the next is usually there. */
  private cursor = 0;
  private cache: Uint8Array | null = null;

  add(data: Uint8Array | number, written: number): void {
    if (written <= 0) return;
    const end = this.length + written;
    if (typeof data === 'number') {
      this.segments.push({ at: this.length, end, filler: this.filler, data: null });
      this.filler = (this.filler + written) & 0xff;
    } else {
      this.segments.push({ at: this.length, end, filler: 0, data: data.slice(0, written) });
    }
    this.length = end;
  }

  /**
   * Compares `bytes` with the stream from offset `from` on (all of it
   * within length): the index into `bytes` of the first byte that differs,
   * or -1. Reads go forward, so the search starts at the last segment used.
   */
  mismatch(bytes: Uint8Array, from: number): number {
    let k = this.cursor;
    if (!this.segments[k] || from < (this.segments[k] as { at: number }).at) k = 0;
    let i = 0;
    while (i < bytes.length) {
      const pos = from + i;
      let s = this.segments[k] as { at: number; end: number; filler: number; data: Uint8Array | null };
      while (pos >= s.end) s = this.segments[++k] as typeof s;
      const n = Math.min(bytes.length - i, s.end - pos);
      const got = bytes.subarray(i, i + n);
      const phase = (s.filler + pos - s.at) & 0xff;
      const want = s.data ? s.data.subarray(pos - s.at, pos - s.at + n) : fillerPattern(phase + n).subarray(phase, phase + n);
      if (!equalBytes(got, want)) return i + firstDifference(got, want);
      i += n;
    }
    this.cursor = k;
    return -1;
  }

  /** Everything sent, as bytes (cached until more is sent). */
  bytes(): Uint8Array {
    if (this.cache && this.cache.length === this.length) return this.cache;
    const out = new Uint8Array(this.length);
    for (const s of this.segments) {
      const n = s.end - s.at;
      out.set(s.data ?? fillerPattern(s.filler + n).subarray(s.filler, s.filler + n), s.at);
    }
    this.cache = out;
    return out;
  }

  /** The byte at stream offset i (i < length). */
  byteAt(i: number): number {
    for (const s of this.segments) if (i < s.end) return s.data ? (s.data[i - s.at] as number) : (s.filler + i - s.at) & 0xff;
    return -1;
  }
}

interface PeerTrack {
  fd: number | null;
  /** Bytes of the current connection received and checked. */
  checked: number;
  sent: SentStream;
  /** The peer shut down its reading side: it may never read everything. */
  shutRead: boolean;
  /** A JS app's answer to `sent`, and the length of `sent` it was computed for. */
  owed: Uint8Array | null;
  owedFor: number;
}

export interface InvariantContext {
  sim: Simulation;
  options: ScenarioOptions;
  enabled: ReadonlySet<InvariantName>;
  /** The JS app the run serves with, when options.app names one. */
  jsApp?: ExploreJsApp;
}

/** What a peer is owed for what it sent: each app's contract. */
type Contract = { kind: 'echo' } | { kind: 'discard' } | { kind: 'bulk'; bytes: number } | { kind: 'js'; app: ExploreJsApp };

export class InvariantChecker {
  private readonly sim: Simulation;
  private readonly enabled: ReadonlySet<InvariantName>;
  private readonly contract: Contract;
  private readonly variant: VariantName;
  private readonly highWaterMark: number;
  private readonly pauses: boolean;
  private readonly tracks = new Map<string, PeerTrack>();
  private busy = 0;
  private lastFingerprint = '';
  private baselineFds: Set<number> | null = null;
  private serverShutDown = false;
  private toldToStop = false;
  private readonly closedByServer = new Set<number>();
  violation: InvariantViolation | null = null;
  action = -1;

  constructor(ctx: InvariantContext) {
    this.sim = ctx.sim;
    this.enabled = ctx.enabled;
    const app = ctx.options.app;
    if (typeof app === 'string') this.contract = { kind: app };
    else if ('bulk' in app) this.contract = { kind: 'bulk', bytes: app.bulk };
    else if (ctx.jsApp) this.contract = { kind: 'js', app: ctx.jsApp };
    else throw new Error(`invariants: app ${JSON.stringify(app)} needs its JsApp`);
    this.variant = ctx.options.variant ?? 'edgeloop';
    this.highWaterMark = ctx.options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK;
    this.pauses = (ctx.options.highWaterPolicy ?? DEFAULT_HIGH_WATER_POLICY) === 'pause-reading';
    if (this.enabled.has('no-fd-leak')) this.baselineFds = this.openFds();
  }

  private on(name: InvariantName): boolean {
    return this.enabled.has(name) && this.violation === null;
  }

  private report(invariant: InvariantName, peer: string | null, conn: number | null, message: string): void {
    if (this.violation !== null) return;
    this.violation = { invariant, peer, conn, step: this.sim.steps, action: this.action, message };
  }

  private track(peer: Peer): PeerTrack {
    let t = this.tracks.get(peer.name);
    if (!t || (peer.fd !== null && t.fd !== peer.fd)) {
      const track: PeerTrack = { fd: peer.fd, checked: 0, sent: new SentStream(), shutRead: false, owed: null, owedFor: -1 };
      t = track;
      this.tracks.set(peer.name, track);
      if (this.enabled.has('bytes-intact')) peer.onReceive = (bytes) => this.received(peer, track, bytes);
    }
    return t;
  }

  /** What a JS app owes for what the peer sent so far (computed once per amount sent). */
  private owed(t: PeerTrack, app: ExploreJsApp): Uint8Array {
    if (t.owed === null || t.owedFor !== t.sent.length) {
      t.owed = app.respond(t.sent.bytes());
      t.owedFor = t.sent.length;
    }
    return t.owed;
  }

  /** Each read's bytes as they arrive: the next bytes the server owes this peer? */
  private received(peer: Peer, t: PeerTrack, bytes: Uint8Array): void {
    if (this.violation !== null || this.tracks.get(peer.name) !== t) return;
    const conn = peer.connection?.id ?? null;
    const c = this.contract;
    const from = t.checked;
    t.checked += bytes.length;
    if (c.kind === 'discard') {
      this.report('bytes-intact', peer.name, conn, `peer "${peer.name}" received ${t.checked} bytes from a discard server, which sends nothing`);
      return;
    }
    const owed = c.kind === 'js' ? this.owed(t, c.app) : null;
    const limit = c.kind === 'echo' ? t.sent.length : c.kind === 'bulk' ? c.bytes : (owed as Uint8Array).length;
    if (t.checked > limit) {
      const what =
        c.kind === 'echo' ? `it wrote only ${limit}` : c.kind === 'bulk' ? `the bulk response is ${limit}` : `the app owes ${limit} for the ${t.sent.length} it sent`;
      this.report('bytes-intact', peer.name, conn, `peer "${peer.name}" received ${t.checked} bytes, but ${what}: bytes were duplicated or invented`);
      return;
    }
    let want: Uint8Array;
    let k: number;
    if (c.kind === 'echo') {
      k = t.sent.mismatch(bytes, from);
      want = k >= 0 ? new Uint8Array([t.sent.byteAt(from + k)]) : bytes;
    } else {
      const phase = from & 0xff;
      want = c.kind === 'bulk' ? fillerPattern(phase + bytes.length).subarray(phase, phase + bytes.length) : (owed as Uint8Array).subarray(from, from + bytes.length);
      k = equalBytes(bytes, want) ? -1 : firstDifference(bytes, want);
    }
    if (k >= 0) {
      const expected = c.kind === 'echo' ? want[0] : want[k];
      const what = c.kind === 'echo' ? 'echo of its own byte' : c.kind === 'bulk' ? 'bulk pattern' : "app's answer";
      this.report(
        'bytes-intact',
        peer.name,
        conn,
        `peer "${peer.name}" received byte ${bytes[k]} at offset ${from + k} where the ${what} is ${expected}: the stream was reordered, lost bytes or was corrupted`,
      );
    }
  }

  // ---- what the script does (the runner tells) ----

  /** A new connection of this peer (a reconnect too): what it is owed starts afresh. */
  connected(peer: Peer): void {
    this.tracks.delete(peer.name);
    this.track(peer);
  }

  wrote(peer: Peer, data: Uint8Array | string | number, result: number | ErrnoName): void {
    if (typeof result !== 'number') return;
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    this.track(peer).sent.add(bytes, result);
  }

  shut(peer: Peer, how: 'RD' | 'WR' | 'RDWR'): void {
    if (how !== 'WR') this.track(peer).shutRead = true;
  }

  serverShutdown(): void {
    this.serverShutDown = true;
  }

  /** The script closed every open connection (closeAll): what they still owed is excused, whatever the reason given. */
  serverClosedAll(): void {
    for (const c of this.sim.connections) if (!c.closed) this.closedByServer.add(c.id);
  }

  /** The script told the server to stop accepting (stopAccepting). */
  stoppedAccepting(): void {
    this.toldToStop = true;
  }

  // ---- after every step ----

  afterStep(stepEvents: number, appEvents: number, host: HostSnapshot | null): void {
    if (this.violation) return;
    if (host === null) return;
    if (this.on('no-busy-loop')) this.checkBusy(stepEvents, appEvents, host);
    if (this.on('no-fd-leak') && (host.closedFdUses ?? 0) > 0) {
      this.report('no-fd-leak', null, null, `the reactor called ${host.firstClosedFdUse} after closing that fd (and before any call of its own gave the number back): it acts on an fd it no longer owns`);
    }
    if (this.on('bounded-memory')) this.checkMemory(host);
    if (this.on('handler-isolation')) this.checkIsolation();
  }

  /** Whether the per-step checks need the reactor's state. */
  get needsHost(): boolean {
    return this.enabled.has('no-busy-loop') || this.enabled.has('bounded-memory') || this.enabled.has('no-fd-leak');
  }

  /** EPOLLOUT only while send_buf_ holds bytes; reactor wakeups that move nothing are bounded. */
  private checkBusy(stepEvents: number, appEvents: number, host: HostSnapshot): void {
    if (this.variant === 'edgeloop' || this.variant.startsWith('mutant-')) {
      for (const c of host.connections) {
        if (c.state !== 'disconnected' && c.writing && c.sendBuf === 0) {
          this.report('no-busy-loop', this.peerOf(c.id), c.id, `connection ${c.id} has EPOLLOUT registered with an empty send_buf_ after the step: every ready round wakes the loop for nothing`);
          return;
        }
      }
    }
    let moved = appEvents > 0;
    const fp = this.fingerprint(host);
    if (fp !== this.lastFingerprint) moved = true;
    this.lastFingerprint = fp;
    if (stepEvents > 0 && !moved) {
      this.busy++;
      if (this.busy > BUSY_WAKEUP_LIMIT) {
        this.report('no-busy-loop', null, null, `the reactor woke up ${this.busy} times in a row with events and moved nothing (no byte, no connection, no app event)`);
      }
    } else {
      this.busy = 0;
    }
  }

  private fingerprint(host: HostSnapshot): string {
    // A step where a fault fired is the fault's doing, not the reactor's: it counts as movement.
    let s = `${host.refused}/${host.dropped}/${host.connections.length}/${host.listenFd}/${host.faultsFired ?? 0}`;
    for (const c of host.connections) s += `|${c.id}:${c.state}:${c.sendBuf}:${c.readBuf}:${c.kernelSendQueue}:${c.interest}`;
    for (const p of this.sim.peers) s += `|${p.receivedBytes}:${p.fd ?? '-'}`;
    return s;
  }

  /** send_buf_ stays under the high-water mark plus one send, and reading is paused while it is over. */
  private checkMemory(host: HostSnapshot): void {
    if (this.contract.kind !== 'echo') return; // an app that sends on its own is bounded by what it sends, not by the reactor
    const bound = this.highWaterMark + REACTOR_READ_CHUNK;
    for (const c of host.connections) {
      if (c.state === 'disconnected') continue;
      if (c.sendBuf > bound) {
        this.report('bounded-memory', this.peerOf(c.id), c.id, `connection ${c.id}'s send_buf_ holds ${c.sendBuf} bytes, more than the high-water mark ${this.highWaterMark} plus one read (${REACTOR_READ_CHUNK})`);
        return;
      }
      if (this.pauses && c.sendBuf >= this.highWaterMark && c.reading && !c.peerHalfClosed) {
        this.report('bounded-memory', this.peerOf(c.id), c.id, `connection ${c.id} keeps reading with ${c.sendBuf} bytes queued, at or over the high-water mark ${this.highWaterMark} (policy pause-reading)`);
        return;
      }
    }
  }

  /** A handler's error closes its own connection and no other. */
  private checkIsolation(): void {
    const failed = new Set(this.sim.handlerErrors.map((e) => e.conn));
    for (const c of this.sim.connections) {
      if (c.closeReason === 'handler-error' && !failed.has(c.id)) {
        this.report('handler-isolation', c.peer, c.id, `connection ${c.id} was closed for a handler error thrown on another connection`);
        return;
      }
      if (failed.has(c.id) && !c.closed) {
        this.report('handler-isolation', c.peer, c.id, `connection ${c.id}'s handler threw, and the connection is still open: a failed handler's connection must close`);
        return;
      }
    }
  }

  private peerOf(id: number): string | null {
    return this.sim.connection(id)?.peer ?? null;
  }

  // ---- at settle ----

  /** After every peer read again and the run went quiet (or did not, within the bound). */
  afterDrain(idle: boolean, maxSteps: number): void {
    if (!this.on('liveness')) return;
    if (!idle) {
      this.report('liveness', null, null, `with every peer reading and no fault left to fire, the reactor did not go quiet within ${maxSteps} steps`);
      return;
    }
    const host = this.sim.hostState();
    const listening = host.accepting && host.listenFd >= 0;
    if (!listening && !this.toldToStop) {
      this.report('liveness', null, null, 'the server stopped accepting (its listening socket is closed) though nothing told it to: every later connect is refused');
      return;
    }
    for (const peer of this.sim.peers) {
      if (peer.fd === null || peer.connection !== null || peer.dropped || peer.refused || peer.aborted || peer.error !== null || peer.eof) continue;
      if (!listening) continue; // queued when the listener closed: reset with it
      this.report('liveness', peer.name, null, `peer "${peer.name}" connected but the server never accepted, dropped or refused it, and the run is quiet`);
      return;
    }
  }

  /** After every connected peer shut down its writing side and the run went quiet: every connection finished, every byte arrived. */
  afterShutdown(idle: boolean, maxSteps: number): void {
    if (this.on('liveness') && !idle) {
      this.report('liveness', null, null, `after every peer shut down its writing side, the reactor did not go quiet within ${maxSteps} steps`);
      return;
    }
    for (const peer of this.sim.peers) {
      const conn = peer.connection as Connection | null;
      if (conn === null || peer.fd === null) continue;
      if (this.on('liveness') && !conn.closed) {
        const c = this.sim.hostState().connections.find((x) => x.id === conn.id);
        const how = c ? ` (state ${c.state}, send_buf_ ${c.sendBuf} bytes, ${c.reading ? 'reading' : 'not reading'}, ${c.writing ? 'EPOLLOUT on' : 'EPOLLOUT off'})` : '';
        this.report('liveness', peer.name, conn.id, `connection ${conn.id} of peer "${peer.name}" is still open after its peer finished writing and the run went quiet${how}`);
        return;
      }
      if (this.on('bytes-intact')) this.checkComplete(peer, conn);
    }
  }

  private checkComplete(peer: Peer, conn: Connection): void {
    const t = this.track(peer);
    if (t.shutRead || peer.error !== null || this.serverShutDown || peer.refused || peer.dropped || peer.aborted) return;
    if (this.closedByServer.has(conn.id)) return;
    if (conn.closeReason !== null && (EXCUSING_REASONS.has(conn.closeReason) || /^E[A-Z0-9]+$/.test(conn.closeReason))) return;
    const got = t.checked;
    const c = this.contract;
    const owed = c.kind === 'echo' ? t.sent.length : c.kind === 'discard' ? 0 : c.kind === 'bulk' ? c.bytes : this.owed(t, c.app).length;
    if (got < owed) {
      this.report(
        'bytes-intact',
        peer.name,
        conn.id,
        `peer "${peer.name}" received ${got} of the ${owed} bytes the server owed it, and its connection ended (${conn.closeReason ?? 'open'}) with nothing to excuse it: bytes were lost`,
      );
    }
  }

  /** After every peer closed and the run went quiet: the fd table is the idle server's. */
  afterClose(idle: boolean, maxSteps: number): void {
    if (this.on('liveness') && !idle) {
      this.report('liveness', null, null, `after every peer closed, the reactor did not go quiet within ${maxSteps} steps`);
      return;
    }
    if (this.on('liveness')) {
      for (const c of this.sim.hostState().connections) {
        this.report('liveness', this.peerOf(c.id), c.id, `connection ${c.id} is still open (state ${c.state}) after its peer closed and the run went quiet`);
        return;
      }
    }
    if (this.on('no-fd-leak') && this.baselineFds) {
      const now = this.openFds();
      const peerEpoll = this.sim.peerEpollFd();
      const extra = [...now].filter((fd) => !this.baselineFds?.has(fd) && fd !== peerEpoll);
      if (extra.length > 0) {
        const names = extra.map((fd) => `${fd} (${this.sim.kernel.fdName(fd) ?? 'unnamed'})`).join(', ');
        this.report('no-fd-leak', null, null, `with every peer gone, fds ${names} are open that the idle server did not have`);
      }
    }
  }

  private openFds(): Set<number> {
    return new Set(this.sim.openFds());
  }
}
