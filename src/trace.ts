// The call trace: one record per kernel call, with stable fd names so traces
// of the same script compare equal whatever fd numbers a kernel hands out.
//
// Names: sockets s1, s2, ... (socket, socketpair, accept), epolls ep1, ...,
// eventfds ev1, ...; a dup of s1 is s1+1, the next s1+2 (a dup of an fd this
// kernel does not know is d1, d2, ...). Names are retired on close and never
// reused. Each epoll instance (shared by its dups) remembers the name that was
// registered under each user data value at ADD/MOD time, so ready events name
// the registration even after its fd was closed or its number reused. Two live
// registrations with the same user data (the dup/close gotcha) both map to the
// latest name: the user data is all epoll gives back.
//
// Calls made by native code on the same kernel (the reactor, through
// native/kernel/tracing_kernel.h) are ingested into the same records: their
// fds get names from the same counters and their records the next seq, so one
// trace holds the reactor and the scripted peers in the order things happened.
import { CallSiteTable } from './call-site.js';
import { errnoName, eventNames } from './constants.js';
import { TraceStore } from './trace-store.js';
import type { BackendName, ErrnoName, NativeTraceRecord, RecordTemplate, Trace, TraceEvent, TraceHeader, TraceRecord } from './types.js';

export type FdKind = 'socket' | 'epoll' | 'eventfd' | 'dup';

interface OpenFile {
  /** Epoll registrations by user data, for epoll files; shared by dups. */
  readonly registrations?: Map<number, string | null>;
}

interface FdEntry {
  readonly name: string;
  readonly file: OpenFile;
}

const PREFIX: Record<Exclude<FdKind, 'dup'>, string> = { socket: 's', epoll: 'ep', eventfd: 'ev' };

/** A native actor's sites: text by its own numbers, and this trace's number for each. */
interface NativeSites {
  texts: string[];
  written: number[];
}

export type TraceResult = { ret: number | string | number[] } | { err: ErrnoName } | null;

export class Tracer {
  readonly header: TraceHeader;
  /** The records, compact (trace-store.ts). */
  readonly store = new TraceStore();
  /** `records` as made so far: extended, never remade, when more records came. */
  private made: TraceRecord[] = [];
  actor = 'app';
  /** Moves on whenever a name or a registration changes: what a native record's text ingests to holds while it stands. */
  epoch = 0;
  private readonly fds = new Map<number, FdEntry>();
  private readonly counters = new Map<string, number>();
  /** ingestNativeText's memory: a native record's text after its t -> the template it ingested to, in this epoch. */
  readonly seenNative = new Map<string, number>();
  seenEpoch = 0;

  constructor(kernel: BackendName, seed: number | null) {
    this.header = { type: 'header', version: 1, kernel, seed };
  }

  /**
   * Each native actor's call sites, by its numbers (tracing_kernel.h: a site
   * is spelled out in the actor's first record that has it, then numbered in
   * order of first appearance), with what this trace writes for each.
   */
  private readonly nativeSites = new Map<string, NativeSites>();
  private lastActor = '';
  private lastSites: NativeSites | null = null;
  /** This trace's own numbering (call-site.ts): text at a site's first record, its number after. */
  readonly sites = new CallSiteTable();

  /**
   * What this trace's record says for a native record's site (text, or the
   * number of one its actor spelled out before): the text the first time the
   * trace has it, its number after; undefined for a number never spelled out.
   * Once per reactor record: a number the trace has numbered costs two array reads.
   */
  site(actor: string, site: string | number | undefined): string | number | undefined {
    if (site === undefined) return undefined;
    let known = actor === this.lastActor ? this.lastSites : null;
    if (known === null) {
      known = this.nativeSites.get(actor) ?? null;
      if (known === null) {
        known = { texts: [], written: [] };
        this.nativeSites.set(actor, known);
      }
      this.lastActor = actor;
      this.lastSites = known;
    }
    if (typeof site === 'string') {
      known.texts.push(site);
      const n = known.texts.length - 1;
      const out = this.sites.encode(site);
      // Numbered now (encode numbers a new text): later records of this site give the number.
      known.written[n] = this.sites.numberOf(site) as number;
      return out;
    }
    const written = known.written[site];
    if (written !== undefined) return written;
    const text = known.texts[site];
    return text === undefined ? undefined : this.sites.encode(text);
  }

