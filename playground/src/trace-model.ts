// A trace (JSON Lines, src/trace.ts's format) and everything the views derive
// from it alone: lanes per actor, marks (EAGAIN, partial writes, EPOLLOUT
// on/off, wakeups), the epoll interest lists at any event, cumulative bytes.
// Works the same for a run made here, an exported file, a trace recorded
// by the real server (`edgeloop serve --trace`) and a window of the records
// a live server streams (which starts from the interest lists the server
// says it had: an InterestBase). Parsing validates every
// field and reports the first problems with their line numbers; nothing in
// a trace is ever executed or rendered as HTML.
import { TraceStore, type RecordTemplate, type TraceEvent, type TraceHeader, type TraceRecord } from '../../src/browser.js';
import { parseCallSite } from '../../src/call-site.js';
import { applyInterest as applyTraceInterest, type InterestItem, type InterestState } from '../../src/trace-interest.js';
import { ArrayRecords, type RecordList } from './record-list.js';

export const MARK = {
  EAGAIN: 1,
  ERROR: 2,
  PARTIAL: 4,
  OUT_ON: 8,
  OUT_OFF: 16,
  WAKEUP: 32,
  EMPTY_WAIT: 64,
  ACTION: 128,
  EOF: 256,
  /** An epoll_wait that reported EPOLLOUT for some fd. */
  OUT_READY: 512,
} as const;

/** What a page can hold: a trace's text and records, and (for a run) a frame per step. */
export const TRACE_LIMITS = Object.freeze({
  maxChars: 256 * 1024 * 1024,
  /** A run made here stops at 1,000,000 (run-worker.ts); the step that passes that may add a few more. */
  maxRecords: 1_100_000,
  maxLineChars: 1024 * 1024,
  maxActorChars: 100,
});

export interface TraceProblem {
  /** 1-based line of the file; 0 for the file as a whole. */
  line: number;
  message: string;
}

export class TraceFormatError extends Error {
  readonly problems: readonly TraceProblem[];
  constructor(problems: TraceProblem[]) {
    const first = problems[0];
    super(first ? `${first.line > 0 ? `line ${first.line}: ` : ''}${first.message}` : 'not a trace');
    this.name = 'TraceFormatError';
    this.problems = problems;
  }
}

const RECORD_KEYS = ['seq', 't', 'actor', 'call', 'fd', 'name', 'args', 'ret', 'err', 'created', 'events', 'site', 'origin'];
const RESERVED = new Set(['app', 'peers', 'sim', 'scenario']);

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 30 ? `${v.slice(0, 27)}...` : v);
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  return typeof v === 'number' || typeof v === 'boolean' ? String(v) : `a ${typeof v}`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v);
}

function checkString(v: unknown, what: string, max: number): string | null {
  if (typeof v !== 'string' || v.length === 0) return `"${what}" must be a non-empty string, got ${show(v)}`;
  if (v.length > max) return `"${what}" must be at most ${max} characters`;
  return null;
}

function checkEvents(v: unknown): string | null {
  if (!Array.isArray(v)) return `"events" must be an array, got ${show(v)}`;
  for (let i = 0; i < v.length; i++) {
    const e = v[i] as unknown;
    if (!isObject(e)) return `"events[${i}]" must be an object, got ${show(e)}`;
    for (const k of Object.keys(e)) if (k !== 'fd' && k !== 'name' && k !== 'events') return `"events[${i}]" has an unknown field ${show(k)}`;
    if (!isInt(e.fd)) return `"events[${i}].fd" must be an integer, got ${show(e.fd)}`;
    if (e.name !== null && typeof e.name !== 'string') return `"events[${i}].name" must be a string or null, got ${show(e.name)}`;
    if (typeof e.events !== 'string') return `"events[${i}].events" must be a string of event names, got ${show(e.events)}`;
  }
  return null;
}

