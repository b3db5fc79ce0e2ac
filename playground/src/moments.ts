// The moments of a run: the events a learner should look at, found in the
// trace alone (so a run made here, an imported file and a real server's
// trace all get them): the first write refused with EAGAIN, the first
// partial write, EPOLLOUT added, reported and removed, bytes the reactor
// dropped, wakeups that moved nothing, a reset, an end of file...
//
// computeMoments() is a pure function of the records, one pass, no state
// kept between calls: the same trace always gives the same moments. The
// first of each kind is a stop for "next moment" and a chip of the strip;
// every occurrence is kept (for search: `moment:data-dropped`).
import { recordList, type RecordList } from './record-list.js';
import { errnoName, MOMENT_NAMES, type MomentName, type TraceEvent, type TraceRecord } from '../../src/browser.js';

export interface Moment {
  name: MomentName;
  /** Index of the record (the first occurrence). */
  index: number;
  /** How many times it happens in the trace. */
  count: number;
  /** What happened at the first occurrence, in words ("write(s3, 873,589) → EAGAIN ..."). */
  detail: string;
  /** data-dropped: bytes dropped over the whole trace. */
  bytes?: number;
}

export interface Moments {
  /** The first occurrence of each kind that happens, by index. */
  list: Moment[];
  byName: Map<MomentName, Moment>;
  /** Every occurrence of each kind, ascending. */
  occurrences: Map<MomentName, number[]>;
}

/** How the page names each kind: a short label for chips and badges, and what it means. */
export const MOMENT_INFO: Readonly<Record<MomentName, { label: string; about: string }>> = Object.freeze({
  'write-eagain': {
    label: 'write EAGAIN',
    about: 'write(2) on a nonblocking socket returned EAGAIN: the socket has no room for more and took nothing. The caller must keep those bytes and write them when epoll reports EPOLLOUT.',
  },
  'partial-write': {
    label: 'partial write',
    about: 'write(2) took only part of what it was given: the socket filled up during the call. The rest is still the caller’s to keep and send later.',
  },
  'epollout-added': {
    label: '+EPOLLOUT',
    about: 'epoll_ctl put EPOLLOUT in the connection’s interest: the reactor has output queued and asks to be told when the socket can take more.',
  },
  'epollout-reported': {
    label: 'EPOLLOUT reported',
    about: 'epoll_wait reported EPOLLOUT for a connection: by the kernel’s writability rule a write would not block now (it may still take less than asked, or fail at once if the connection is broken). The reactor writes what it has queued.',
  },
  'epollout-removed': {
    label: '−EPOLLOUT',
    about: 'An epoll_ctl MOD took EPOLLOUT out of the interest: nothing is queued any more. Left on, a level-triggered registration would report the socket writable at every epoll_wait.',
  },
  'data-dropped': {
    label: 'data dropped',
    about: 'Bytes given to write(2) and not taken were never offered again, or the connection was closed with them still unsent: the peer will never get them.',
  },
  'wakeup-no-progress': {
    label: 'wakeup, no progress',
    about: 'epoll_wait returned events, and until the next epoll_wait the reactor’s calls moved no byte, accepted nothing and closed nothing: a wasted wakeup, which in a loop burns a core.',
  },
  reset: {
    label: 'connection error',
    about: 'A call failed with ECONNRESET or EPIPE, SO_ERROR gave an error, or epoll reported EPOLLERR: this connection can no longer deliver its queued output. (ECONNRESET: on TCP the peer sent a reset; on AF_UNIX the peer closed with data left unread. EPIPE: this socket can no longer send: it was shut down here, or on AF_UNIX the peer closed or shut down its reading, or on TCP a reset was already reported.)',
  },
  eof: {
    label: 'EOF (server)',
    about: 'read(2) returned 0 on the server’s socket: the peer will send nothing more (it shut down its writing side or closed). It may still be reading.',
  },
  'peer-eof': {
    label: 'EOF (client)',
    about: 'read(2) returned 0 at the client: the server shut down its writing side or closed. Everything sent before it has arrived.',
  },
  'read-drained': {
    label: 'read until EAGAIN',
    about: 'read(2) returned EAGAIN: the receive queue is empty. With EPOLLET the reactor must read until here: epoll reports the socket again only after its next wakeup (more data, a FIN, an error) or an epoll_ctl MOD (which polls it again), not for what is already waiting.',
  },
  'accept-drained': {
    label: 'accept until EAGAIN',
    about: 'accept(2) returned EAGAIN after accepting: the accept queue is empty. With EPOLLET the acceptor must loop until here, or the connections still queued wait for the next one to arrive.',
  },
  'peer-eagain': {
    label: 'client EAGAIN',
    about: 'A client’s write(2) returned EAGAIN: its socket can take no more, because what it already sent has not been read yet: the back-pressure has reached the sender.',
  },
  'high-water-mark': {
    label: 'high-water mark',
    about: 'send_buf_ crossed the high-water mark and the app’s callback fired: the reactor stops reading from that connection, or closes it, by its policy.',
  },
  closed: {
    label: 'connection closed',
    about: 'The reactor closed a connection’s socket: its registration leaves the epoll interest list (when this was the socket’s last open fd), and the peer sees the connection end (an end of file, or a reset if data it sent was left unread).',
  },
});

