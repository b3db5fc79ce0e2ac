// The real server's epoll interest lists, as its trace says they are: kept
// from every record since listen (epollCreate, epollCtl, close), so that a
// live viewer attaching at any time is told the lists its first records
// build on. The rules are the playground's (src/trace-interest.ts, one
// implementation for both). One entry per registered fd: this stays as small
// as the server's connection count.
import { applyInterest, type InterestState } from '../trace-interest.js';
import type { LiveEpoll, TraceRecord } from '../types.js';

export class EpollInterest {
  private readonly state: InterestState = new Map();
  private readonly open = new Set<string>();
  /** Each live epoll instance and the actor that made it, in creation order. */
  private readonly owners = new Map<string, string>();
  private seq = 0;

  /** The seq of the last record applied: the lists are those after it. */
  get lastSeq(): number {
    return this.seq;
  }

  apply(records: readonly TraceRecord[]): void {
    for (const r of records) {
      this.seq = r.seq;
      if (r.err === undefined && r.call === 'epollCreate' && typeof r.created === 'string') this.owners.set(r.created, r.actor);
      applyInterest(this.state, this.open, r);
      if (r.err === undefined && r.call === 'close' && typeof r.name === 'string') this.owners.delete(r.name);
    }
  }

  /** Every epoll instance with its interest list (by fd), in creation order. */
  list(): LiveEpoll[] {
    return [...this.owners].map(([name, owner]) => ({
      name,
      owner,
      interest: [...(this.state.get(name)?.values() ?? [])].sort((x, y) => x.fd - y.fd),
    }));
  }
}