/** Why `r` is not a trace record, or null. `prevSeq`: the previous record's seq. */
export function checkRecord(r: unknown, prevSeq: number): string | null {
  if (!isObject(r)) return `a record must be a JSON object, got ${show(r)}`;
  for (const k of Object.keys(r)) if (!RECORD_KEYS.includes(k)) return `unknown field ${show(k)} (a record has ${RECORD_KEYS.join(', ')})`;
  if (!isInt(r.seq) || r.seq < 1) return `"seq" must be a positive integer, got ${show(r.seq)}`;
  if (r.seq <= prevSeq) return `"seq" must increase: ${r.seq} follows ${prevSeq}`;
  if (typeof r.t !== 'number' || !Number.isFinite(r.t) || r.t < 0) return `"t" must be a non-negative number of ms, got ${show(r.t)}`;
  const actor = checkString(r.actor, 'actor', TRACE_LIMITS.maxActorChars);
  if (actor) return actor;
  const call = checkString(r.call, 'call', TRACE_LIMITS.maxActorChars);
  if (call) return call;
  if (r.fd !== undefined && !isInt(r.fd)) return `"fd" must be an integer, got ${show(r.fd)}`;
  if (r.name !== undefined && r.name !== null && typeof r.name !== 'string') return `"name" must be a string or null, got ${show(r.name)}`;
  if (!isObject(r.args)) return `"args" must be an object, got ${show(r.args)}`;
  if (r.ret !== undefined) {
    const ok = typeof r.ret === 'number' || typeof r.ret === 'string' || (Array.isArray(r.ret) && r.ret.every(isInt));
    if (!ok) return `"ret" must be a number, a string or an array of integers, got ${show(r.ret)}`;
  }
  if (r.err !== undefined && (typeof r.err !== 'string' || !/^E[A-Z0-9]{1,15}$/.test(r.err))) return `"err" must be an errno name like "EAGAIN", got ${show(r.err)}`;
  if (r.ret !== undefined && r.err !== undefined) return 'a record has "ret" or "err", not both';
  if (r.created !== undefined) {
    const ok = typeof r.created === 'string' || (Array.isArray(r.created) && r.created.every((c) => typeof c === 'string'));
    if (!ok) return `"created" must be a name or a list of names, got ${show(r.created)}`;
  }
  for (const k of ['site', 'origin'] as const) {
    const v = r[k];
    // Text, or the number of a site an earlier record gave as text (src/call-site.ts).
    if (v !== undefined && !(isInt(v) && v >= 0) && (typeof v !== 'string' || v.length > 300 || parseCallSite(v) === null)) {
      return `"${k}" must be a call site like "TcpConnection::Send native/reactor/tcp_connection.cc:73" or an earlier one's number, got ${show(v)}`;
    }
  }
  if (r.events !== undefined) return checkEvents(r.events);
  return null;
}

/** Why `h` is not a trace header, or null. */
export function checkHeader(h: unknown): string | null {
  if (!isObject(h) || h.type !== 'header') return 'the first line must be the trace header {"type":"header","version":1,...}';
  for (const k of Object.keys(h)) if (!['type', 'version', 'kernel', 'seed'].includes(k)) return `the header has an unknown field ${show(k)}`;
  if (h.version !== 1) return `this playground reads trace version 1, the header says version ${show(h.version)}`;
  if (h.kernel !== 'sim' && h.kernel !== 'linux') return `the header's "kernel" must be "sim" or "linux", got ${show(h.kernel)}`;
  if (h.seed !== null && !(isInt(h.seed) && h.seed >= 0 && h.seed <= 0xffffffff)) return `the header's "seed" must be a uint32 or null, got ${show(h.seed)}`;
  return null;
}

const SEQ_PREFIX = '{"seq":';
const T_KEY = ',"t":';

/**
 * Parses and validates JSON Lines. Throws TraceFormatError naming the line
 * and the problem. The records come back compact (record-list.ts): a line
 * written the way traces are (`{"seq":N,"t":T,...}`) is cut after its `t`,
 * and the rest is parsed and checked only the first time it occurs; any
 * other spelling of a record is parsed whole.
 */
