// Address strings in the kernel API: a malformed one is misuse, an
// ERR_INVALID_ARG naming "addr" thrown before any kernel is called, on every
// backend; a well-formed one of any address goes through, and the kernel
// answers (0 or an errno name). The JS layer reads literals by inet_pton's
// rules, as the C++ parser does (native/kernel/sock_addr.cc); checked here
// against node:net's own parser.
import net from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { EdgeloopError, isErrno, type Kernel } from '../src/index.js';
import { isIpv4, isIpv6, isTcpSockAddr } from '../src/address.js';
import { BACKENDS, open, type BackendId } from './helpers/backends.js';

const MALFORMED = [
  '1.2.3:80', // three parts
  '[::1:80', // no closing bracket
  '256.0.0.1:1', // a part above 255
  '1.2.3.4.5:1',
  '01.2.3.4:1', // a leading zero (inet_pton refuses it)
  '1.2.3.4:', // no port
  '1.2.3.4:65536',
  '1.2.3.4:-1',
  '::1:80', // IPv6 without brackets
  '[::1]', // no port
  '[::1]:',
  '[::1]80',
  '[]:80',
  '[::1::]:80', // two '::'
  '[1:2:3:4:5:6:7:8:9]:80', // nine groups
  '[1:2:3:4:5:6:7:8::]:80', // '::' standing for no group
  '[12345::]:80', // five hex digits
  '[::1%lo]:80', // a zone
  '[::ffff:1.2.3]:80',
  '[127.0.0.1]:80',
  ' 127.0.0.1:80',
  'localhost:80',
  '',
];

const WELL_FORMED = ['0.0.0.0:0', '10.0.0.1:80', '255.255.255.255:65535', '[::]:0', '[::1]:0', '[fe80::1]:80', '[::ffff:10.1.2.3]:9', '[2001:DB8::a:b:C]:1'];

describe('address literals: inet_pton rules, as node:net reads them', () => {
  const corpus = [
    '0.0.0.0', '127.0.0.1', '255.255.255.255', '256.1.1.1', '1.2.3', '1.2.3.4.5', '01.2.3.4', '1.2.3.04', '1..2.3', '1.2.3.4 ',
    '::', '::1', '1::', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7::', '::2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8:9', '1::2::3', ':1::', '1::2:',
    '::ffff:1.2.3.4', '::1.2.3.4', '1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:7:1.2.3.4', '::ffff:1.2.3', '::ffff:01.2.3.4', 'fe80::1',
    'FE80::ABCD:ef01', '12345::', 'g::1', ':::', ':', '', '1.2.3.4::',
  ];
  it.each(corpus)('%j', (text) => {
    expect(isIpv4(text)).toBe(net.isIPv4(text));
    expect(isIpv6(text)).toBe(net.isIPv6(text));
  });

  it('socket address forms', () => {
    for (const a of MALFORMED) expect([a, isTcpSockAddr(a)]).toEqual([a, false]);
    for (const a of WELL_FORMED) expect([a, isTcpSockAddr(a)]).toEqual([a, true]);
  });
});

describe.each(BACKENDS)('kernel API addresses on %s', (id: BackendId) => {
  let k: Kernel;
  beforeEach(async () => {
    k = await open(id);
  });
  afterEach(() => k.dispose());

  it.each(MALFORMED)('bind and connect of %j: ERR_INVALID_ARG naming "addr", the kernel not called', (addr) => {
    const s = k.socket('tcp') as number;
    const before = k.trace.records.length;
    for (const call of [() => k.bind(s, addr), () => k.connect(s, addr)]) {
      let caught: unknown;
      try {
        call();
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(EdgeloopError);
      expect(caught).toMatchObject({ code: 'ERR_INVALID_ARG', argument: 'addr' });
      expect((caught as Error).message).toMatch(/^(bind|connect)\(\): "addr" must be 'A\.B\.C\.D:PORT' or '\[IPV6\]:PORT' \(tcp, e\.g\. '127\.0\.0\.1:8080', '\[::1\]:8080'\) or '@name' \(abstract unix\), got /);
    }
    expect(k.trace.records.length).toBe(before);
  });

  // bind, not connect: nothing may be sent beyond loopback.
  it('a well-formed address of any kind reaches the kernel, which answers', () => {
    for (const addr of WELL_FORMED) {
      const s = k.socket('tcp') as number;
      const r = k.bind(s, addr);
      expect(typeof r === 'number' || isErrno(r)).toBe(true);
      k.close(s);
    }
    expect(k.trace.records.filter((r) => r.call === 'bind')).toHaveLength(WELL_FORMED.length);
  });

  it("setsockopt and getsockopt know 'SO_REUSEADDR' and 'SO_REUSEPORT' (a boolean is 1 or 0)", () => {
    const s = k.socket('tcp') as number;
    expect(k.setsockopt(s, 'SO_REUSEADDR', true)).toBe(0);
    expect(k.getsockopt(s, 'SO_REUSEADDR')).toBe(1);
    expect(k.setsockopt(s, 'SO_REUSEPORT', false)).toBe(0);
    expect(k.getsockopt(s, 'SO_REUSEPORT')).toBe(0);
    expect(() => k.setsockopt(s, 'SO_REUSEPORT', 'yes' as unknown as number)).toThrow(
      /^setsockopt\(\): "value" must be a boolean or an int32 integer \(0 or 1\)/,
    );
    expect(k.trace.records.filter((r) => r.call === 'setsockopt').map((r) => r.args)).toEqual([
      { name: 'SO_REUSEADDR', value: 1 },
      { name: 'SO_REUSEPORT', value: 0 },
    ]);
  });
});