  /** Records so far. */
  get length(): number {
    return this.store.length;
  }

  /** The template of the last record appended. */
  get lastTemplate(): number {
    return this.store.templateAt(this.store.length - 1);
  }

  /** Appends a record that repeats template `k` at time `t`. */
  pushTemplate(t: number, k: number): void {
    this.store.push(this.store.length + 1, t, k);
  }

  /**
   * The records as objects, made the first time they are asked for and
   * extended after: a run nobody asks this of never holds them.
   */
  get records(): readonly TraceRecord[] {
    for (let i = this.made.length; i < this.store.length; i++) this.made.push(this.store.get(i) as TraceRecord);
    return this.made;
  }

  /** The records so far, handed on and forgotten (a server's trace drains them). */
  drain(): TraceRecord[] {
    const out = this.records.slice();
    this.store.clear();
    this.made = [];
    return out;
  }

  private next(prefix: string): number {
    const n = (this.counters.get(prefix) ?? 0) + 1;
    this.counters.set(prefix, n);
    return n;
  }

  nameOf(fd: number): string | null {
    return this.fds.get(fd)?.name ?? null;
  }

  /** A new fd returned by socket/socketpair/accept/epollCreate/eventfd. */
  opened(fd: number, kind: Exclude<FdKind, 'dup'>): string {
    this.epoch++;
    const name = `${PREFIX[kind]}${this.next(PREFIX[kind])}`;
    this.fds.set(fd, { name, file: kind === 'epoll' ? { registrations: new Map() } : {} });
    return name;
  }

  /** `fd` is a dup of `src`: a new name, the same open file. */
  dupped(src: number, fd: number): string {
    this.epoch++;
    const from = this.fds.get(src);
    const name = from ? `${from.name}+${this.next(`${from.name}+`)}` : `d${this.next('d')}`;
    this.fds.set(fd, { name, file: from?.file ?? {} });
    return name;
  }

  closed(fd: number): void {
    this.epoch++;
    this.fds.delete(fd);
  }

  /** After a successful epoll_ctl: remember (ADD/MOD) or forget (DEL) the name behind `data`. */
  registered(ep: number, rawOp: number, data: number): void {
    const regs = this.fds.get(ep)?.file.registrations;
    if (!regs) return;
    this.epoch++;
    if (rawOp === 2) regs.delete(data);
    else regs.set(data, this.nameOf(data));
  }

  /** Ready events as recorded: each user data mapped back to its registered name. */
  events(ep: number, ready: ReadonlyArray<{ fd: number; events: number }>): TraceEvent[] {
    const regs = this.fds.get(ep)?.file.registrations;
    return ready.map((e) => ({ fd: e.fd, name: regs?.get(e.fd) ?? null, events: eventNames(e.events) }));
  }

  /** Appends a record; keys in the fixed order of TraceRecord. `fd` undefined = the call takes no fd. */
  record(
    t: number,
    call: string,
    fd: number | undefined,
    args: Record<string, unknown>,
    result: TraceResult,
    created?: string | string[],
    events?: TraceEvent[],
  ): void {
    this.recordAs(this.actor, t, call, fd, args, result, created, events);
  }

  /** record() under another actor (a native record's own). */
  recordAs(
    actor: string,
    t: number,
    call: string,
    fd: number | undefined,
    args: Record<string, unknown>,
    result: TraceResult,
    created?: string | string[],
    events?: TraceEvent[],
    site?: string | number,
    origin?: string | number,
  ): void {
    // The record less seq and t (what the store keeps once), built key by key so JSON.stringify keeps the documented order.
    const r = { actor, call } as RecordTemplate;
    if (fd !== undefined) {
      r.fd = fd;
      r.name = this.nameOf(fd);
    }
    r.args = args;
    if (result !== null) {
      if ('err' in result) r.err = result.err;
      else r.ret = result.ret;
    }
    if (created !== undefined) r.created = created;
    if (events !== undefined) r.events = events;
    if (site !== undefined) r.site = site;
    if (origin !== undefined) r.origin = origin;
    this.store.pushTemplateValue(this.store.length + 1, t, r);
  }
}

