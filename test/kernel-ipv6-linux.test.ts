// The kernel API's linux backend takes IPv6 addresses: a 'tcp' socket starts
// AF_INET and is remade AF_INET6 on the same fd when an IPv6 address is bound
// or connected before it has a port, keeping the options set so far and its
// epoll registrations; getsockname answers '[ADDR]:PORT' in inet_ntop's form.
// Loopback only (::1, and its IPv4-mapped and wildcard forms for binding).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { EPOLLET, EPOLLIN, EPOLLOUT, isErrno, type Kernel } from '../src/index.js';
import { BACKENDS, open } from './helpers/backends.js';
import { ipv6LoopbackProblem } from './helpers/ipv6.js';

const noIpv6 = await ipv6LoopbackProblem();
const skip = !BACKENDS.includes('linux') ? 'linux is not in EDGELOOP_BACKENDS' : noIpv6;

function fd(r: number | string): number {
  if (typeof r !== 'number') throw new Error(`expected an fd, got ${r}`);
  return r;
}

const PORTED = /^\[([0-9a-f:.]+)\]:([1-9][0-9]*)$/;

describe.skipIf(skip !== undefined)(`linux kernel API over IPv6${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let k: Kernel;
  beforeEach(async () => {
    k = await open('linux');
  });
  afterEach(() => k.dispose());

  it("bind '[::1]:0' then getsockname: '[::1]:PORT' with a port chosen", () => {
    const s = fd(k.socket('tcp'));
    expect(k.bind(s, '[::1]:0')).toBe(0);
    const name = k.getsockname(s) as string;
    expect(name).toMatch(PORTED);
    expect(PORTED.exec(name)?.[1]).toBe('::1');
  });

  it.each([
    ['[0:0:0:0:0:0:0:1]:0', '::1'],
    ['[::]:0', '::'],
    ['[::FFFF:127.0.0.1]:0', '::ffff:127.0.0.1'],
    ['[0::ffff:7f00:1]:0', '::ffff:127.0.0.1'],
  ])('bind %s: getsockname in inet_ntop form [%s]:PORT', (addr, canonical) => {
    const s = fd(k.socket('tcp'));
    expect(k.bind(s, addr)).toBe(0);
    expect(PORTED.exec(k.getsockname(s) as string)?.[1]).toBe(canonical);
  });

  it('a whole exchange over ::1: listen, nonblocking connect, accept, write, read', () => {
    const l = fd(k.socket('tcp'));
    expect(k.bind(l, '[::1]:0')).toBe(0);
    expect(k.listen(l, 4)).toBe(0);
    const addr = k.getsockname(l) as string;
    const c = fd(k.socket('tcp'));
    expect(k.connect(c, addr)).toBe('EINPROGRESS');
    const ep = fd(k.epollCreate());
    expect(k.epollCtl(ep, 'ADD', l, EPOLLIN)).toBe(0);
    expect(k.epollWait(ep, 4, 2000)).toEqual([{ fd: l, events: EPOLLIN }]);
    const s = fd(k.accept(l));
    expect(k.getsockname(s)).toBe(addr);
    expect(k.getsockname(c)).toMatch(/^\[::1\]:[1-9][0-9]*$/);
    expect(k.connect(c, addr)).toBe(0); // established: a second connect says so
    expect(k.write(c, new TextEncoder().encode('six'))).toBe(3);
    expect(k.epollCtl(ep, 'ADD', s, EPOLLIN)).toBe(0);
    expect(k.epollWait(ep, 4, 2000)).toEqual([{ fd: s, events: EPOLLIN }]);
    expect(new TextDecoder().decode(k.read(s, 16) as Uint8Array)).toBe('six');
  });

  it('options set before the switch are kept: SO_SNDBUF, SO_RCVBUF, TCP_NODELAY, SO_REUSEADDR, SO_REUSEPORT', () => {
    const v4 = fd(k.socket('tcp'));
    const v6 = fd(k.socket('tcp'));
    for (const s of [v4, v6]) {
      expect(k.setsockopt(s, 'SO_SNDBUF', 20000)).toBe(0);
      expect(k.setsockopt(s, 'SO_RCVBUF', 30000)).toBe(0);
      expect(k.setsockopt(s, 'TCP_NODELAY', true)).toBe(0);
      expect(k.setsockopt(s, 'SO_REUSEADDR', true)).toBe(0);
      expect(k.setsockopt(s, 'SO_REUSEPORT', 1)).toBe(0);
    }
    expect(k.bind(v4, '127.0.0.1:0')).toBe(0);
    expect(k.bind(v6, '[::1]:0')).toBe(0);
    for (const name of ['SO_SNDBUF', 'SO_RCVBUF', 'TCP_NODELAY', 'SO_REUSEADDR', 'SO_REUSEPORT'] as const) {
      expect([name, k.getsockopt(v6, name)]).toEqual([name, k.getsockopt(v4, name)]);
    }
    expect(k.getsockopt(v6, 'SO_SNDBUF')).toBe(40000);
  });

  it('an epoll registration made before the switch still reports (ET, for the listener)', () => {
    const ep = fd(k.epollCreate());
    const l = fd(k.socket('tcp'));
    expect(k.epollCtl(ep, 'ADD', l, EPOLLIN)).toBe(0);
    expect(k.epollCtl(ep, 'MOD', l, EPOLLIN | EPOLLET)).toBe(0);
    expect(k.bind(l, '[::1]:0')).toBe(0);
    expect(k.listen(l, 4)).toBe(0);
    // The registration is there: adding it again is EEXIST.
    expect(k.epollCtl(ep, 'ADD', l, EPOLLIN)).toBe('EEXIST');
    const c = fd(k.socket('tcp'));
    expect(k.connect(c, k.getsockname(l) as string)).toBe('EINPROGRESS');
    expect(k.epollWait(ep, 4, 2000)).toEqual([{ fd: l, events: EPOLLIN }]);
  });

  it('a registration deleted before the switch stays deleted; one on a closed epoll is not carried over', () => {
    const ep = fd(k.epollCreate());
    const gone = fd(k.epollCreate());
    const c = fd(k.socket('tcp'));
    expect(k.epollCtl(ep, 'ADD', c, EPOLLOUT)).toBe(0);
    expect(k.epollCtl(ep, 'DEL', c, 0)).toBe(0);
    expect(k.epollCtl(gone, 'ADD', c, EPOLLOUT)).toBe(0);
    expect(k.close(gone)).toBe(0);
    const again = fd(k.epollCreate()); // most likely the closed one's number
    expect(k.bind(c, '[::1]:0')).toBe(0);
    expect(k.epollCtl(ep, 'DEL', c, 0)).toBe('ENOENT');
    expect(k.epollCtl(again, 'DEL', c, 0)).toBe('ENOENT');
  });

  it('a socket that has a port keeps its family: Linux answers EAFNOSUPPORT for the other one', () => {
    const s = fd(k.socket('tcp'));
    expect(k.bind(s, '127.0.0.1:0')).toBe(0);
    expect(k.bind(s, '[::1]:0')).toBe('EAFNOSUPPORT');
    expect(k.connect(s, '[::1]:9')).toBe('EAFNOSUPPORT');
    const t = fd(k.socket('tcp'));
    expect(k.bind(t, '[::1]:0')).toBe(0);
    expect(k.bind(t, '127.0.0.1:0')).toBe('EINVAL'); // inet6_bind: a sockaddr_in is too short
  });

  it('a failed bind leaves no port, so the socket can still take the other family', () => {
    const holder = fd(k.socket('tcp'));
    expect(k.bind(holder, '[::1]:0')).toBe(0);
    const taken = k.getsockname(holder) as string;
    const s = fd(k.socket('tcp'));
    expect(k.setsockopt(s, 'SO_SNDBUF', 8192)).toBe(0);
    expect(k.bind(s, taken)).toBe('EADDRINUSE');
    expect(k.bind(s, '127.0.0.1:0')).toBe(0);
    expect(k.getsockname(s)).toMatch(/^127\.0\.0\.1:[1-9][0-9]*$/);
    expect(k.getsockopt(s, 'SO_SNDBUF')).toBe(16384);
  });

  it("a dup'ed socket is not remade (its dup would name the old one): EAFNOSUPPORT", () => {
    const s = fd(k.socket('tcp'));
    const d = fd(k.dup(s));
    expect(k.bind(s, '[::1]:0')).toBe('EAFNOSUPPORT');
    expect(k.bind(d, '127.0.0.1:0')).toBe(0);
    expect(k.getsockname(s)).toBe(k.getsockname(d));
  });

  it('socketpair and the unix family are untouched; a unix socket given an IPv6 address is EINVAL', () => {
    const u = fd(k.socket('unix'));
    expect(k.bind(u, '[::1]:0')).toBe('EINVAL');
    const p = k.socketpair('tcp');
    expect(isErrno(p)).toBe(false);
    expect(k.getsockname((p as [number, number])[0])).toMatch(/^127\.0\.0\.1:/);
  });
});
