// The reactor's part of a Simulation trace, normalised so that a run on real
// Linux and a run on the simulated kernel can be compared record by record
// (test/scenario-linux-vs-sim.test.ts). What legitimately differs between
// the kernels is removed, as the kernel differential suite does
// (test/differential/observer.ts): fd numbers (records keep the stable fd
// names), the abstract AF_UNIX name each Linux run listens on, ephemeral
// ports, timestamps and sequence numbers.
import type { TraceRecord } from '../../src/index.js';

export interface ReactorRecord {
  actor: string;
  call: string;
  name?: string | null;
  args: Record<string, unknown>;
  ret?: unknown;
  err?: string;
  created?: string | string[];
  events?: string[];
}

/** '@edgeloop-sim-PID-N' (a Linux run's listener) -> '@edgeloop'; '127.0.0.1:N' -> '127.0.0.1:PORT' (0 stays). */
export function normaliseAddress(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  if (/^@edgeloop-sim-\d+-\d+$/.test(v)) return '@edgeloop';
  const tcp = /^(\d+\.\d+\.\d+\.\d+):(\d+)$/.exec(v);
  if (tcp) return tcp[2] === '0' ? v : `${tcp[1]}:PORT`;
  return v;
}

/** Calls whose numeric result is a new fd (named in `created`). */
const NEW_FD = new Set(['socket', 'accept', 'epollCreate', 'eventfd', 'dup']);

/** One record without what differs between kernels by design. */
export function normaliseRecord(r: TraceRecord): ReactorRecord {
  const out: ReactorRecord = { actor: r.actor, call: r.call, args: {} };
  if (r.fd !== undefined) out.name = r.name ?? null;
  for (const [k, v] of Object.entries(r.args)) {
    // epollCtl's target fd and the app's connection fd are numbers; their names stay.
    if (k === 'fd' && (r.call === 'epollCtl' || r.actor === 'app')) continue;
    out.args[k] = normaliseAddress(v);
  }
  if (r.err !== undefined) out.err = r.err;
  else if (r.ret !== undefined && !(NEW_FD.has(r.call) && r.created !== undefined)) out.ret = normaliseAddress(r.ret);
  if (r.created !== undefined) out.created = r.created;
  if (r.events !== undefined) out.events = r.events.map((e) => `${e.name ?? '?'}:${e.events}`);
  return out;
}

/** The reactor's records (its syscalls, and the app events it reported), normalised. */
export function reactorTrace(records: readonly TraceRecord[]): ReactorRecord[] {
  return records.filter((r) => r.actor === 'reactor' || r.actor === 'app').map(normaliseRecord);
}

export function showRecord(r: ReactorRecord | undefined): string {
  if (!r) return '(nothing)';
  const args = Object.entries(r.args)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(', ');
  let line = `${r.actor} ${r.call}(${[r.name ?? undefined, args].filter((x) => x !== undefined && x !== '').join(', ')})`;
  if (r.err !== undefined) line += ` = ${r.err}`;
  else if (r.ret !== undefined) line += ` = ${JSON.stringify(r.ret)}`;
  if (r.created !== undefined) line += ` -> ${String(r.created)}`;
  if (r.events !== undefined) line += ` [${r.events.join('; ')}]`;
  return line;
}

// ---- comparing a Linux run with a sim run ----

/** Byte counts of the reactor's trace: what loopback TCP may legitimately move (docs/kernel-fidelity.md). */
export function counts(r: ReactorRecord): Record<string, number> {
  const out: Record<string, number> = {};
  if ((r.call === 'read' || r.call === 'write') && r.actor === 'reactor') {
    if (typeof r.ret === 'number') out.ret = r.ret;
    if (r.call === 'write' && typeof r.args.bytes === 'number') out['args.bytes'] = r.args.bytes;
  }
  if (r.actor === 'app' && r.call === 'message' && typeof r.args.length === 'number') out['args.length'] = r.args.length;
  if (r.actor === 'app' && r.call === 'highWaterMark' && typeof r.args.bytes === 'number') out['args.bytes'] = r.args.bytes;
  if (r.args.loop === true) {
    out['args.bytes'] = r.args.bytes as number;
    if (typeof r.args.messageBytes === 'number') out['args.messageBytes'] = r.args.messageBytes;
  }
  return out;
}

/** The record without its byte counts: what must be equal on TCP too. */
function shape(r: ReactorRecord): string {
  const c = counts(r);
  const args = { ...r.args };
  for (const k of Object.keys(c)) if (k.startsWith('args.')) delete args[k.slice(5)];
  return JSON.stringify({ ...r, args, ret: 'ret' in c ? '#' : r.ret });
}