export function parseTraceJsonl(text: string): { header: TraceHeader; records: TraceStore } {
  if (typeof text !== 'string') throw new TraceFormatError([{ line: 0, message: 'a trace must be text (JSON Lines)' }]);
  if (text.length > TRACE_LIMITS.maxChars) {
    throw new TraceFormatError([{ line: 0, message: `the file is ${text.length} characters long, more than the ${TRACE_LIMITS.maxChars} this playground reads` }]);
  }
  if (text.trim() === '') throw new TraceFormatError([{ line: 0, message: 'the file is empty: a trace is a header line and one JSON record per line' }]);
  const parseLine = (line: string): unknown => {
    if (line.length > TRACE_LIMITS.maxLineChars) throw new Error(`the line is longer than ${TRACE_LIMITS.maxLineChars} characters`);
    try {
      return JSON.parse(line) as unknown;
    } catch {
      throw new Error(`not valid JSON (${show(line)})`);
    }
  };
  // Lines are cut one at a time (no array of a million strings).
  let pos = 0;
  let lineNo = 0;
  const nextLine = (): string | null => {
    if (pos > text.length) return null;
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    let line = text.slice(pos, end);
    pos = end + 1;
    lineNo++;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    return line;
  };
  let header: unknown;
  try {
    header = parseLine(nextLine() as string);
  } catch (e) {
    throw new TraceFormatError([{ line: 1, message: `the header line is ${(e as Error).message}` }]);
  }
  const headerProblem = checkHeader(header);
  if (headerProblem) throw new TraceFormatError([{ line: 1, message: headerProblem }]);
  const fail = (message: string): never => {
    throw new TraceFormatError([{ line: lineNo, message }]);
  };
  const out = new TraceStore();
  // A line's text after its t (no opening brace) -> its template in `out`.
  const known = new Map<string, number>();
  let prevSeq = 0;
  for (let line = nextLine(); line !== null; line = nextLine()) {
    if (line === '') {
      if (pos > text.length) break;
      fail('an empty line inside the trace (each line must be one JSON record)');
    }
    if (out.length >= TRACE_LIMITS.maxRecords) {
      throw new TraceFormatError([{ line: 0, message: `the trace has more than the ${TRACE_LIMITS.maxRecords} records this playground reads` }]);
    }
    // Fast path: {"seq":N,"t":T,<rest>} with a rest seen before.
    const tAt = line.startsWith(SEQ_PREFIX) ? line.indexOf(T_KEY, SEQ_PREFIX.length) : -1;
    const restAt = tAt < 0 ? -1 : line.indexOf(',', tAt + T_KEY.length);
    if (restAt > 0 && line.length <= TRACE_LIMITS.maxLineChars) {
      const seqText = line.slice(SEQ_PREFIX.length, tAt);
      const tText = line.slice(tAt + T_KEY.length, restAt);
      const seq = /^[0-9]+$/.test(seqText) ? Number(seqText) : NaN;
      const t = /^[0-9.eE+-]+$/.test(tText) ? Number(tText) : NaN;
      const key = line.slice(restAt + 1);
      let k = known.get(key) ?? -1;
      if (k < 0) {
        let rest: unknown;
        try {
          rest = JSON.parse(`{${key}`) as unknown;
        } catch {
          rest = undefined;
        }
        // A rest that does not parse alone, or that repeats seq or t, takes the slow path below.
        if (isObject(rest) && !('seq' in rest) && !('t' in rest) && Number.isFinite(seq) && Number.isFinite(t)) {
          const bad = checkRecord({ seq, t, ...rest }, prevSeq);
          if (bad) fail(bad);
          k = out.addTemplate(`{${key}`, rest as RecordTemplate);
          known.set(key, k);
        }
      }
      if (k >= 0) {
        if (!Number.isSafeInteger(seq) || seq < 1) fail(`"seq" must be a positive integer, got ${show(seqText)}`);
        if (seq <= prevSeq) fail(`"seq" must increase: ${seq} follows ${prevSeq}`);
        if (!Number.isFinite(t) || t < 0) fail(`"t" must be a non-negative number of ms, got ${show(tText)}`);
        out.push(seq, t, k);
        prevSeq = seq;
        continue;
      }
    }
    let r: unknown;
    try {
      r = parseLine(line);
    } catch (e) {
      fail((e as Error).message);
    }
    const bad = checkRecord(r, prevSeq);
    if (bad) fail(bad);
    out.pushRecord(r as TraceRecord);
    prevSeq = (r as TraceRecord).seq;
  }
  return { header: header as TraceHeader, records: out };
}

// ---- derived views ----

export type { InterestItem, InterestState };

export interface EpollInfo {
  name: string;
  /** The actor that created it ('reactor', 'peers', 'reactor-1'...). */
  owner: string;
  /** Indexes of its epollWait records, in order. */
  waits: number[];
}


/**
 * The epoll interest lists before a trace's first record, for a trace that
 * starts in the middle of a run (a live server's window): each epoll with
 * the actor that made it and its items.
 */
export interface InterestBase {
  epolls: Array<{ name: string; owner: string; interest: InterestItem[] }>;
}

const CHECKPOINT = 2048;
const MAX_LANES = 6;
const OTHERS = 'other actors';

function hasFlag(events: string | undefined, flag: string): boolean {
  return events !== undefined && events !== '' && events.split('|').includes(flag);
}

function isReactor(actor: string): boolean {
  return actor === 'reactor' || actor.startsWith('reactor-');
}

/** A peer: an actor that is none of the reactor's, the app, the peers' epoll, the sim or the scenario. */
export function isPeerActor(actor: string): boolean {
  return !isReactor(actor) && !RESERVED.has(actor);
}

