// Numbers and trace records as people read them.
import type { TraceRecord } from '../../src/browser.js';

const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** 130964 -> "130,964". */
export function num(n: number): string {
  return int.format(n);
}

/** Bytes, exact below 10 KiB, else in KiB/MiB with one decimal: "130,964 B (127.9 KiB)". */
export function bytes(n: number, exact = false): string {
  if (!Number.isFinite(n)) return '–';
  const a = Math.abs(n);
  let short: string;
  if (a < 10 * 1024) short = `${num(n)} B`;
  else if (a < 1024 * 1024) short = `${(n / 1024).toFixed(1)} KiB`;
  else short = `${(n / 1024 / 1024).toFixed(1)} MiB`;
  if (!exact || a < 10 * 1024) return short;
  return `${num(n)} B (${short})`;
}

/** Bytes for an axis: "16 MiB", "512 KiB", "900 B". */
export function axisBytes(n: number): string {
  if (n >= 1024 * 1024) return `${+(n / 1024 / 1024).toFixed(1)} MiB`;
  if (n >= 1024) return `${+(n / 1024).toFixed(1)} KiB`;
  return `${Math.round(n)} B`;
}

/** Short event names: "EPOLLIN|EPOLLOUT|EPOLLET" -> "IN|OUT|ET". */
export function shortEvents(events: string): string {
  return events === '' ? '–' : events.split('|').map((e) => e.replace(/^EPOLL/, '')).join('|');
}

function arg(v: unknown): string {
  if (typeof v === 'string') return v.length > 40 ? `${v.slice(0, 37)}…` : v;
  if (typeof v === 'number') return Math.abs(v) >= 10_000 ? num(v) : String(v);
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 40 ? `${s.slice(0, 37)}…` : s;
}

/** The call as one short line: `write(s3, bytes=1,048,576) → 130,964`. */
export function summary(r: TraceRecord): string {
  if (r.actor === 'scenario' && r.call === 'action') {
    const a = r.args as Record<string, unknown>;
    const rest = Object.entries(a)
      .filter(([k]) => k !== 'index' && k !== 'do')
      .map(([k, v]) => `${k}=${arg(v)}`)
      .join(', ');
    return `action ${arg(a.index)}: ${arg(a.do)}${rest ? ` (${rest})` : ''}`;
  }
  const parts: string[] = [];
  if (r.fd !== undefined) parts.push(r.name ?? String(r.fd));
  for (const [k, v] of Object.entries(r.args)) {
    if (r.call === 'epollCtl' && k === 'events') parts.push(r.args.op === 'DEL' ? '' : shortEvents(String(v)));
    else if (r.call === 'epollCtl' && k === 'op') parts.push(String(v));
    else if (r.call === 'epollCtl' && k === 'fd') continue;
    else if (r.call === 'epollCtl' && k === 'name') parts.push(v === null ? String(r.args.fd) : arg(v));
    else if (r.call === 'epollWait') continue;
    else if ((r.call === 'write' && k === 'bytes') || (r.call === 'read' && k === 'max')) parts.push(arg(v));
    else parts.push(`${k}=${arg(v)}`);
  }
  let line = `${r.call}(${parts.filter((p) => p !== '').join(', ')})`;
  if (r.err !== undefined) line += ` → ${r.err}`;
  else if (r.ret !== undefined) line += ` → ${typeof r.ret === 'number' ? arg(r.ret) : arg(r.ret)}`;
  if (r.created !== undefined) line += ` ⇒ ${Array.isArray(r.created) ? r.created.join(', ') : r.created}`;
  if (r.events !== undefined && r.events.length > 0) {
    line += ` [${r.events.map((e) => `${e.name ?? e.fd} ${shortEvents(e.events)}`).join('; ')}]`;
  }
  return line;
}

/** 1st, 2nd, 3rd, 11th, 21st... */
export function ordinal(k: number): string {
  const t = k % 100;
  const suffix = t >= 11 && t <= 13 ? 'th' : ({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[k % 10] ?? 'th';
  return `${num(k)}${suffix}`;
}
