// The kernel API's contract at its edges, on every backend in EDGELOOP_BACKENDS:
// misuse of the JS API throws an EdgeloopError naming the argument (and never
// reaches the kernel); whatever Linux refuses comes back as an errno name.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import {
  EdgeloopError,
  EPOLLET,
  EPOLLIN,
  EPOLLOUT,
  EPOLLRDHUP,
  errnoName,
  errnoNumber,
  eventNames,
  isErrno,
  Kernel,
  openKernel,
  type EdgeloopErrorCode,
  type KernelBackendOptions,
} from '../src/index.js';
import type { RawKernel } from '../src/backends/raw-kernel.js';
import { BACKENDS, open, type BackendId } from './helpers/backends.js';

/** The kernel seen from untyped JS: any argument goes. */
type Loose = Record<string, (...args: unknown[]) => unknown>;
const loose = (k: Kernel): Loose => k as unknown as Loose;

function thrown(fn: () => unknown): EdgeloopError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(EdgeloopError);
    return e as EdgeloopError;
  }
  throw new Error('expected an EdgeloopError, nothing was thrown');
}

function expectMisuse(fn: () => unknown, code: EdgeloopErrorCode, argument: string): EdgeloopError {
  const e = thrown(fn);
  expect(e.code).toBe(code);
  expect(e.argument).toBe(argument);
  expect(e.message).toContain(`"${argument}"`);
  return e;
}

function pair(k: Kernel, family: 'unix' | 'tcp' = 'unix'): [number, number] {
  const p = k.socketpair(family);
  if (isErrno(p)) throw new Error(`socketpair('${family}') failed: ${p}`);
  return p;
}

function fd(r: number | string): number {
  if (typeof r !== 'number') throw new Error(`expected an fd, got ${r}`);
  return r;
}

