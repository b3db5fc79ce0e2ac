// The playground's badges say what a call did in the words a learner should
// read: a nonblocking connect's EINPROGRESS is the normal first answer (a
// neutral badge), where any other errno is a failure (a red one).
import { describe, expect, it } from 'vitest';

import { badgesOf } from '../playground/src/badges.js';
import { modelFromJsonl } from '../playground/src/trace-model.js';

const header = { type: 'header', version: 1, kernel: 'sim', seed: 1 };
const records = [
  { seq: 1, t: 0, actor: 'client', call: 'socket', args: { family: 'tcp' }, ret: 3, created: 's1' },
  { seq: 2, t: 0, actor: 'client', call: 'connect', fd: 3, name: 's1', args: { addr: '127.0.0.1:9000' }, err: 'EINPROGRESS' },
  { seq: 3, t: 0, actor: 'client', call: 'write', fd: 3, name: 's1', args: { bytes: 1 }, err: 'EPIPE' },
  { seq: 4, t: 0, actor: 'reactor', call: 'epollCreate', args: {}, ret: 4, created: 'ep1' },
  { seq: 5, t: 0, actor: 'reactor', call: 'epollWait', fd: 4, name: 'ep1', args: { maxevents: 16, timeout: 0 }, ret: 1, events: [{ fd: 3, name: 's1', events: 'EPOLLIN' }] },
  { seq: 6, t: 0, actor: 'reactor', call: 'epollWait', fd: 4, name: 'ep1', args: { maxevents: 16, timeout: 0 }, ret: 0, events: [] },
  { seq: 7, t: 0, actor: 'reactor', call: 'epollWait', fd: 4, name: 'ep1', args: { maxevents: 16, timeout: 0 }, ret: 1, events: [{ fd: 3, name: 's1', events: 'EPOLLOUT' }] },
];

describe('badges', () => {
  it("a nonblocking connect's EINPROGRESS is a neutral step, another errno a failure", () => {
    const model = modelFromJsonl([header, ...records].map((r) => JSON.stringify(r)).join('\n'));
    expect(badgesOf(model, 1).map((b) => b.cls)).toEqual(['b-progress']);
    expect(badgesOf(model, 2).map((b) => [b.cls, b.text])).toEqual([['b-error', 'EPIPE']]);
  });

  it('"no events" only on an epoll_wait that returned none (a review found it on every wakeup without EPOLLOUT)', () => {
    const model = modelFromJsonl([header, ...records].map((r) => JSON.stringify(r)).join('\n'));
    expect(badgesOf(model, 4).map((b) => b.text)).not.toContain('no events');
    expect(badgesOf(model, 5).map((b) => b.text)).toContain('no events');
    expect(badgesOf(model, 6).map((b) => b.text)).not.toContain('no events');
  });
});
