// The simulated kernel models a host whose only interface is lo: it takes
// the wildcard and 127.0.0.0/8, and refuses the rest with the errno Linux
// gives on such a host: bind of an address that is not the host's is
// EADDRNOTAVAIL, connect to one that no route reaches is ENETUNREACH. It has
// no IPv6: an IPv6 address is EAFNOSUPPORT on bind and connect, what Linux
// says when an AF_INET socket is given one. SO_REUSEADDR / SO_REUSEPORT are
// taken and reported, with no other effect. `npm test` runs Linux in a
// namespace with only lo up, where Linux gives the same IPv4 answers.
import { describe, expect, it } from 'vitest';

import { type Kernel } from '../src/index.js';
import { BACKENDS, open, type BackendId } from './helpers/backends.js';

const SIMS = BACKENDS.filter((b) => b !== 'linux');
const onlyLo = BACKENDS.includes('linux') && process.env.EDGELOOP_LINUX_REFERENCE === 'netns';

function fd(r: number | string): number {
  if (typeof r !== 'number') throw new Error(`expected an fd, got ${r}`);
  return r;
}

async function withKernel(id: BackendId, run: (k: Kernel) => void): Promise<void> {
  const k = await open(id);
  try {
    run(k);
  } finally {
    k.dispose();
  }
}

describe.each(SIMS)('%s: loopback only', (id) => {
  it("refuses '10.0.0.1:80' (bind EADDRNOTAVAIL, connect ENETUNREACH) and '[::1]:80' (EAFNOSUPPORT both)", () =>
    withKernel(id, (k) => {
      const s = fd(k.socket('tcp'));
      expect(k.bind(s, '10.0.0.1:80')).toBe('EADDRNOTAVAIL');
      expect(k.bind(s, '[::1]:80')).toBe('EAFNOSUPPORT');
      expect(k.connect(s, '10.0.0.1:80')).toBe('ENETUNREACH');
      expect(k.connect(s, '[::1]:80')).toBe('EAFNOSUPPORT');
      // Nothing was taken: the socket binds a loopback address after all.
      expect(k.getsockname(s)).toBe('0.0.0.0:0');
      expect(k.bind(s, '127.0.0.1:0')).toBe(0);
    }));

  it('the errnos name themselves in the trace', () =>
    withKernel(id, (k) => {
      const s = fd(k.socket('tcp'));
      k.bind(s, '192.0.2.1:80');
      k.connect(s, '[2001:db8::1]:80');
      const calls = k.trace.records.filter((r) => r.call === 'bind' || r.call === 'connect');
      expect(calls.map((r) => [r.call, r.args, r.err])).toEqual([
        ['bind', { addr: '192.0.2.1:80' }, 'EADDRNOTAVAIL'],
        ['connect', { addr: '[2001:db8::1]:80' }, 'EAFNOSUPPORT'],
      ]);
    }));

  it('takes the wildcard and any 127.0.0.0/8 address; connect to 0.0.0.0 reaches this host', () =>
    withKernel(id, (k) => {
      const l = fd(k.socket('tcp'));
      expect(k.bind(l, '0.0.0.0:0')).toBe(0);
      expect(k.listen(l, 4)).toBe(0);
      const port = (k.getsockname(l) as string).split(':')[1];
      expect(k.getsockname(l)).toBe(`0.0.0.0:${port}`);
      const c = fd(k.socket('tcp'));
      expect(k.bind(c, '127.1.2.3:0')).toBe(0);
      expect(k.connect(c, `0.0.0.0:${port}`)).toBe('EINPROGRESS');
      const s = fd(k.accept(l));
      expect((k.getsockname(s) as string).split(':')[0]).toBe('127.1.2.3');
      const d = fd(k.socket('tcp'));
      expect(k.connect(d, `127.9.9.9:${port}`)).toBe('EINPROGRESS');
      expect((k.getsockname(d) as string).split(':')[0]).toBe('127.0.0.1'); // lo's preferred source
      expect((k.getsockname(fd(k.accept(l))) as string).split(':')[0]).toBe('127.9.9.9');
    }));

  it('SO_REUSEADDR and SO_REUSEPORT are taken and reported (no TIME_WAIT here: a closed port is free at once)', () =>
    withKernel(id, (k) => {
      const a = fd(k.socket('tcp'));
      expect(k.setsockopt(a, 'SO_REUSEADDR', true)).toBe(0);
      expect(k.setsockopt(a, 'SO_REUSEPORT', true)).toBe(0);
      expect([k.getsockopt(a, 'SO_REUSEADDR'), k.getsockopt(a, 'SO_REUSEPORT')]).toEqual([1, 1]);
      expect(k.bind(a, '127.0.0.1:0')).toBe(0);
      const addr = k.getsockname(a) as string;
      // One socket per port: sharing one through SO_REUSEPORT is not modelled.
      const b = fd(k.socket('tcp'));
      expect(k.setsockopt(b, 'SO_REUSEPORT', 1)).toBe(0);
      expect(k.bind(b, addr)).toBe('EADDRINUSE');
      expect(k.close(a)).toBe(0);
      expect(k.bind(b, addr)).toBe(0);
    }));
});

describe.skipIf(!onlyLo)(`linux in the run's namespace (only lo) gives the same IPv4 answers${onlyLo ? '' : ' (skipped: not run through npm test, or linux not selected)'}`, () => {
  it("bind '10.0.0.1:80' EADDRNOTAVAIL, connect ENETUNREACH", () =>
    withKernel('linux', (k) => {
      const s = fd(k.socket('tcp'));
      expect(k.bind(s, '10.0.0.1:80')).toBe('EADDRNOTAVAIL');
      expect(k.connect(s, '10.0.0.1:80')).toBe('ENETUNREACH');
      expect(k.getsockname(s)).toBe('0.0.0.0:0');
    }));
});
