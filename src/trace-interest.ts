// The epoll interest lists as a trace says they are, record by record: the
// one set of rules that the playground's trace model (playground/src/
// trace-model.ts) and the real server's live view (src/server/
// epoll-interest.ts) both follow. An item is keyed by its epoll and its user
// data (the fd given at ADD), keeps the name and mask it was registered
// with, and goes with DEL or with the close of the last open name of its
// file (a dup, named 'x+1', keeps it alive); closing an epoll forgets its
// lists. Browser-safe, internal (not part of the package's exports).
import type { TraceRecord } from './types.js';

export interface InterestItem {
  /** The target fd (epoll's user data). */
  fd: number;
  name: string | null;
  /** The mask as registered: 'EPOLLIN|EPOLLPRI|EPOLLET'. */
  events: string;
}

/** epoll name -> (target fd -> item). */
export type InterestState = Map<string, Map<number, InterestItem>>;

/** What a record did to a registration's EPOLLOUT: turned it on, off, or neither. */
export type EpolloutChange = 'on' | 'off' | null;

function hasFlag(events: string | undefined, flag: string): boolean {
  return events !== undefined && events !== '' && events.split('|').includes(flag);
}

/** A dup's name is its file's name and '+k': they share the open file. */
function baseName(name: string): string {
  const i = name.indexOf('+');
  return i < 0 ? name : name.slice(0, i);
}

/**
 * What record `r` does to the interest lists (`state`) and the open names:
 * created fds open, epoll_ctl adds, changes or removes an item, close forgets
 * the fd's items (and an epoll's lists).
 */
export function applyInterest(state: InterestState, open: Set<string>, r: TraceRecord): EpolloutChange {
  if (r.created !== undefined) for (const x of Array.isArray(r.created) ? r.created : [r.created]) open.add(x);
  if (r.call === 'epollCtl') return applyCtl(state, r);
  if (r.call === 'close' && r.err === undefined && typeof r.name === 'string') closeName(state, open, r.name);
  return null;
}

function applyCtl(state: InterestState, r: TraceRecord): EpolloutChange {
  if (r.err !== undefined) return null;
  const ep = r.name ?? `fd ${r.fd}`;
  const a = r.args as { op?: unknown; fd?: unknown; name?: unknown; events?: unknown };
  const target = typeof a.fd === 'number' ? a.fd : Number(a.fd);
  if (!Number.isFinite(target)) return null;
  let list = state.get(ep);
  if (!list) {
    list = new Map();
    state.set(ep, list);
  }
  const before = list.get(target)?.events;
  const events = typeof a.events === 'string' ? a.events : '';
  let after: string | undefined;
  if (a.op === 'DEL') {
    list.delete(target);
  } else if (a.op === 'ADD' || a.op === 'MOD') {
    after = events;
    list.set(target, { fd: target, name: typeof a.name === 'string' ? a.name : null, events });
  }
  const was = hasFlag(before, 'EPOLLOUT');
  const is = hasFlag(after, 'EPOLLOUT');
  return !was && is ? 'on' : was && !is ? 'off' : null;
}

function closeName(state: InterestState, open: Set<string>, name: string): void {
  open.delete(name);
  const base = baseName(name);
  for (const o of open) if (baseName(o) === base) return; // a dup keeps the open file (and its epoll items) alive
  state.delete(name);
  for (const list of state.values()) {
    for (const [k, item] of list) if (item.name !== null && baseName(item.name) === base) list.delete(k);
  }
}
