// The badges of a timeline row: what a call did, in the words a learner
// should read (EAGAIN, a partial write, EPOLLOUT on or off, EOF...). No DOM
// here, so Node tests check the words.
import { MARK, type TraceModel } from './trace-model.js';
import type { TraceRecord } from '../../src/browser.js';

export interface Badge {
  cls: string;
  text: string;
  title: string;
}

export function badgesOf(model: TraceModel, i: number): Badge[] {
  const m = model.marks[i] as number;
  const r = model.records.get(i) as TraceRecord;
  const out: Badge[] = [];
  if (m & MARK.EAGAIN) out.push({ cls: 'b-eagain', text: 'EAGAIN', title: 'the call would block: nothing to read or accept, or no room to write (or, on a unix connect, the listener’s backlog is full)' });
  if (m & MARK.ERROR) {
    if (r.call === 'connect' && r.err === 'EINPROGRESS') {
      // A nonblocking connect's normal first answer, not a failure.
      out.push({
        cls: 'b-progress',
        text: 'EINPROGRESS',
        title: 'a nonblocking connect has begun: the handshake finishes later, and EPOLLOUT with SO_ERROR 0 says it did (not a failure)',
      });
    } else {
      out.push({ cls: 'b-error', text: r.err ?? 'error', title: `the call failed with ${r.err}` });
    }
  }
  if (m & MARK.PARTIAL) {
    out.push({ cls: 'b-partial', text: 'partial', title: `short write: ${String(r.ret)} of ${String((r.args as { bytes?: unknown }).bytes)} bytes` });
  }
  if (m & MARK.OUT_ON) out.push({ cls: 'b-out-on', text: '+EPOLLOUT', title: 'EPOLLOUT turned on: the connection waits for room in the socket' });
  if (m & MARK.OUT_OFF) out.push({ cls: 'b-out-off', text: '−EPOLLOUT', title: 'EPOLLOUT turned off' });
  if (m & MARK.OUT_READY) out.push({ cls: 'b-out-ready', text: 'OUT ready', title: 'epoll_wait reported EPOLLOUT: by the kernel’s writability rule a write would not block now' });
  if (m & MARK.EOF) out.push({ cls: 'b-eof', text: 'EOF', title: 'read returned 0: the other side shut down or closed' });
  if (m & MARK.EMPTY_WAIT) out.push({ cls: 'b-idle', text: 'no events', title: 'epoll_wait returned nothing' });
  return out;
}