function laneOrder(actor: string): number {
  if (actor === 'reactor') return 0;
  if (isReactor(actor)) return 1;
  if (actor === 'app') return 2;
  if (actor === 'peers') return 3;
  if (actor === 'sim') return 5;
  return 4;
}

function copyState(s: InterestState): InterestState {
  const out: InterestState = new Map();
  for (const [k, v] of s) out.set(k, new Map(v));
  return out;
}

export class TraceModel {
  readonly header: TraceHeader;
  readonly records: RecordList;
  private jsonl: string | null;
  readonly n: number;
  /** Lane titles (actors; the last may gather the rest). */
  readonly lanes: string[];
  /** Lane of each record; 255 = a full-width row (a scenario action). */
  readonly lane: Uint8Array;
  readonly marks: Uint16Array;
  /** Cumulative bytes after each record: written by the reactor, read by peers, read by the reactor. */
  readonly written: Float64Array;
  readonly delivered: Float64Array;
  readonly reactorRead: Float64Array;
  /** Each record's t (ms: virtual on the sim, since open on Linux). */
  readonly t: Float64Array;
  readonly hasPeers: boolean;
  readonly epolls: EpollInfo[];
  /** The reactor's (first) epoll, the one the views show by default. */
  readonly mainEpoll: string | null;
  /** Indexes of the reactor's epollWait records (iteration starts, for traces without steps). */
  readonly reactorWaits: number[];
  /** The interest lists before the first record (empty unless the model was given a base). */
  private readonly initial: InterestState;
  /** Interest lists and open names before every CHECKPOINT-th record. */
  private readonly checkpoints: Array<{ state: InterestState; open: Set<string> }> = [];

  /** `text`: the JSON Lines as read (null: made from the records when asked for). */
  constructor(header: TraceHeader, records: RecordList | readonly TraceRecord[], text: string | null, base?: InterestBase) {
    this.header = header;
    records = Array.isArray(records) ? new ArrayRecords(records as readonly TraceRecord[]) : (records as RecordList);
    this.records = records;
    this.jsonl = text;
    const n = (this.n = records.length);
    this.lane = new Uint8Array(n);
    this.marks = new Uint16Array(n);
    this.written = new Float64Array(n);
    this.delivered = new Float64Array(n);
    this.reactorRead = new Float64Array(n);
    this.t = new Float64Array(n);
    this.epolls = [];
    this.reactorWaits = [];

    // Lanes: actors by kind, then by first appearance.
    const first = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const r = records.peek(i) as TraceRecord;
      if (r.actor !== 'scenario' && !first.has(r.actor)) first.set(r.actor, i);
    }
    const actors = [...first.keys()].sort((a, b) => laneOrder(a) - laneOrder(b) || (first.get(a) as number) - (first.get(b) as number));
    const lanes = actors.length > MAX_LANES ? [...actors.slice(0, MAX_LANES - 1), OTHERS] : actors;
    this.lanes = lanes;
    const laneIndex = new Map<string, number>();
    actors.forEach((a, i) => laneIndex.set(a, Math.min(i, lanes.length - 1)));
    this.hasPeers = actors.some(isPeerActor);