// [label, call, code, argument]: fds here are plain numbers, valid or not; misuse is found first.
const MISUSE: ReadonlyArray<[string, (k: Loose) => unknown, EdgeloopErrorCode, string]> = [
  ['socket(5)', (k) => k.socket!(5), 'ERR_INVALID_ARG', 'family'],
  ['socket("udp")', (k) => k.socket!('udp'), 'ERR_UNKNOWN_NAME', 'family'],
  ['socket()', (k) => k.socket!(), 'ERR_INVALID_ARG', 'family'],
  ['socketpair("inet")', (k) => k.socketpair!('inet'), 'ERR_UNKNOWN_NAME', 'family'],
  ['socketpair(opts=5)', (k) => k.socketpair!('unix', 5), 'ERR_INVALID_ARG', 'opts'],
  ['socketpair(opts.sndbuf=0)', (k) => k.socketpair!('tcp', { sndbuf: 0 }), 'ERR_INVALID_ARG', 'opts.sndbuf'],
  ['socketpair(opts.rcvbuf=1.5)', (k) => k.socketpair!('tcp', { rcvbuf: 1.5 }), 'ERR_INVALID_ARG', 'opts.rcvbuf'],
  ['socketpair(opts.nodelay=2)', (k) => k.socketpair!('tcp', { nodelay: 2 }), 'ERR_INVALID_ARG', 'opts.nodelay'],
  ['socketpair(opts.linger)', (k) => k.socketpair!('tcp', { linger: 1 }), 'ERR_UNKNOWN_NAME', 'opts'],
  ['bind(fd="3")', (k) => k.bind!('3', '127.0.0.1:0'), 'ERR_INVALID_ARG', 'fd'],
  ['bind(fd=1.5)', (k) => k.bind!(1.5, '127.0.0.1:0'), 'ERR_INVALID_ARG', 'fd'],
  ['bind(fd=2**31)', (k) => k.bind!(2 ** 31, '127.0.0.1:0'), 'ERR_INVALID_ARG', 'fd'],
  ['bind(addr=80)', (k) => k.bind!(3, 80), 'ERR_INVALID_ARG', 'addr'],
  ['bind(addr=1.2.3:80)', (k) => k.bind!(3, '1.2.3:80'), 'ERR_INVALID_ARG', 'addr'],
  ['bind(addr=localhost:80)', (k) => k.bind!(3, 'localhost:80'), 'ERR_INVALID_ARG', 'addr'],
  ['bind(addr=127.0.0.1:65536)', (k) => k.bind!(3, '127.0.0.1:65536'), 'ERR_INVALID_ARG', 'addr'],
  ['bind(addr=127.0.0.256:1)', (k) => k.bind!(3, '127.0.0.256:1'), 'ERR_INVALID_ARG', 'addr'],
  ['bind(addr=127.0.0.1)', (k) => k.bind!(3, '127.0.0.1'), 'ERR_INVALID_ARG', 'addr'],
  ['bind(addr=@)', (k) => k.bind!(3, '@'), 'ERR_INVALID_ARG', 'addr'],
  ['bind(addr=@ + 108 bytes)', (k) => k.bind!(3, `@${'x'.repeat(108)}`), 'ERR_INVALID_ARG', 'addr'],
  ['bind(addr=/tmp/sock)', (k) => k.bind!(3, '/tmp/sock'), 'ERR_INVALID_ARG', 'addr'],
  ['connect(addr=[::1:80)', (k) => k.connect!(3, '[::1:80'), 'ERR_INVALID_ARG', 'addr'],
  ['connect(addr=null)', (k) => k.connect!(3, null), 'ERR_INVALID_ARG', 'addr'],
  ['listen(backlog=1.5)', (k) => k.listen!(3, 1.5), 'ERR_INVALID_ARG', 'backlog'],
  ['listen(backlog="8")', (k) => k.listen!(3, '8'), 'ERR_INVALID_ARG', 'backlog'],
  ['accept(fd=NaN)', (k) => k.accept!(NaN), 'ERR_INVALID_ARG', 'fd'],
  ['getsockname(fd=undefined)', (k) => k.getsockname!(undefined), 'ERR_INVALID_ARG', 'fd'],
  ['read(max=1.5)', (k) => k.read!(3, 1.5), 'ERR_INVALID_ARG', 'max'],
  ['read(max=-1)', (k) => k.read!(3, -1), 'ERR_INVALID_ARG', 'max'],
  ['read(max="10")', (k) => k.read!(3, '10'), 'ERR_INVALID_ARG', 'max'],
  ['read(max=Infinity)', (k) => k.read!(3, Infinity), 'ERR_INVALID_ARG', 'max'],
  ['read(fd=3n)', (k) => k.read!(3n, 10), 'ERR_INVALID_ARG', 'fd'],
  ['write(data=-1)', (k) => k.write!(3, -1), 'ERR_INVALID_ARG', 'data'],
  ['write(data=1.5)', (k) => k.write!(3, 1.5), 'ERR_INVALID_ARG', 'data'],
  ['write(data=64 MiB + 1)', (k) => k.write!(3, 64 * 1024 * 1024 + 1), 'ERR_INVALID_ARG', 'data'],
  ['write(data="abc")', (k) => k.write!(3, 'abc'), 'ERR_INVALID_ARG', 'data'],
  ['write(data=[1,2])', (k) => k.write!(3, [1, 2]), 'ERR_INVALID_ARG', 'data'],
  ['write(data=Uint16Array)', (k) => k.write!(3, new Uint16Array(2)), 'ERR_INVALID_ARG', 'data'],
  ['write(data=ArrayBuffer)', (k) => k.write!(3, new ArrayBuffer(2)), 'ERR_INVALID_ARG', 'data'],
  ['shutdown(how="BOTH")', (k) => k.shutdown!(3, 'BOTH'), 'ERR_UNKNOWN_NAME', 'how'],
  ['shutdown(how=1)', (k) => k.shutdown!(3, 1), 'ERR_INVALID_ARG', 'how'],
  ['close(fd=true)', (k) => k.close!(true), 'ERR_INVALID_ARG', 'fd'],
  ['dup(fd=-0.5)', (k) => k.dup!(-0.5), 'ERR_INVALID_ARG', 'fd'],
  ['setsockopt(name="SO_KEEPALIVE")', (k) => k.setsockopt!(3, 'SO_KEEPALIVE', 1), 'ERR_UNKNOWN_NAME', 'name'],
  ['setsockopt(name=7)', (k) => k.setsockopt!(3, 7, 1), 'ERR_INVALID_ARG', 'name'],
  ['setsockopt(SO_SNDBUF, true)', (k) => k.setsockopt!(3, 'SO_SNDBUF', true), 'ERR_INVALID_ARG', 'value'],
  ['setsockopt(SO_SNDBUF, 1.5)', (k) => k.setsockopt!(3, 'SO_SNDBUF', 1.5), 'ERR_INVALID_ARG', 'value'],
  ['setsockopt(TCP_NODELAY, "yes")', (k) => k.setsockopt!(3, 'TCP_NODELAY', 'yes'), 'ERR_INVALID_ARG', 'value'],
  ['getsockopt(name="SO_LINGER")', (k) => k.getsockopt!(3, 'SO_LINGER'), 'ERR_UNKNOWN_NAME', 'name'],
  ['ioctl(request="FIONREAD")', (k) => k.ioctl!(3, 'FIONREAD'), 'ERR_UNKNOWN_NAME', 'request'],
  ['ioctl(request=0x541b)', (k) => k.ioctl!(3, 0x541b), 'ERR_INVALID_ARG', 'request'],
  ['epollCtl(op="ADDD")', (k) => k.epollCtl!(3, 'ADDD', 4, EPOLLIN), 'ERR_UNKNOWN_NAME', 'op'],
  ['epollCtl(op=1.5)', (k) => k.epollCtl!(3, 1.5, 4, EPOLLIN), 'ERR_INVALID_ARG', 'op'],
  ['epollCtl(ep="3")', (k) => k.epollCtl!('3', 'ADD', 4, EPOLLIN), 'ERR_INVALID_ARG', 'ep'],
  ['epollCtl(fd=4.5)', (k) => k.epollCtl!(3, 'ADD', 4.5, EPOLLIN), 'ERR_INVALID_ARG', 'fd'],
  ['epollCtl(mask=2**32)', (k) => k.epollCtl!(3, 'ADD', 4, 2 ** 32), 'ERR_INVALID_ARG', 'mask'],
  ['epollCtl(mask=-2**31-1)', (k) => k.epollCtl!(3, 'ADD', 4, -(2 ** 31) - 1), 'ERR_INVALID_ARG', 'mask'],
  ['epollCtl(mask="EPOLLIN")', (k) => k.epollCtl!(3, 'ADD', 4, 'EPOLLIN'), 'ERR_INVALID_ARG', 'mask'],
  ['epollWait(maxevents=1.5)', (k) => k.epollWait!(3, 1.5, 0), 'ERR_INVALID_ARG', 'maxevents'],
  ['epollWait(timeoutMs=NaN)', (k) => k.epollWait!(3, 1, NaN), 'ERR_INVALID_ARG', 'timeoutMs'],
  ['epollWait(timeoutMs=undefined)', (k) => k.epollWait!(3, 1), 'ERR_INVALID_ARG', 'timeoutMs'],
  ['advance(ms=-1)', (k) => k.advance!(-1), 'ERR_INVALID_ARG', 'ms'],
  ['advance(ms=0.5)', (k) => k.advance!(0.5), 'ERR_INVALID_ARG', 'ms'],
  ['setActor("")', (k) => k.setActor!(''), 'ERR_INVALID_ARG', 'name'],
];

