// The real server's epoll interest lists, as its trace says they are: kept
// from every record since listen (epollCreate, epollCtl, close), so that a
// live viewer attaching at any time is told the lists its first records
// build on. The same rules as the playground's trace model: an item is keyed
// by its user data (the fd given at ADD), keeps the name and mask it was
// registered with, and goes with DEL or with the close of its socket (the
// reactor never dups, so a close is the last reference). One entry per
// registered fd: this stays as small as the server's connection count.
import type { LiveEpoll, TraceRecord } from '../types.js';

interface Epoll {
  owner: string;
  items: Map<number, { fd: number; name: string | null; events: string }>;
}

export class EpollInterest {
  private readonly epolls = new Map<string, Epoll>();
  private seq = 0;

  /** The seq of the last record applied: the lists are those after it. */
  get lastSeq(): number {
    return this.seq;
  }

  apply(records: readonly TraceRecord[]): void {
    for (const r of records) {
      this.seq = r.seq;
      if (r.err !== undefined) continue;
      if (r.call === 'epollCreate' && typeof r.created === 'string') {
        this.epolls.set(r.created, { owner: r.actor, items: new Map() });
      } else if (r.call === 'epollCtl' && typeof r.name === 'string') {
        const items = this.epolls.get(r.name)?.items;
        const a = r.args as { op?: unknown; fd?: unknown; name?: unknown; events?: unknown };
        if (!items || typeof a.fd !== 'number') continue;
        if (a.op === 'DEL') items.delete(a.fd);
        else if (a.op === 'ADD' || a.op === 'MOD') {
          items.set(a.fd, { fd: a.fd, name: typeof a.name === 'string' ? a.name : null, events: typeof a.events === 'string' ? a.events : '' });
        }
      } else if (r.call === 'close' && typeof r.name === 'string') {
        this.epolls.delete(r.name);
        for (const e of this.epolls.values()) {
          for (const [fd, item] of e.items) if (item.name === r.name) e.items.delete(fd);
        }
      }
    }
  }

  /** Every epoll instance with its interest list (by fd), in creation order. */
  list(): LiveEpoll[] {
    return [...this.epolls].map(([name, e]) => ({ name, owner: e.owner, interest: [...e.items.values()].sort((x, y) => x.fd - y.fd) }));
  }
}