function isReactor(actor: string): boolean {
  return actor === 'reactor' || actor.startsWith('reactor-');
}

const NOT_PEERS = new Set(['app', 'peers', 'sim', 'scenario']);

function isPeer(actor: string): boolean {
  return !isReactor(actor) && !NOT_PEERS.has(actor);
}

function hasFlag(events: string, flag: string): boolean {
  return events.split('|').includes(flag);
}

const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const n = (x: number): string => int.format(x);

/** The record's target: its fd's stable name, or the number. */
function nameOf(r: TraceRecord): string {
  return r.name ?? `fd ${r.fd ?? '?'}`;
}

function targetOf(r: TraceRecord): string {
  const a = r.args as { fd?: unknown; name?: unknown };
  return typeof a.name === 'string' ? a.name : `fd ${String(a.fd)}`;
}

/** The app's close record that follows a connection's close says why ("peer-closed", "ECONNRESET"...); a connection closed at once has none. */
function closeReason(records: RecordList, i: number): string {
  for (let j = i + 1; j < Math.min(records.length, i + 4); j++) {
    const r = records.get(j) as TraceRecord;
    if (r.actor === 'app' && r.call === 'close') return `: ${String((r.args as { reason?: unknown }).reason ?? 'no reason given')}`;
  }
  return ', before the app was told of it (refused at the connection limit, or closed at once)';
}

/** Bytes a write left to its caller: unwritten after a short count, all of them after an error. */
interface Unsent {
  bytes: number;
  /** What that write took (0: EAGAIN or an error). */
  took: number;
  /** The write that left them. */
  index: number;
  actor: string;
  /** The reactor iteration (its epoll_wait's index) the write happened in. */
  iteration: number;
}

interface Iteration {
  wait: number;
  woke: boolean;
  progress: boolean;
}

