// epoll_wait's maxevents bounds reach the kernel unclamped on every backend:
// 0, negative and anything above EP_MAX_EVENTS (INT_MAX / 12) is EINVAL, as
// Linux says; everything in between is fine, however large.
import { describe, expect, it } from 'vitest';

import { EPOLLOUT } from '../src/index.js';
import { BACKENDS, open } from './helpers/backends.js';

const EP_MAX_EVENTS = Math.floor(0x7fffffff / 12);

describe.each(BACKENDS)('epollWait maxevents bounds (%s)', (backend) => {
  it('EINVAL at 0, -1 and EP_MAX_EVENTS + 1; events at 1 and EP_MAX_EVENTS', async () => {
    const k = await open(backend);
    try {
      const pair = k.socketpair('unix') as [number, number];
      const ep = k.epollCreate() as number;
      expect(k.epollCtl(ep, 'ADD', pair[0], EPOLLOUT)).toBe(0);
      expect(k.epollWait(ep, 0, 0)).toBe('EINVAL');
      expect(k.epollWait(ep, -1, 0)).toBe('EINVAL');
      expect(k.epollWait(ep, EP_MAX_EVENTS + 1, 0)).toBe('EINVAL');
      expect(k.epollWait(ep, 0x7fffffff, 0)).toBe('EINVAL');
      expect(k.epollWait(ep, EP_MAX_EVENTS, 0)).toEqual([{ fd: pair[0], events: EPOLLOUT }]);
      expect(k.epollWait(ep, 1, 0)).toEqual([{ fd: pair[0], events: EPOLLOUT }]);
    } finally {
      k.dispose();
    }
  });
});