describe.each(BACKENDS)('kernel API on %s', (backend: BackendId) => {
  let k: Kernel;
  beforeEach(async () => {
    k = await open(backend);
  });
  afterEach(() => {
    try {
      k.dispose();
    } catch (e) {
      if (!(e instanceof EdgeloopError && e.code === 'ERR_DISPOSED')) throw e;
    }
  });

  it('reports its backend', () => {
    expect(k.backend).toBe(backend === 'linux' ? 'linux' : 'sim');
    expect(k.engine).toBe(backend === 'linux' ? undefined : backend.slice(4));
  });

  describe('misuse throws an EdgeloopError naming the argument, before the kernel is called', () => {
    it.each(MISUSE)('%s', (_label, call, code, argument) => {
      const before = k.trace.records.length;
      expectMisuse(() => call(loose(k)), code, argument);
      expect(k.trace.records.length).toBe(before);
    });

    it('names the method, the argument and the value', () => {
      expect(thrown(() => loose(k).read!(3, 1.5)).message).toBe('read(): "max" must be a non-negative integer, got 1.5');
      expect(thrown(() => loose(k).socket!('udp')).message).toBe(
        `socket(): "family" must be one of 'unix', 'tcp', got "udp"`,
      );
      expect(thrown(() => k.bind(3, '10.0.0.256:80')).message).toMatch(/^bind\(\): "addr" must be 'A\.B\.C\.D:PORT' or '\[IPV6\]:PORT'/);
    });
  });

  describe('what Linux refuses comes back as an errno name', () => {
    it('bad fds give EBADF', () => {
      const data = new Uint8Array([1]);
      expect(k.read(-1, 10)).toBe('EBADF');
      expect(k.write(-1, data)).toBe('EBADF');
      expect(k.write(-1, 10)).toBe('EBADF');
      expect(k.close(-1)).toBe('EBADF');
      expect(k.dup(-1)).toBe('EBADF');
      expect(k.getsockname(-1)).toBe('EBADF');
      expect(k.getsockopt(-1, 'SO_ERROR')).toBe('EBADF');
      expect(k.setsockopt(-1, 'SO_SNDBUF', 4096)).toBe('EBADF');
      expect(k.ioctl(-1, 'SIOCINQ')).toBe('EBADF');
      expect(k.shutdown(-1, 'RDWR')).toBe('EBADF');
      expect(k.bind(-1, '127.0.0.1:0')).toBe('EBADF');
      expect(k.listen(-1, 1)).toBe('EBADF');
      expect(k.connect(-1, '127.0.0.1:1')).toBe('EBADF');
      expect(k.accept(-1)).toBe('EBADF');
      expect(k.epollWait(-1, 1, 0)).toBe('EBADF');
      expect(k.epollCtl(-1, 'ADD', -1, EPOLLIN)).toBe('EBADF');
      expect(k.close(2 ** 31 - 1)).toBe('EBADF');
    });

    it('closed fds give EBADF', () => {
      const [a, b] = pair(k);
      expect(k.close(a)).toBe(0);
      expect(k.read(a, 1)).toBe('EBADF');
      expect(k.write(a, 1)).toBe('EBADF');
      expect(k.close(a)).toBe('EBADF');
      expect(k.close(b)).toBe(0);
    });

    it('epoll: maxevents <= 0, a non-epoll fd, an unknown numeric op give EINVAL', () => {
      const [a] = pair(k);
      const ep = fd(k.epollCreate());
      expect(k.epollWait(ep, 0, 0)).toBe('EINVAL');
      expect(k.epollWait(ep, -1, 0)).toBe('EINVAL');
      expect(k.epollWait(a, 1, 0)).toBe('EINVAL');
      expect(k.epollCtl(ep, 7, a, EPOLLIN)).toBe('EINVAL');
      expect(k.epollCtl(ep, 'DEL', a, 0)).toBe('ENOENT');
      expect(k.epollCtl(ep, 'ADD', a, EPOLLIN)).toBe(0);
      expect(k.epollCtl(ep, 'ADD', a, EPOLLIN)).toBe('EEXIST');
      expect(k.epollCtl(ep, 2, a, 0)).toBe(0); // numeric DEL goes through as is
    });
  });

  it('masks: int32 or uint32 in, uint32 out; the user data is the fd given', () => {
    const [a] = pair(k);
    const ep = fd(k.epollCreate());
    const mask = EPOLLOUT | EPOLLET; // a negative int32 in JS
    expect(mask).toBeLessThan(0);
    expect(k.epollCtl(ep, 'ADD', a, mask)).toBe(0);
    expect(k.epollWait(ep, 16, 0)).toEqual([{ fd: a, events: EPOLLOUT }]);
    expect(k.epollCtl(ep, 'MOD', a, (EPOLLOUT | EPOLLET | EPOLLRDHUP) >>> 0)).toBe(0);
    expect(k.epollWait(ep, 16, 0)).toEqual([{ fd: a, events: EPOLLOUT }]);
  });

  it('write(fd, n) writes a per-fd running byte pattern, reset on close', () => {
    const [a, b] = pair(k);
    expect(k.write(a, 5)).toBe(5);
    expect(k.write(a, 300)).toBe(300);
    const got = k.read(b, 1000);
    expect(got).toBeInstanceOf(Uint8Array);
    expect(Array.from(got as Uint8Array)).toEqual(Array.from({ length: 305 }, (_, i) => i & 0xff));
    // A view with an offset is written from its offset.
    const buf = new Uint8Array([9, 9, 1, 2, 3, 9]);
    expect(k.write(a, buf.subarray(2, 5))).toBe(3);
    expect(Array.from(k.read(b, 10) as Uint8Array)).toEqual([1, 2, 3]);
    expect(k.close(a)).toBe(0);
    const [c, d] = pair(k);
    expect(k.write(c, 3)).toBe(3);
    expect(Array.from(k.read(d, 10) as Uint8Array)).toEqual([0, 1, 2]);
    expect(k.read(d, 0)).toEqual(new Uint8Array(0));
  });

  it('readDiscard(fd, max) reads as read() does, leaving the bytes: the count, the same trace record, errnos by name', () => {
    const [a, b] = pair(k);
    expect(k.write(a, 300)).toBe(300);
    expect(k.readDiscard(b, 100)).toBe(100);
    // What it took is gone; the rest reads on from there.
    expect(Array.from(k.read(b, 1000) as Uint8Array)).toEqual(Array.from({ length: 200 }, (_, i) => (i + 100) & 0xff));
    expect(k.readDiscard(b, 10)).toBe('EAGAIN');
    expect(k.close(a)).toBe(0);
    expect(k.readDiscard(b, 10)).toBe(0);
    const reads = k.trace.records.filter((r) => r.call === 'read').map(({ seq: _s, t: _t, ...r }) => r);
    expect(reads).toEqual([
      { actor: 'app', call: 'read', fd: b, name: reads[0]?.name, args: { max: 100 }, ret: 100 },
      { actor: 'app', call: 'read', fd: b, name: reads[0]?.name, args: { max: 1000 }, ret: 200 },
      { actor: 'app', call: 'read', fd: b, name: reads[0]?.name, args: { max: 10 }, err: 'EAGAIN' },
      { actor: 'app', call: 'read', fd: b, name: reads[0]?.name, args: { max: 10 }, ret: 0 },
    ]);
    expect(thrown(() => loose(k).readDiscard!(b, -1)).message).toMatch(/readDiscard\(\): "max" must be a non-negative integer/);
    expect(thrown(() => loose(k).readDiscard!('x', 1)).argument).toBe('fd');
  });

  it('traces calls with stable names and a fixed key order', () => {
    const [a, b] = pair(k);
    const ep = fd(k.epollCreate());
    k.epollCtl(ep, 'ADD', a, EPOLLOUT | EPOLLET);
    k.epollWait(ep, 16, 0);
    k.setActor('peer');
    k.write(b, 4);
    k.setActor('app');
    k.read(a, 10);
    k.read(-1, 10);
    const [header, ...lines] = k.traceJsonl().trimEnd().split('\n');
    const seed = backend === 'linux' ? 'null' : '1';
    expect(header).toBe(`{"type":"header","version":1,"kernel":"${k.backend}","seed":${seed}}`);
    const recs = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(recs.map((r) => Object.keys(r).join(','))).toEqual([
      'seq,t,actor,call,args,ret,created',
      'seq,t,actor,call,args,ret,created',
      'seq,t,actor,call,fd,name,args,ret',
      'seq,t,actor,call,fd,name,args,ret,events',
      'seq,t,actor,call,fd,name,args,ret',
      'seq,t,actor,call,fd,name,args,ret',
      'seq,t,actor,call,fd,name,args,err',
    ]);
    expect(recs.map((r) => [r.seq, r.actor, r.call, r.name ?? null])).toEqual([
      [1, 'app', 'socketpair', null],
      [2, 'app', 'epollCreate', null],
      [3, 'app', 'epollCtl', 'ep1'],
      [4, 'app', 'epollWait', 'ep1'],
      [5, 'peer', 'write', 's2'],
      [6, 'app', 'read', 's1'],
      [7, 'app', 'read', null],
    ]);
    expect(recs[0]).toMatchObject({ args: { family: 'unix' }, ret: [a, b], created: ['s1', 's2'] });
    expect(recs[2]).toMatchObject({ fd: ep, args: { op: 'ADD', fd: a, name: 's1', events: 'EPOLLOUT|EPOLLET' }, ret: 0 });
    expect(recs[3]).toMatchObject({ args: { maxevents: 16, timeout: 0 }, ret: 1, events: [{ fd: a, name: 's1', events: 'EPOLLOUT' }] });
    expect(recs[4]).toMatchObject({ fd: b, args: { filler: 4 }, ret: 4 });
    expect(recs[5]).toMatchObject({ fd: a, args: { max: 10 }, ret: 4 });
    expect(recs[6]).toMatchObject({ fd: -1, name: null, err: 'EBADF' });
    for (const r of recs) expect(typeof r.t).toBe('number');
  });

  it('after dispose every method throws ERR_DISPOSED; the trace stays readable', () => {
    k.dispose();
    const calls: Array<[string, (k: Loose) => unknown]> = [
      ['socket', (x) => x.socket!('unix')],
      ['socketpair', (x) => x.socketpair!('unix')],
      ['bind', (x) => x.bind!(3, '@x')],
      ['listen', (x) => x.listen!(3, 1)],
      ['connect', (x) => x.connect!(3, '@x')],
      ['accept', (x) => x.accept!(3)],
      ['getsockname', (x) => x.getsockname!(3)],
      ['read', (x) => x.read!(3, 1)],
      ['write', (x) => x.write!(3, 1)],
      ['shutdown', (x) => x.shutdown!(3, 'WR')],
      ['close', (x) => x.close!(3)],
      ['dup', (x) => x.dup!(3)],
      ['eventfd', (x) => x.eventfd!()],
      ['setsockopt', (x) => x.setsockopt!(3, 'SO_SNDBUF', 1)],
      ['getsockopt', (x) => x.getsockopt!(3, 'SO_SNDBUF')],
      ['ioctl', (x) => x.ioctl!(3, 'SIOCINQ')],
      ['epollCreate', (x) => x.epollCreate!()],
      ['epollCtl', (x) => x.epollCtl!(3, 'ADD', 4, EPOLLIN)],
      ['epollWait', (x) => x.epollWait!(3, 1, 0)],
      ['advance', (x) => x.advance!(1)],
      ['now', (x) => x.now!()],
      ['inspect', (x) => x.inspect!()],
      ['setActor', (x) => x.setActor!('peer')],
      ['dispose', (x) => x.dispose!()],
      // Misuse after dispose still reports the disposal first.
      ['read', (x) => x.read!('bad', -1)],
    ];
    for (const [method, call] of calls) {
      const e = thrown(() => call(loose(k)));
      expect(e.code, method).toBe('ERR_DISPOSED');
      expect(e.message, method).toContain(`${method}()`);
    }
    expect(k.trace.records.at(-1)?.call).toBe('dispose');
    expect(k.traceJsonl().split('\n')[0]).toContain('"type":"header"');
  });

  it('inspect(): sim state as an object, null on linux; a bad options argument is named', () => {
    if (k.backend === 'linux') expect(k.inspect()).toBeNull();
    else expect(typeof k.inspect()).toBe('object');
    expect(thrown(() => loose(k).inspect!('brief')).message).toMatch(/inspect\(\): "options" must be an object/);
    expect(thrown(() => loose(k).inspect!({ brief: 1 })).message).toMatch(/inspect\(\): "options.brief" must be true or false/);
  });

  it('ingestTrace() refuses what is not a record, naming it, and takes none of a bad batch', () => {
    const before = k.trace.records.length;
    const bad: Array<[unknown, RegExp]> = [
      [[5], /"records\[0\]" must be a trace record/],
      [[{}], /"records\[0\]\.t" must be a finite number/],
      [[null], /"records\[0\]" must be a trace record/],
      [[{ t: 0, actor: 'me', call: 'x', args: {} }, { t: 0, actor: '', call: 'x', args: {} }], /"records\[1\]\.actor" must be a non-empty string/],
      [[{ t: 0, actor: 'me', call: 'x', args: [] }], /"records\[0\]\.args" must be an object/],
      ['x', /"records" must be an array/],
    ];
    for (const [records, message] of bad) {
      let err: unknown;
      try {
        k.ingestTrace(records as never);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(EdgeloopError);
      expect((err as EdgeloopError).code).toBe('ERR_INVALID_ARG');
      expect((err as Error).message).toMatch(message);
    }
    expect(k.trace.records.length).toBe(before);
    k.ingestTrace([{ t: 0, actor: 'me', call: 'note', args: { n: 1 } }]);
    expect(k.trace.records.length).toBe(before + 1);
  });

  it('trace: false records nothing but keeps the header', async () => {
    const quiet = await open(backend, { trace: false });
    try {
      quiet.read(-1, 1);
      expect(quiet.trace.records).toEqual([]);
      expect(quiet.trace.header.kernel).toBe(quiet.backend);
    } finally {
      quiet.dispose();
    }
  });
});

describe('openKernel() options', () => {
  const bad: ReadonlyArray<[string, unknown, string]> = [
    ['no options', undefined, 'options'],
    ['null', null, 'options'],
    ['a string', 'sim', 'options'],
    ['unknown backend', { backend: 'bsd' }, 'backend'],
    ['backend missing', { seed: 1 }, 'backend'],
    ['unknown engine', { backend: 'sim', engine: 'js' }, 'engine'],
    ['negative seed', { backend: 'sim', seed: -1 }, 'seed'],
    ['fractional seed', { backend: 'sim', seed: 1.5 }, 'seed'],
    ['seed 2**32', { backend: 'sim', seed: 2 ** 32 }, 'seed'],
    ['string seed', { backend: 'sim', seed: '1' }, 'seed'],
    ['seed on linux', { backend: 'linux', seed: 1 }, 'seed'],
    ['engine on linux', { backend: 'linux', engine: 'native' }, 'engine'],
    ['unknown option', { backend: 'sim', sed: 1 }, 'sed'],
    ['non-boolean trace', { backend: 'sim', trace: 'yes' }, 'trace'],
  ];
  it.each(bad)('%s -> ERR_INVALID_ARG naming the field', async (_label, options, field) => {
    const err = await openKernel(options as KernelBackendOptions).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(EdgeloopError);
    expect((err as EdgeloopError).code).toBe('ERR_INVALID_ARG');
    expect((err as EdgeloopError).argument).toBe(field);
    expect((err as EdgeloopError).message).toContain(`"${field}"`);
  });
});

describe('constants and names', () => {
  it('eventNames lists bits in order, unknown bits in hex, none as the empty string', () => {
    expect(eventNames(EPOLLIN | EPOLLOUT)).toBe('EPOLLIN|EPOLLOUT');
    expect(eventNames(EPOLLOUT | EPOLLET)).toBe('EPOLLOUT|EPOLLET');
    expect(eventNames(-(2 ** 31))).toBe('EPOLLET');
    expect(eventNames(0x800 | EPOLLIN)).toBe('EPOLLIN|0x800');
    expect(eventNames(0)).toBe('');
    expect(EPOLLET).toBe(0x80000000);
  });

  it('errno names and numbers are Linux numbering', () => {
    expect(errnoName(11)).toBe('EAGAIN');
    expect(errnoName(-104)).toBe('ECONNRESET');
    expect(errnoName(999)).toBe('E999');
    expect(errnoNumber('EPIPE')).toBe(32);
    expect(errnoNumber('E999')).toBe(999);
    expect(errnoNumber('EWHAT')).toBeUndefined();
    expect(isErrno('EAGAIN')).toBe(true);
    expect(isErrno('127.0.0.1:80')).toBe(false);
  });
});

// A scripted binding, to check the JS layer alone.
function fakeRaw(overrides: Partial<RawKernel>): RawKernel {
  const fail = () => -38;
  const base: RawKernel = {
    socket: fail,
    socketpair: fail,
    bind: fail,
    listen: fail,
    connect: fail,
    accept: fail,
    getsockname: fail,
    read: fail,
    readDiscard: fail,
    write: fail,
    shutdown: fail,
    close: fail,
    dup: fail,
    eventfd: fail,
    setsockopt: fail,
    getsockopt: fail,
    ioctl: fail,
    epollCreate: fail,
    epollCtl: fail,
    epollWait: fail,
    now: () => 0,
    advance: () => undefined,
    inspect: () => '{}',
    inspectBrief: () => '{}',
    dispose: () => undefined,
  };
  return { ...base, ...overrides };
}

describe('the JS layer over a binding', () => {
  it('an exception from the binding becomes ERR_BACKEND with the cause', () => {
    const boom = new Error('boom');
    const k = new Kernel(
      fakeRaw({
        read: () => {
          throw boom;
        },
      }),
      { backend: 'sim', engine: 'native', seed: 1, trace: true },
    );
    const e = thrown(() => k.read(3, 1));
    expect(e.code).toBe('ERR_BACKEND');
    expect(e.cause).toBe(boom);
    expect(e.message).toContain('boom');
  });

  it('epoll events keep the name registered at ADD time after close and fd reuse; dups get derived names', () => {
    const k = new Kernel(
      fakeRaw({
        socketpair: () => [3, 4],
        epollCreate: () => 5,
        socket: () => 3,
        dup: () => 6,
        close: () => 0,
        epollCtl: () => 0,
        epollWait: () => [3, EPOLLOUT, 3, (EPOLLIN | EPOLLET) >>> 0],
      }),
      { backend: 'sim', engine: 'native', seed: 7, trace: true },
    );
    expect(k.socketpair('unix')).toEqual([3, 4]);
    expect(k.epollCreate()).toBe(5);
    k.epollCtl(5, 'ADD', 3, EPOLLOUT);
    k.close(3);
    expect(k.socket('tcp')).toBe(3);
    expect(k.dup(3)).toBe(6);
    expect(k.epollWait(5, 8, 0)).toEqual([
      { fd: 3, events: EPOLLOUT },
      { fd: 3, events: 0x80000001 },
    ]);
    const recs = k.trace.records;
    expect(recs.map((r) => r.created ?? null)).toEqual([['s1', 's2'], 'ep1', null, null, 's3', 's3+1', null]);
    expect(recs[6]?.events).toEqual([
      { fd: 3, name: 's1', events: 'EPOLLOUT' },
      { fd: 3, name: 's1', events: 'EPOLLIN|EPOLLET' },
    ]);
    expect(k.trace.header).toEqual({ type: 'header', version: 1, kernel: 'sim', seed: 7 });
  });
});

describe('the browser entry', () => {
  it('imports no node: module and not the native loader, anywhere in its graph', () => {
    const srcDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'src');
    const seen = new Set<string>();
    const offenders: string[] = [];
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)) {
        const spec = (m[1] ?? m[2]) as string;
        if (spec.startsWith('node:') || /^(fs|path|url|module|os|child_process)$/.test(spec)) {
          offenders.push(`${file}: ${spec}`);
        } else if (spec.startsWith('.') && spec.endsWith('.js')) {
          const target = join(dirname(file), spec.replace(/\.js$/, '.ts'));
          if (target.endsWith(join('backends', 'native.ts'))) offenders.push(`${file}: ${spec}`);
          visit(target);
        }
      }
    };
    visit(join(srcDir, 'browser.ts'));
    expect(offenders).toEqual([]);
    expect(seen.has(join(srcDir, 'kernel.ts'))).toBe(true);
    expect(seen.has(join(srcDir, 'backends', 'wasm.ts'))).toBe(true);
  });
});

describe.each(BACKENDS)('addresses that the engines could not agree on (%s)', (backend) => {
  it('an abstract name with a lone UTF-16 surrogate is misuse naming "addr"; a paired one is fine', async () => {
    const k = await open(backend);
    try {
      const s = k.socket('unix') as number;
      for (const bad of ['@a\uD800b', '@a\uDC00', '@\uD800']) {
        let caught: unknown;
        try {
          k.bind(s, bad);
        } catch (e) {
          caught = e;
        }
        expect(caught).toBeInstanceOf(EdgeloopError);
        expect((caught as EdgeloopError).code).toBe('ERR_INVALID_ARG');
        expect((caught as EdgeloopError).argument).toBe('addr');
      }
      const name = `@edgeloop-misuse-${process.pid}-\u{1F600}`;
      expect(k.bind(s, name)).toBe(0);
      expect(k.getsockname(s)).toBe(name);
    } finally {
      k.dispose();
    }
  });
});