/** Finds the moments of a trace. Pure: the records are only read. */
export function computeMoments(input: RecordList | readonly TraceRecord[]): Moments {
  const records = recordList(input);
  const occ = new Map<MomentName, number[]>();
  const details = new Map<MomentName, { index: number; detail: string }>();
  let droppedBytes = 0;
  const add = (name: MomentName, index: number, detail: () => string): void => {
    let list = occ.get(name);
    if (!list) occ.set(name, (list = []));
    list.push(index);
    const d = details.get(name);
    // Dropped bytes are found after the write that left them: occurrences may come out of order.
    if (!d || index < d.index) details.set(name, { index, detail: detail() });
  };

  /** Whether EPOLLOUT is in the reactor's interest for each registered fd name. */
  const outOn = new Map<string, boolean>();
  const unsent = new Map<string, Unsent>();
  const iterations = new Map<string, Iteration>();
  const eofSeen = new Set<string>();
  /** The sockets the reactor accepted: closing one of them closes a connection. */
  const connections = new Set<string>();
  /** Accepts since the last epoll_wait, per reactor actor: an EAGAIN after one ends an accept loop. */
  const accepted = new Map<string, number>();

  const drop = (bytes: number, at: number, why: string): void => {
    if (bytes <= 0) return;
    droppedBytes += bytes;
    add('data-dropped', at, () => why);
  };

  /** A reactor's iteration ends at its next epoll_wait: was its wakeup worth anything, and is what it left unsent still wanted? */
  const endIteration = (actor: string): void => {
    const it = iterations.get(actor);
    if (it?.woke && !it.progress) add('wakeup-no-progress', it.wait, () => `the wakeup at #${records.get(it.wait)?.seq ?? it.wait + 1} moved no byte, accepted nothing and closed nothing before the next epoll_wait`);
    for (const [name, u] of unsent) {
      if (u.actor !== actor) continue;
      // Bytes left unsent are only kept by a reactor that waits for room: one that ends its round without EPOLLOUT never writes them.
      if (!outOn.get(name)) {
        drop(u.bytes, u.index, `${n(u.bytes)} bytes refused by write(${name}) at #${records.get(u.index)?.seq ?? u.index + 1} were never offered again: nothing waits for EPOLLOUT to send them`);
        unsent.delete(name);
      }
    }
  };

  const reset = (i: number, what: string): void => add('reset', i, () => what);

  for (let i = 0; i < records.length; i++) {
    // Read at once: add() writes a detail when it is called, and nothing kept refers to the record.
    const r = records.peek(i) as TraceRecord;
    const actor = r.actor;
    if (r.err === 'ECONNRESET' || r.err === 'EPIPE') reset(i, `${actor}: ${r.call}(${nameOf(r)}) failed with ${r.err}`);

    if (actor === 'app') {
      if (r.call === 'highWaterMark') add('high-water-mark', i, () => `the high-water-mark callback fired for connection ${String((r.args as { conn?: unknown }).conn ?? '?')}`);
      continue;
    }

    if (isPeer(actor)) {
      if (r.call === 'read' && r.ret === 0) add('peer-eof', i, () => `${actor}: read(${nameOf(r)}) returned 0`);
      if (r.call === 'write' && r.err === 'EAGAIN') add('peer-eagain', i, () => `${actor}: write(${nameOf(r)}) returned EAGAIN`);
      continue;
    }
    if (!isReactor(actor)) continue;

    const it = iterations.get(actor);
    const ret = typeof r.ret === 'number' ? r.ret : null;
    switch (r.call) {
      case 'epollWait': {
        endIteration(actor);
        const events: readonly TraceEvent[] = r.events ?? [];
        iterations.set(actor, { wait: i, woke: events.length > 0, progress: false });
        accepted.set(actor, 0);
        const out = events.filter((e) => hasFlag(e.events, 'EPOLLOUT'));
        if (out.length > 0) add('epollout-reported', i, () => `epoll_wait reported ${out.map((e) => `${e.name ?? e.fd} ${e.events.replace(/EPOLL/g, '')}`).join(', ')}`);
        const err = events.find((e) => hasFlag(e.events, 'EPOLLERR'));
        if (err) reset(i, `epoll_wait reported ${err.events.replace(/EPOLL/g, '')} for ${err.name ?? err.fd}`);
        break;
      }
      case 'write': {
        const name = nameOf(r);
        const asked = (r.args as { bytes?: unknown }).bytes;
        if (typeof asked !== 'number') break;
        const took = ret ?? 0;
        if (took > 0 && it) it.progress = true;
        if (r.err === 'EAGAIN') add('write-eagain', i, () => `write(${name}, ${n(asked)}) returned EAGAIN: the socket took none of it`);
        else if (ret !== null && ret < asked) add('partial-write', i, () => `write(${name}, ${n(asked)}) took ${n(ret)}, left ${n(asked - ret)}`);
        const prev = unsent.get(name);
        if (prev) {
          // A queue offers its oldest bytes first. In the round of a short write, only a loop writing exactly what is left
          // continues it; after an EAGAIN nothing does (the socket has no room until epoll says so: a reactor that keeps
          // the bytes waits for EPOLLOUT), so a write then is a new message and the refused bytes were dropped. In a later
          // round the write must offer at least what was left (the queue may have grown since).
          const sameRound = it !== undefined && prev.iteration === it.wait;
          const continues = sameRound ? prev.took > 0 && asked === prev.bytes : asked >= prev.bytes;
          if (!continues) {
            const lost = asked < prev.bytes ? prev.bytes - asked : prev.bytes;
            drop(lost, prev.index, `${n(prev.bytes)} bytes refused by write(${name}) at #${records.get(prev.index)?.seq ?? prev.index + 1} were not kept: the next write, #${r.seq}, offered ${n(asked)} new bytes instead of waiting for EPOLLOUT`);
          }
          unsent.delete(name);
        }
        const left = asked - took;
        if (left > 0) unsent.set(name, { bytes: left, took, index: i, actor, iteration: it?.wait ?? -1 });
        break;
      }
      case 'read': {
        const name = nameOf(r);
        if (ret !== null && ret > 0 && it) it.progress = true;
        if (ret === 0) {
          add('eof', i, () => `read(${name}) returned 0`);
          if (!eofSeen.has(name) && it) it.progress = true;
          eofSeen.add(name);
        }
        if (r.err === 'EAGAIN' && !name.startsWith('ev')) add('read-drained', i, () => `read(${name}) returned EAGAIN: its receive queue is empty`);
        break;
      }
      case 'accept': {
        if (ret !== null) {
          if (typeof r.created === 'string') connections.add(r.created);
          accepted.set(actor, (accepted.get(actor) ?? 0) + 1);
          if (it) it.progress = true;
        } else if (r.err === 'EAGAIN' && (accepted.get(actor) ?? 0) > 0) {
          const k = accepted.get(actor) ?? 0;
          add('accept-drained', i, () => `accept(${nameOf(r)}) returned EAGAIN after ${k} accept${k === 1 ? '' : 's'} in this round`);
        }
        break;
      }
      case 'getsockopt': {
        const a = r.args as { name?: unknown };
        if (a.name === 'SO_ERROR' && ret !== null && ret !== 0) {
          const e = errnoName(ret);
          if (e === 'ECONNRESET' || e === 'EPIPE') reset(i, `getsockopt(${nameOf(r)}, SO_ERROR) gave ${e}`);
        }
        break;
      }
      case 'shutdown':
      case 'close': {
        if (r.err !== undefined) break;
        const name = nameOf(r);
        if (it) it.progress = true;
        const how = (r.args as { how?: unknown }).how;
        const u = unsent.get(name);
        if (u && (r.call === 'close' || how === 'WR' || how === 'RDWR')) {
          // What was queued after that write is not in the trace: the count is a lower bound.
          drop(u.bytes, i, `${r.call}(${name}${r.call === 'shutdown' ? `, ${String(how)}` : ''}) with at least ${n(u.bytes)} bytes unsent (what the write at #${records.get(u.index)?.seq ?? u.index + 1} left)`);
          unsent.delete(name);
        }
        if (r.call === 'close') {
          outOn.delete(name);
          if (connections.has(name)) add('closed', i, () => `close(${name})${closeReason(records, i)}`);
        }
        break;
      }
      case 'epollCtl': {
        if (r.err !== undefined) break;
        const a = r.args as { op?: unknown; events?: unknown };
        const target = targetOf(r);
        const was = outOn.get(target) ?? false;
        if (a.op === 'DEL') {
          outOn.delete(target);
          break;
        }
        const is = typeof a.events === 'string' && hasFlag(a.events, 'EPOLLOUT');
        outOn.set(target, is);
        if (!was && is) add('epollout-added', i, () => `epoll_ctl ${String(a.op)} ${target}: ${String(a.events).replace(/EPOLL/g, '')}`);
        if (was && !is && a.op === 'MOD') add('epollout-removed', i, () => `epoll_ctl MOD ${target}: ${String(a.events).replace(/EPOLL/g, '') || 'no events'}`);
        break;
      }
    }
  }
  for (const actor of [...iterations.keys()]) endIteration(actor);

  const byName = new Map<MomentName, Moment>();
  for (const [name, list] of occ) {
    list.sort((a, b) => a - b);
    const d = details.get(name) as { index: number; detail: string };
    const m: Moment = { name, index: d.index, count: list.length, detail: d.detail };
    if (name === 'data-dropped') m.bytes = droppedBytes;
    byName.set(name, m);
  }
  // At one record, the cause before the effect: MOMENT_NAMES lists write-eagain before data-dropped.
  const list = [...byName.values()].sort((a, b) => a.index - b.index || MOMENT_NAMES.indexOf(a.name) - MOMENT_NAMES.indexOf(b.name));
  return { list, byName, occurrences: occ };
}