/**
 * TCP: each loop of reads (with the app's message events between them) or
 * of writes on one fd, as the reactor runs it within one wakeup, folded into
 * one record: its calls' total bytes and how the loop ended. How many calls a
 * loop takes follows from the bytes (a 1 KiB reader makes one more read per
 * KiB), so only the bytes and the ending are compared.
 */
export function foldDataLoops(records: readonly ReactorRecord[]): ReactorRecord[] {
  const out: ReactorRecord[] = [];
  let i = 0;
  while (i < records.length) {
    const r = records[i] as ReactorRecord;
    if (r.actor !== 'reactor' || (r.call !== 'read' && r.call !== 'write')) {
      out.push(r);
      i++;
      continue;
    }
    const fd = r.name;
    let bytes = 0;
    let messages = 0;
    let messageBytes = 0;
    let last: ReactorRecord = r;
    let j = i;
    for (; j < records.length; j++) {
      const x = records[j] as ReactorRecord;
      if (x.actor === 'reactor' && x.call === r.call && x.name === fd) {
        if (typeof x.ret === 'number') bytes += x.ret;
        last = x;
      } else if (r.call === 'read' && x.actor === 'app' && x.call === 'message' && x.name === fd) {
        messages++;
        messageBytes += typeof x.args.length === 'number' ? x.args.length : 0;
      } else {
        break;
      }
    }
    const args: Record<string, unknown> = { loop: true, bytes };
    if (r.call === 'read') args.max = r.args.max;
    if (messages > 0) args.messageBytes = messageBytes;
    const ended: ReactorRecord = { actor: 'reactor', call: `${r.call}s`, name: fd ?? null, args };
    if (last.err !== undefined) ended.err = last.err;
    else ended.ret = last.ret === 0 ? 'eof' : 'data';
    out.push(ended);
    i = j;
  }
  return out;
}

export interface TraceComparison {
  /** Every record equal, byte counts included. */
  exact: boolean;
  /** Byte counts that differ (within the tolerance). */
  approximate: number;
  /** The largest |sim - linux| / linux among them. */
  maxRel: number;
  problems: string[];
}

/**
 * Compares the reactor's records of a Linux run with a sim run's. AF_UNIX:
 * every record exactly (no tolerance anywhere). TCP: the same records in the
 * same order (every call, fd, epoll event, mask and errno exactly); the byte
 * counts (read/write results, a write's length, the app's message and
 * high-water-mark sizes) may differ by at most `rel` of the Linux value. The
 * suite passes 0 (Linux reproduces every count: docs/kernel-fidelity.md);
 * the repeatability tool passes Infinity to describe a difference.
 */
export function compareReactorTraces(family: 'unix' | 'tcp', linux: readonly ReactorRecord[], sim: readonly ReactorRecord[], rel: number): TraceComparison {
  const out: TraceComparison = { exact: true, approximate: 0, maxRel: 0, problems: [] };
  const context = (i: number) => {
    const lines: string[] = [];
    for (let j = Math.max(0, i - 3); j <= i + 2 && j < Math.max(linux.length, sim.length); j++) {
      lines.push(`    #${j} linux: ${showRecord(linux[j])}`, `    #${j} sim:   ${showRecord(sim[j])}`);
    }
    return lines.join('\n');
  };
  const n = Math.max(linux.length, sim.length);
  for (let i = 0; i < n; i++) {
    const l = linux[i];
    const s = sim[i];
    if (l !== undefined && s !== undefined && JSON.stringify(l) === JSON.stringify(s)) continue;
    out.exact = false;
    if (family === 'unix' || l === undefined || s === undefined || shape(l) !== shape(s)) {
      out.problems.push(`the reactor's traces diverge at record #${i} (${linux.length} records on linux, ${sim.length} on the sim):\n${context(i)}`);
      return out;
    }
    const lc = counts(l);
    const sc = counts(s);
    for (const [k, lv] of Object.entries(lc)) {
      const sv = sc[k] as number;
      if (lv === sv) continue;
      out.approximate++;
      out.maxRel = Math.max(out.maxRel, Math.abs(sv - lv) / Math.max(1, Math.abs(lv)));
      if (Math.abs(sv - lv) > rel * Math.abs(lv)) {
        out.problems.push(`record #${i} ${k}: linux ${lv} vs sim ${sv}, outside ±${Math.round(rel * 100)}%:\n${context(i)}`);
      }
    }
  }
  return out;
}