const NEW_FD_KIND: Readonly<Record<string, Exclude<FdKind, 'dup'>>> = {
  socket: 'socket',
  accept: 'socket',
  epollCreate: 'epoll',
  eventfd: 'eventfd',
};
const EPOLL_OP_NUMBERS: Readonly<Record<string, number>> = { ADD: 1, DEL: 2, MOD: 3 };

/** Entries ingestNativeText remembers before it starts again. */
const SEEN_NATIVE_MAX = 65536;
const NATIVE_T = '{"t":';

/**
 * Appends the records of a binding's drained text (TraceLog: `[` records
 * separated by `,\n` `]`) as ingestNativeRecord would one by one, and
 * faster: a record whose text after its `t` was seen before, while no
 * name or registration changed since, ingests to the same template, so it
 * is not parsed again. Most of a long run's records are such repeats (a
 * connection's read of the same size, an epoll_wait reporting the same
 * fds); parsing, naming and re-serializing each was a third of a
 * simulation's time. `check` validates a record that is parsed.
 */
export function ingestNativeText(tracer: Tracer, text: string, check: (r: unknown) => void, touched?: (fd: number) => void): void {
  if (text.length <= 2) return;
  const seen = tracer.seenNative;
  let from = 1;
  const end = text.length - 1;
  while (from < end) {
    let to = text.indexOf(',\n', from);
    if (to < 0 || to > end) to = end;
    const line = text.slice(from, to);
    from = to + 2;
    if (tracer.seenEpoch !== tracer.epoch || seen.size >= SEEN_NATIVE_MAX) {
      seen.clear();
      tracer.seenEpoch = tracer.epoch;
    }
    const comma = line.startsWith(NATIVE_T) ? line.indexOf(',', NATIVE_T.length) : -1;
    const key = comma > 0 ? line.slice(comma + 1) : null;
    const known = key === null ? undefined : seen.get(key);
    if (known !== undefined) {
      tracer.pushTemplate(Number(line.slice(NATIVE_T.length, comma)), known);
      continue;
    }
    const r = JSON.parse(line) as unknown;
    check(r);
    const epoch = tracer.epoch;
    ingestNativeRecord(tracer, r as NativeTraceRecord, touched);
    if (key !== null && tracer.epoch === epoch) seen.set(key, tracer.lastTemplate);
  }
}

/**
 * Appends one native record to `tracer` in the shape the TS Kernel gives the
 * same call (args, names, errno names, event names). Records of calls that
 * are not syscalls (app events) keep their args as they are. `touched` is
 * called with each fd the call opened or closed, so the caller can forget
 * per-fd state. Called once per record of a run (hundreds of thousands):
 * it allocates nothing but the record itself.
 */
