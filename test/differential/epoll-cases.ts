// epoll semantics on both families: the same script runs on a unix
// socketpair and on a connected 127.0.0.1 TCP pair.
import { EPOLLET, EPOLLEXCLUSIVE, EPOLLIN, EPOLLONESHOT, EPOLLOUT, EPOLLRDHUP } from '../../src/index.js';
import { both, fillRaw } from './lib.js';
import type { DifferentialCase } from './observer.js';

/** Small TCP buffers so a fill is quick and ends on sndbuf, not on a multi-MB autotuned window. */
const SMALL = { sndbuf: 16384, rcvbuf: 16384 } as const;

export const epollCases: DifferentialCase[] = [
  ...both(
    'forced-out-on-add',
    'ADD polls the file at once: a writable socket reports EPOLLOUT once under ET, every time under LT',
    (k, obs) => {
      const [a, b] = obs.pair(['a', 'b']);
      const ep = obs.epoll('ep');
      obs.ctl('ADD a OUT|ET', ep, 'ADD', a, EPOLLOUT | EPOLLET);
      obs.wait('wait 1', ep);
      obs.wait('wait 2 (ET: nothing new)', ep);
      obs.ctl('ADD b IN|OUT|ET', ep, 'ADD', b, EPOLLIN | EPOLLOUT | EPOLLET);
      obs.wait('wait 3', ep);
      obs.wait('wait 4', ep);
      const lt = obs.epoll('lt');
      obs.ctl('ADD a OUT (LT)', lt, 'ADD', a, EPOLLOUT);
      obs.wait('lt wait 1', lt);
      obs.wait('lt wait 2', lt);
      obs.ctl('ADD a again', lt, 'ADD', a, EPOLLOUT);
    },
  ),
  ...both(
    'forced-out-on-mod',
    'MOD re-polls: the same OUT|ET mask reports EPOLLOUT again; MOD to IN|ET on an idle socket reports nothing',
    (k, obs) => {
      const [a, b] = obs.pair(['a', 'b']);
      const ep = obs.epoll('ep');
      obs.ctl('ADD a OUT|ET', ep, 'ADD', a, EPOLLOUT | EPOLLET);
      obs.wait('after ADD', ep);
      obs.wait('again', ep);
      obs.ctl('MOD a OUT|ET (same mask)', ep, 'MOD', a, EPOLLOUT | EPOLLET);
      obs.wait('after MOD', ep);
      obs.wait('again', ep);
      obs.ctl('MOD a IN|ET', ep, 'MOD', a, EPOLLIN | EPOLLET);
      obs.wait('after MOD IN|ET', ep);
      obs.ctl('MOD a OUT|ET', ep, 'MOD', a, EPOLLOUT | EPOLLET);
      obs.wait('after MOD back to OUT|ET', ep);
      obs.write('a writes 100', a, 100);
      obs.settle();
      obs.wait('own write wakes nothing', ep);
      obs.read('b reads', b, 1000);
      obs.settle();
      obs.wait('after the peer read', ep);
      obs.ctl('MOD a OUT|ET again', ep, 'MOD', a, EPOLLOUT | EPOLLET);
      obs.wait('after the last MOD', ep);
      obs.ctl('MOD b (never added)', ep, 'MOD', b, EPOLLIN);
    },
  ),
  ...both('lt-out-idle', 'LT EPOLLOUT on an idle socket is reported by every epoll_wait', (k, obs) => {
    const [a, b] = obs.pair(['a', 'b']);
    const ep = obs.epoll('ep');
    obs.ctl('ADD a OUT', ep, 'ADD', a, EPOLLOUT);
    for (let i = 1; i <= 3; i++) obs.wait(`wait ${i}`, ep);
    obs.ctl('ADD b IN|OUT', ep, 'ADD', b, EPOLLIN | EPOLLOUT);
    obs.wait('both', ep);
    obs.write('a writes 10', a, 10);
    obs.settle();
    obs.wait('b readable too', ep);
    obs.wait('still', ep);
    obs.read('b reads', b, 100);
    obs.wait('b writable only', ep);
  }),
  ...both(
    'et-in-partial-read',
    'ET EPOLLIN stalls after a partial read and fires again only when new data arrives',
    (k, obs) => {
      const [a, b] = obs.pair(['a', 'b']);
      const ep = obs.epoll('ep');
      obs.ctl('ADD b IN|ET', ep, 'ADD', b, EPOLLIN | EPOLLET);
      obs.wait('idle', ep);
      obs.write('a writes 100', a, 100);
      obs.settle();
      obs.wait('data', ep);
      obs.wait('again', ep);
      obs.read('read 10', b, 10);
      obs.wait('after a partial read (stall)', ep);
      obs.ioctl('SIOCINQ', b, 'SIOCINQ');
      obs.write('a writes 1', a, 1);
      obs.settle();
      obs.wait('new data re-fires', ep);
      obs.wait('again', ep);
      obs.read('read the rest', b, 1000);
      obs.read('read more', b, 1000);
      obs.wait('drained', ep);
      obs.shutdown('a SHUT_WR', a, 'WR');
      obs.settle();
      obs.wait('EOF (RDHUP not asked for)', ep);
      obs.wait('again', ep);
      obs.read('read EOF', b, 100);
    },
  ),
  ...both('lt-in-partial-read', 'LT EPOLLIN is reported until the receive queue is empty', (k, obs) => {
    const [a, b] = obs.pair(['a', 'b']);
    const ep = obs.epoll('ep');
    obs.ctl('ADD b IN', ep, 'ADD', b, EPOLLIN);
    obs.write('a writes 100', a, 100);
    obs.settle();
    obs.wait('data', ep);
    obs.read('read 10', b, 10);
    obs.wait('still readable', ep);
    obs.read('read 89', b, 89);
    obs.wait('1 byte left', ep);
    obs.read('read 1', b, 1);
    obs.wait('empty', ep);
    obs.read('read', b, 1);
  }),
  ...both(
    'in-out-et-out-again',
    'IN|OUT|ET: new data re-polls the whole mask, so OUT is reported again along with IN',
    (k, obs) => {
      const [a, b] = obs.pair(['a', 'b']);
      const ep = obs.epoll('ep');
      obs.ctl('ADD a IN|OUT|ET', ep, 'ADD', a, EPOLLIN | EPOLLOUT | EPOLLET);
      obs.wait('initial', ep);
      obs.wait('again', ep);
      obs.write('b writes 5', b, 5);
      obs.settle();
      obs.wait('data arrives', ep);
      obs.wait('again', ep);
      obs.read('a reads', a, 100);
      obs.wait('after reading', ep);
      obs.write('b writes 5 more', b, 5);
      obs.settle();
      obs.wait('data arrives again', ep);
    },
  ),
  ...both(
    'in-out-et-send-full',
    'IN|OUT|RDHUP|ET with a full send path: new data reports IN alone',
    (k, obs) => {
      const [a, b] = obs.pair(['a', 'b'], obs.family === 'tcp' ? SMALL : undefined);
      const f = fillRaw(k, a, 65536);
      obs.eq('fill ends with', f.last);
      obs.settle();
      obs.eq('a still full', k.write(a, 65536));
      const ep = obs.epoll('ep');
      obs.ctl('ADD a IN|OUT|RDHUP|ET', ep, 'ADD', a, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET);
      obs.wait('nothing ready', ep);
      obs.write('b writes 5', b, 5);
      obs.settle();
      obs.wait('data: IN only', ep);
      obs.wait('again', ep);
      obs.poll('mask of a', a);
    },
  ),
  ...both('oneshot', 'ONESHOT fires once, ignores new data until MOD re-arms it; ADD while disarmed is EEXIST', (k, obs) => {
    const [a, b] = obs.pair(['a', 'b']);
    const ep = obs.epoll('ep');
    obs.ctl('ADD b IN|ONESHOT', ep, 'ADD', b, EPOLLIN | EPOLLONESHOT);
    obs.wait('idle', ep);
    obs.write('a writes 10', a, 10);
    obs.settle();
    obs.wait('fires', ep);
    obs.wait('disarmed', ep);
    obs.write('a writes 10 more', a, 10);
    obs.settle();
    obs.wait('new data, still disarmed', ep);
    obs.ctl('ADD while disarmed', ep, 'ADD', b, EPOLLIN);
    obs.ctl('MOD re-arms IN|ONESHOT', ep, 'MOD', b, EPOLLIN | EPOLLONESHOT);
    obs.wait('re-armed: data still unread', ep);
    obs.wait('disarmed again', ep);
    obs.ctl('MOD IN|ONESHOT|ET', ep, 'MOD', b, EPOLLIN | EPOLLONESHOT | EPOLLET);
    obs.wait('re-armed ET', ep);
    obs.read('read all', b, 100);
    obs.ctl('MOD IN|OUT|ONESHOT', ep, 'MOD', b, EPOLLIN | EPOLLOUT | EPOLLONESHOT);
    obs.wait('writable', ep);
    obs.wait('disarmed', ep);
    obs.ctl('DEL disarmed', ep, 'DEL', b, 0);
    obs.ctl('DEL again', ep, 'DEL', b, 0);
    obs.ctl('ADD after DEL', ep, 'ADD', b, EPOLLOUT | EPOLLONESHOT);
    obs.wait('fires', ep);
  }),
  ...both(
    'dup-close-keeps-registration',
    'epoll items are keyed by (file, fd): closing the registered fd while a dup lives keeps reporting it',
    (k, obs) => {
      const [a, b] = obs.pair(['a', 'b']);
      const ep = obs.epoll('ep');
      obs.ctl('ADD b IN|ET', ep, 'ADD', b, EPOLLIN | EPOLLET);
      const d = obs.must('dup', obs.dup('dup b', b, 'd'));
      obs.close('close b', b);
      obs.write('a writes 10', a, 10);
      obs.settle();
      obs.wait('still reported under b', ep);
      obs.ctl('DEL through the dup', ep, 'DEL', d, 0);
      obs.ctl('DEL the closed fd', ep, 'DEL', b, 0);
      obs.ctl('MOD through the dup', ep, 'MOD', d, EPOLLIN);
      obs.ctl('ADD the dup', ep, 'ADD', d, EPOLLIN | EPOLLET);
      obs.wait('the dup is readable at ADD', ep);
      obs.write('a writes 10 more', a, 10);
      obs.settle();
      obs.wait('both registrations report', ep);
      obs.read('read through the dup', d, 100);
      obs.close('close the dup', d);
      obs.write('a writes after the release', a, 10);
      obs.settle();
      obs.wait('nothing after the release', ep);
    },
  ),
  ...both('ctl-errors', "epoll_ctl and epoll_wait errors are Linux's errnos", (k, obs) => {
    const [a, b] = obs.pair(['a', 'b']);
    const ep = obs.epoll('ep');
    obs.ctl('ADD', ep, 'ADD', a, EPOLLIN);
    obs.ctl('ADD twice', ep, 'ADD', a, EPOLLIN);
    obs.ctl('MOD unregistered', ep, 'MOD', b, EPOLLIN);
    obs.ctl('DEL unregistered', ep, 'DEL', b, 0);
    obs.ctl('ADD ep to itself', ep, 'ADD', ep, EPOLLIN);
    obs.ctl('op 99 registered', ep, 99, a, EPOLLIN);
    obs.ctl('op 99 unregistered', ep, 99, b, EPOLLIN);
    obs.ctl('op 0', ep, 0, b, EPOLLIN);
    obs.ctl('ep is a socket', a, 'ADD', b, EPOLLIN);
    obs.ctl('ep -1', -1, 'ADD', b, EPOLLIN);
    obs.ctl('target -1', ep, 'ADD', -1, EPOLLIN);
    obs.ctl('ADD all bits', ep, 'ADD', b, 0xffffffff);
    obs.ctl('ADD EXCLUSIVE|ONESHOT', ep, 'ADD', b, EPOLLIN | EPOLLONESHOT | EPOLLEXCLUSIVE);
    obs.ctl('ADD EXCLUSIVE', ep, 'ADD', b, EPOLLIN | EPOLLEXCLUSIVE);
    obs.ctl('MOD an EXCLUSIVE item', ep, 'MOD', b, EPOLLIN);
    obs.ctl('MOD with EXCLUSIVE', ep, 'MOD', a, EPOLLIN | EPOLLEXCLUSIVE);
    obs.ctl('DEL EXCLUSIVE item', ep, 'DEL', b, 0);
    const inner = obs.epoll('inner');
    obs.ctl('ADD nested epoll', ep, 'ADD', inner, EPOLLIN);
    obs.ctl('ADD a loop', inner, 'ADD', ep, EPOLLIN);
    obs.ctl('ADD nested EXCLUSIVE', inner, 'ADD', a, EPOLLIN);
    obs.wait('maxevents 0', ep, 0);
    obs.wait('maxevents -1', ep, -1);
    obs.wait('wait on a socket', a, 4);
    obs.wait('wait on -1', -1, 4);
    const ev = obs.must('eventfd', k.eventfd());
    obs.name('ev', ev);
    obs.ctl('ADD eventfd', ep, 'ADD', ev, EPOLLIN | EPOLLOUT);
    obs.close('close a', a);
    obs.ctl('DEL the closed fd', ep, 'DEL', a, 0);
    obs.ctl('ADD the closed fd', ep, 'ADD', a, EPOLLIN);
    obs.close('close inner', inner);
    obs.close('close ep', ep);
    obs.ctl('ctl on the closed ep', ep, 'ADD', b, EPOLLIN);
    obs.wait('wait on the closed ep', ep, 4);
    obs.close('close twice', a);
  }),
  ...both(
    'maxevents-round-robin',
    'LT items go back to the tail after being reported: maxevents smaller than the ready list rotates',
    (k, obs) => {
      const xs: number[] = [];
      const ws: number[] = [];
      for (const n of [1, 2, 3]) {
        const [w, x] = obs.pair([`w${n}`, `x${n}`]);
        obs.write(`w${n} writes`, w, 10);
        ws.push(w);
        xs.push(x);
      }
      obs.settle();
      const [x1, x2, x3] = xs as [number, number, number];
      const ep1 = obs.epoll('ep1');
      for (const x of [x1, x2, x3]) obs.ctl('ADD IN', ep1, 'ADD', x, EPOLLIN);
      for (let i = 1; i <= 4; i++) obs.wait(`order 1,2,3 maxevents 2 wait ${i}`, ep1, 2);
      const ep2 = obs.epoll('ep2');
      for (const x of [x3, x1, x2]) obs.ctl('ADD IN', ep2, 'ADD', x, EPOLLIN);
      for (let i = 1; i <= 4; i++) obs.wait(`order 3,1,2 maxevents 2 wait ${i}`, ep2, 2);
      const ep3 = obs.epoll('ep3');
      for (const x of [x1, x2, x3]) obs.ctl('ADD IN', ep3, 'ADD', x, EPOLLIN);
      for (let i = 1; i <= 4; i++) obs.wait(`maxevents 1 wait ${i}`, ep3, 1);
      const ep4 = obs.epoll('ep4');
      obs.ctl('ADD x1 IN|ET', ep4, 'ADD', x1, EPOLLIN | EPOLLET);
      obs.ctl('ADD x2 IN', ep4, 'ADD', x2, EPOLLIN);
      obs.ctl('ADD x3 IN', ep4, 'ADD', x3, EPOLLIN);
      for (let i = 1; i <= 3; i++) obs.wait(`mixed ET/LT wait ${i}`, ep4, 8);
      obs.write('w1 writes again', ws[0]!, 10);
      obs.settle();
      obs.wait('x1 woken: appended at the tail', ep4, 8);
      obs.wait('after', ep4, 8);
      obs.read('x2 drains', x2, 100);
      obs.wait('x2 gone', ep4, 8);
      obs.wait('ep1 continues its rotation', ep1, 2);
    },
  ),
  ...both(
    'et-only-and-zero-mask',
    'ERR and HUP are always reported: mask EPOLLET alone fires once on a reset, mask 0 (LT) on every wait',
    (k, obs) => {
      const [a, b] = obs.pair(['a', 'b']);
      const et = obs.epoll('et');
      const lt = obs.epoll('lt');
      obs.ctl('ADD a ET only', et, 'ADD', a, EPOLLET);
      obs.ctl('ADD a mask 0', lt, 'ADD', a, 0);
      obs.wait('ET idle', et);
      obs.wait('LT idle', lt);
      obs.write('b writes (IN not asked for)', b, 10);
      obs.settle();
      obs.wait('ET: data is not reported', et);
      obs.wait('LT: data is not reported', lt);
      obs.write('a writes 7 (left unread by b)', a, 7);
      obs.settle();
      obs.close('b closes with unread data', b);
      obs.settle();
      obs.wait('ET: ERR|HUP once', et);
      obs.wait('ET: again', et);
      obs.wait('LT: ERR|HUP', lt);
      obs.wait('LT: again', lt);
      obs.soError('SO_ERROR', a);
      obs.wait('LT after SO_ERROR', lt);
      obs.wait('ET after SO_ERROR', et);
    },
  ),
];