    const state: InterestState = new Map();
    const open = new Set<string>();
    const epollByName = new Map<string, EpollInfo>();
    for (const e of base?.epolls ?? []) {
      state.set(e.name, new Map(e.interest.map((it) => [it.fd, { ...it }])));
      open.add(e.name);
      for (const it of e.interest) if (it.name !== null) open.add(it.name);
      const info: EpollInfo = { name: e.name, owner: e.owner, waits: [] };
      epollByName.set(e.name, info);
      this.epolls.push(info);
    }
    this.initial = copyState(state);
    let written = 0;
    let delivered = 0;
    let reactorRead = 0;
    for (let i = 0; i < n; i++) {
      if (i % CHECKPOINT === 0) this.checkpoints.push({ state: copyState(state), open: new Set(open) });
      // Read at once, nothing of it kept (the interest state copies what it takes).
      const r = records.peek(i) as TraceRecord;
      this.t[i] = r.t;
      this.lane[i] = r.actor === 'scenario' ? 255 : (laneIndex.get(r.actor) ?? 0);
      let m = 0;
      if (r.actor === 'scenario' && r.call === 'action') m |= MARK.ACTION;
      if (r.err === 'EAGAIN') m |= MARK.EAGAIN;
      else if (r.err !== undefined) m |= MARK.ERROR;
      const ret = typeof r.ret === 'number' ? r.ret : null;
      if (r.call === 'write' && ret !== null) {
        const asked = (r.args as { bytes?: unknown }).bytes;
        if (typeof asked === 'number' && ret < asked) m |= MARK.PARTIAL;
        if (isReactor(r.actor)) written += ret;
      }
      if (r.call === 'read' && ret !== null) {
        if (ret === 0) m |= MARK.EOF;
        if (isReactor(r.actor)) reactorRead += ret;
        else if (isPeerActor(r.actor)) delivered += ret;
      }
      if (r.call === 'epollCreate' && typeof r.created === 'string') {
        const info: EpollInfo = { name: r.created, owner: r.actor, waits: [] };
        epollByName.set(r.created, info);
        this.epolls.push(info);
      }
      if (r.call === 'epollWait') {
        const ep = r.name ?? `fd ${r.fd}`;
        let info = epollByName.get(ep);
        if (!info) {
          info = { name: ep, owner: r.actor, waits: [] };
          epollByName.set(ep, info);
          this.epolls.push(info);
        }
        info.waits.push(i);
        if (isReactor(r.actor)) this.reactorWaits.push(i);
        if (r.events !== undefined && r.events.length > 0) m |= MARK.WAKEUP;
        if (r.events?.some((e) => hasFlag(e.events, 'EPOLLOUT'))) m |= MARK.OUT_READY;
        if (r.err === undefined && (r.events?.length ?? 0) === 0) m |= MARK.EMPTY_WAIT;
      }
      m |= applyInterest(state, open, r);
      this.marks[i] = m;
      this.written[i] = written;
      this.delivered[i] = delivered;
      this.reactorRead[i] = reactorRead;
    }
    this.mainEpoll = this.epolls.find((e) => isReactor(e.owner))?.name ?? this.epolls[0]?.name ?? null;
  }

  /** The JSON Lines text: as given, or made from the records now. */
  get text(): string {
    if (this.jsonl !== null) return this.jsonl;
    // Made anew each time, not kept (a million records' text is over 100 MB);
    // a chunk of lines joined at a time, as src/trace.ts's traceToJsonl does.
    let out = `${JSON.stringify(this.header)}\n`;
    const lines: string[] = [];
    for (let i = 0; i < this.n; i += 4096) {
      lines.length = 0;
      for (let j = i; j < Math.min(i + 4096, this.n); j++) lines.push(JSON.stringify(this.records.get(j)));
      lines.push('');
      out += lines.join('\n');
    }
    return out;
  }

  /** The interest list of epoll `ep` after record `i` (i = -1: before the first). */
  interestAt(i: number, ep: string): InterestItem[] {
    if (i < 0 || this.n === 0) return [...(this.initial.get(ep)?.values() ?? [])];
    i = Math.min(i, this.n - 1);
    const k = Math.floor(i / CHECKPOINT);
    const cp = this.checkpoints[k] as { state: InterestState; open: Set<string> };
    const state = copyState(cp.state);
    const open = new Set(cp.open);
    for (let j = k * CHECKPOINT; j <= i; j++) {
      applyInterest(state, open, this.records.get(j) as TraceRecord);
    }
    return [...(state.get(ep)?.values() ?? [])];
  }

  /** Index of the last epollWait on `ep` at or before record `i`, or -1. */
  lastWaitAt(i: number, ep: string): number {
    const waits = this.epolls.find((e) => e.name === ep)?.waits ?? [];
    let lo = 0;
    let hi = waits.length - 1;
    let best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if ((waits[mid] as number) <= i) {
        best = waits[mid] as number;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return best;
  }

  /** Ready events of a record (epollWait), else []. */
  eventsOf(i: number): TraceEvent[] {
    return this.records.get(i)?.events ?? [];
  }
}

/** What record `r` does to the interest lists and the open names (src/trace-interest.ts), as a mark: EPOLLOUT on, off, or 0. */
export function applyInterest(state: InterestState, open: Set<string>, r: TraceRecord): number {
  const change = applyTraceInterest(state, open, r);
  return change === 'on' ? MARK.OUT_ON : change === 'off' ? MARK.OUT_OFF : 0;
}

/**
 * Parses JSON Lines text into a model (TraceFormatError on bad input). The
 * text is not kept (a million-event run's is over 100 MB): an export makes
 * it again from the records, the same bytes for a trace written the way
 * traces are.
 */
export function modelFromJsonl(text: string): TraceModel {
  const { header, records } = parseTraceJsonl(text);
  return new TraceModel(header, records, null);
}