export function ingestNativeRecord(tracer: Tracer, r: NativeTraceRecord, touched?: (fd: number) => void): void {
  const result: TraceResult = r.err !== undefined ? { err: errnoName(r.err) } : r.ret !== undefined ? { ret: r.ret } : null;
  const ok = r.err === undefined && r.ret !== undefined;
  const { actor, call } = r;
  // In record order: a site spelled out as "site" may be numbered as "origin" later, and the reverse.
  const site = tracer.site(actor, r.site);
  const origin = tracer.site(actor, r.origin);
  const kind = NEW_FD_KIND[call];
  if (kind !== undefined && ok && typeof r.ret === 'number') {
    touched?.(r.ret);
    tracer.recordAs(actor, r.t, call, r.fd, r.args, result, tracer.opened(r.ret, kind), undefined, site, origin);
  } else if (call === 'socketpair' && ok && Array.isArray(r.ret)) {
    const names = r.ret.map((fd) => tracer.opened(fd, 'socket'));
    if (touched) for (const fd of r.ret) touched(fd);
    tracer.recordAs(actor, r.t, call, r.fd, r.args, result, names, undefined, site, origin);
  } else if (call === 'dup' && ok && typeof r.ret === 'number' && r.fd !== undefined) {
    touched?.(r.ret);
    tracer.recordAs(actor, r.t, call, r.fd, r.args, result, tracer.dupped(r.fd, r.ret), undefined, site, origin);
  } else if (call === 'epollCtl' && r.fd !== undefined) {
    const target = Number(r.args.fd);
    const mask = Number(r.args.events);
    const args = { op: r.args.op, fd: target, name: tracer.nameOf(target), events: eventNames(mask) };
    tracer.recordAs(actor, r.t, call, r.fd, args, result, undefined, undefined, site, origin);
    const rawOp = typeof r.args.op === 'string' ? EPOLL_OP_NUMBERS[r.args.op] : Number(r.args.op);
    const data = r.args.data === undefined ? target : Number(r.args.data);
    if (ok && rawOp !== undefined && rawOp >= 1 && rawOp <= 3) tracer.registered(r.fd, rawOp, data);
  } else if (call === 'epollWait' && r.fd !== undefined) {
    let events: TraceEvent[] | undefined;
    if (ok) {
      const raw = r.events ?? [];
      const ready = new Array<{ fd: number; events: number }>(raw.length);
      for (let i = 0; i < raw.length; i++) {
        const [fd, ev] = raw[i] as [number, number];
        ready[i] = { fd, events: ev >>> 0 };
      }
      events = tracer.events(r.fd, ready);
    }
    tracer.recordAs(actor, r.t, call, r.fd, r.args, result, undefined, events, site, origin);
  } else {
    tracer.recordAs(actor, r.t, call, r.fd, r.args, result, undefined, undefined, site, origin);
    if (call === 'close' && ok && r.fd !== undefined) {
      touched?.(r.fd);
      tracer.closed(r.fd);
    }
  }
}

/** Records per join in traceToJsonl. */
const JSONL_CHUNK = 4096;

/** JSON Lines: the header, then one line per record, each ending in '\n'. */
export function traceToJsonl(trace: Trace): string {
  // Lines are joined a chunk at a time and the chunks concatenated: a third
  // faster than one += per line for a 300,000-record trace (fewer, larger
  // string pieces), without an array as long as the trace.
  const { records } = trace;
  let out = `${JSON.stringify(trace.header)}\n`;
  const lines: string[] = [];
  for (let i = 0; i < records.length; i += JSONL_CHUNK) {
    const end = Math.min(i + JSONL_CHUNK, records.length);
    lines.length = 0;
    for (let j = i; j < end; j++) lines.push(JSON.stringify(records[j]));
    lines.push('');
    out += lines.join('\n');
  }
  return out;
}

function formatArg(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/**
 * One record as a readable line:
 * `     12ms app    write(s1, filler=4096) = 4096`
 * `      0ms app    epollWait(ep1, maxevents=16, timeout=0) = 1 [s1 EPOLLOUT]`
 */
export function formatTraceRecord(r: TraceRecord): string {
  const parts: string[] = [];
  if (r.fd !== undefined) parts.push(r.name ?? String(r.fd));
  for (const [k, v] of Object.entries(r.args)) parts.push(`${k}=${formatArg(v)}`);
  let line = `${String(r.t).padStart(7)}ms ${r.actor.padEnd(6)} ${r.call}(${parts.join(', ')})`;
  if (r.err !== undefined) line += ` = ${r.err}`;
  else if (r.ret !== undefined) line += ` = ${JSON.stringify(r.ret)}`;
  if (r.created !== undefined) line += ` -> ${Array.isArray(r.created) ? r.created.join(', ') : r.created}`;
  if (r.events !== undefined) {
    line += ` [${r.events.map((e) => `${e.name ?? e.fd} ${e.events}`).join('; ')}]`;
  }
  return line;
}
