// Listening sockets and connection setup: ET listen sockets with accept-one
// and accept-all, the backlog, a listener closed with pending connections,
// and the connect state machines of each family.
import { EPOLLET, EPOLLIN, EPOLLOUT, EPOLLRDHUP, isErrno } from '../../src/index.js';
import { both, only } from './lib.js';
import type { DifferentialCase, FdOrErrno, Observer } from './observer.js';

/** A listening socket of the case's family and the address clients connect to. */
function listener(obs: Observer, name: string, backlog: number): { fd: number; addr: string } {
  const k = obs.kernel;
  const fd = obs.socket(name);
  let addr: string;
  if (obs.family === 'unix') {
    addr = obs.addr(name);
    obs.eq(`bind ${name}`, k.bind(fd, addr));
  } else {
    obs.eq(`bind ${name}`, k.bind(fd, '127.0.0.1:0'));
    const a = k.getsockname(fd);
    if (isErrno(a)) obs.must(`getsockname ${name}`, a);
    addr = a;
  }
  obs.eq(`listen ${name}`, k.listen(fd, backlog));
  obs.sockname(`getsockname ${name}`, fd);
  return { fd, addr };
}

function client(obs: Observer, name: string, addr: string): number {
  const fd = obs.socket(name);
  obs.connect(`connect ${name}`, fd, addr);
  return fd;
}

/** accept() until it fails; records how many and the final errno. */
function acceptAll(obs: Observer, label: string, l: number, prefix: string): number {
  let n = 0;
  let r: FdOrErrno;
  for (;;) {
    r = obs.kernel.accept(l);
    if (isErrno(r)) break;
    obs.name(`${prefix}${++n}`, r);
    if (n > 100) break;
  }
  obs.eq(`${label}: accepted`, n);
  obs.eq(`${label}: then`, r);
  return n;
}

export const listenCases: DifferentialCase[] = [
  ...both(
    'listen-et-accept-one',
    'ET listen socket, one accept per wakeup: the remaining connections are not reported again until a new one arrives',
    (k, obs) => {
      const l = listener(obs, 'l', 16);
      const ep = obs.epoll('ep');
      obs.ctl('ADD l IN|ET', ep, 'ADD', l.fd, EPOLLIN | EPOLLET);
      obs.wait('no connection yet', ep);
      for (const c of ['c1', 'c2', 'c3']) client(obs, c, l.addr);
      obs.settle();
      obs.wait('three pending', ep);
      obs.wait('again', ep);
      obs.accept('accept one', l.fd, 's1');
      obs.wait('two still pending: ET stays quiet', ep);
      obs.poll('listener mask', l.fd);
      client(obs, 'c4', l.addr);
      obs.settle();
      obs.wait('a new connection wakes it', ep);
      acceptAll(obs, 'accept the rest', l.fd, 'r');
      obs.wait('empty', ep);
      obs.poll('listener mask', l.fd);
    },
  ),
  ...both(
    'listen-et-accept-all',
    'ET listen socket drained to EAGAIN on every wakeup',
    (k, obs) => {
      const l = listener(obs, 'l', 16);
      const ep = obs.epoll('ep');
      obs.ctl('ADD l IN|ET', ep, 'ADD', l.fd, EPOLLIN | EPOLLET);
      for (const c of ['c1', 'c2', 'c3']) client(obs, c, l.addr);
      obs.settle();
      obs.wait('three pending', ep);
      acceptAll(obs, 'accept all', l.fd, 's');
      obs.wait('empty', ep);
      client(obs, 'c4', l.addr);
      obs.settle();
      obs.wait('one more', ep);
      acceptAll(obs, 'accept all', l.fd, 't');
      obs.wait('empty', ep);
    },
  ),
  ...both('listen-lt', 'LT listen socket: reported while any connection is pending', (k, obs) => {
    const l = listener(obs, 'l', 16);
    const ep = obs.epoll('ep');
    obs.ctl('ADD l IN', ep, 'ADD', l.fd, EPOLLIN);
    for (const c of ['c1', 'c2']) client(obs, c, l.addr);
    obs.settle();
    obs.wait('two pending', ep);
    obs.accept('accept', l.fd, 's1');
    obs.wait('one pending', ep);
    obs.accept('accept', l.fd, 's2');
    obs.wait('none', ep);
    obs.accept('accept', l.fd, 's3');
  }),
  ...both('listen-backlog', 'backlog b admits b+1 connections before accept', (k, obs) => {
    const l = listener(obs, 'l', 1);
    const cs = ['c1', 'c2', 'c3', 'c4'].map((c) => client(obs, c, l.addr));
    obs.settle(10);
    cs.forEach((c, i) => obs.poll(`mask c${i + 1}`, c));
    obs.poll('listener mask', l.fd);
    acceptAll(obs, 'accept', l.fd, 's');
    obs.poll('listener mask', l.fd);
    if (obs.family === 'unix') {
      obs.connect('c3 connects again', cs[2]!, l.addr);
      obs.accept('accept', l.fd, 's3');
    }
    obs.eq('listen again (backlog 0)', k.listen(l.fd, 0));
    obs.eq('listen(-1)', k.listen(l.fd, -1));
  }),
  ...both(
    'listener-close-pending',
    'the listener closes with a connection never accepted: the client is reset',
    (k, obs) => {
      const l = listener(obs, 'l', 4);
      const c = client(obs, 'c', l.addr);
      obs.settle();
      obs.write('c writes 3 before accept', c, 3);
      obs.settle();
      const ep = obs.epoll('ep');
      obs.ctl('ADD c IN|OUT|ET', ep, 'ADD', c, EPOLLIN | EPOLLOUT | EPOLLET);
      obs.wait('initial', ep);
      obs.close('close the listener', l.fd);
      obs.settle();
      obs.wait('after the listener closed', ep);
      obs.poll('client mask', c);
      obs.ioctl('SIOCOUTQ', c, 'SIOCOUTQ');
      obs.soError('SO_ERROR', c);
      obs.read('read', c, 100);
      obs.read('read', c, 100);
      obs.write('write', c, 100);
      obs.connect('connect again', c, l.addr);
    },
  ),
  ...both('write-before-accept', 'a client may write before its connection is accepted', (k, obs) => {
    const l = listener(obs, 'l', 4);
    const c = client(obs, 'c', l.addr);
    obs.settle();
    obs.write('c writes 10', c, 10);
    obs.settle();
    obs.ioctl('c SIOCOUTQ', c, 'SIOCOUTQ');
    const s = obs.must('accept', obs.accept('accept', l.fd, 's'));
    obs.poll('accepted mask', s);
    obs.ioctl('s SIOCINQ', s, 'SIOCINQ');
    obs.read('s reads', s, 100);
    obs.sockname('getsockname s', s);
    obs.sockname('getsockname c', c);
  }),
  ...both(
    'close-before-accept',
    'a client writes 3 bytes and closes before accept: the accepted socket reads them, then end of file',
    (k, obs) => {
      const l = listener(obs, 'l', 4);
      const c = client(obs, 'c', l.addr);
      obs.settle();
      obs.write('c writes 3', c, 3);
      obs.close('c closes', c);
      obs.settle();
      obs.poll('listener mask', l.fd);
      const s = obs.must('accept', obs.accept('accept', l.fd, 's'));
      obs.poll('accepted mask', s);
      obs.read('read', s, 100);
      obs.read('read', s, 100);
      obs.soError('SO_ERROR', s);
      obs.write('write', s, 10);
      obs.settle();
      obs.poll('mask after write', s);
      obs.write('write', s, 10);
    },
  ),
  only('unix', 'connect-states', 'AF_UNIX setup: connect returns 0 at once; errnos of every wrong state', (k, obs) => {
    const s = obs.socket('s');
    obs.poll('fresh socket', s);
    obs.read('read', s, 10);
    obs.write('write', s, 10);
    obs.soError('SO_ERROR', s);
    obs.ioctl('SIOCINQ', s, 'SIOCINQ');
    obs.ioctl('SIOCOUTQ', s, 'SIOCOUTQ');
    obs.shutdown('shutdown unconnected', s, 'WR');
    obs.sockname('getsockname unbound', s);
    obs.eq('listen unbound', k.listen(s, 4));
    obs.eq('accept unbound', k.accept(s));
    const missing = obs.addr('missing');
    obs.connect('connect to nothing', s, missing);
    const bound = obs.socket('bound');
    const boundAddr = obs.addr('bound');
    obs.eq('bind', k.bind(bound, boundAddr));
    obs.eq('bind twice', k.bind(bound, obs.addr('other')));
    obs.poll('bound mask', bound);
    obs.connect('connect to bound, not listening', s, boundAddr);
    obs.eq('accept on bound', k.accept(bound));
    const l = listener(obs, 'l', 4);
    obs.eq('bind in-use name', k.bind(obs.socket('x'), l.addr));
    obs.poll('listener mask', l.fd);
    obs.read('read listener', l.fd, 10);
    obs.write('write listener', l.fd, 10);
    obs.ioctl('SIOCINQ listener', l.fd, 'SIOCINQ');
    obs.ioctl('SIOCOUTQ listener', l.fd, 'SIOCOUTQ');
    obs.eq('listen again', k.listen(l.fd, 8));
    obs.connect('connect', s, l.addr);
    obs.poll('client mask', s);
    obs.connect('connect again', s, l.addr);
    obs.poll('listener mask, one pending', l.fd);
    const srv = obs.must('accept', obs.accept('accept', l.fd, 'srv'));
    obs.accept('accept empty', l.fd, 'none');
    obs.eq('accept on connected', k.accept(s));
    obs.eq('listen on connected', k.listen(s, 4));
    obs.eq('listen on accepted', k.listen(srv, 4));
    obs.sockname('getsockname accepted', srv);
    obs.sockname('getsockname client', s);
    obs.eq('bind connected unbound client', k.bind(s, obs.addr('late')));
    obs.sockname('getsockname client after bind', s);
    const [p, q] = obs.pair(['p', 'q']);
    obs.eq('listen on socketpair end', k.listen(p, 4));
    obs.eq('accept on socketpair end', k.accept(q));
    obs.connect('connect socketpair end', p, l.addr);
    obs.shutdown('listener SHUT_RD', l.fd, 'RD');
    obs.connect('connect after listener SHUT_RD', obs.socket('y'), l.addr);
    obs.poll('listener mask after SHUT_RD', l.fd);
    obs.connect('connect tcp address', obs.socket('z'), '127.0.0.1:1');
  }),
  only('tcp', 'connect-states', 'TCP setup: EINPROGRESS, then 0, then EISCONN; errnos of every wrong state', (k, obs) => {
    const s = obs.socket('s');
    obs.poll('fresh socket', s);
    obs.read('read', s, 10);
    obs.write('write', s, 10);
    obs.soError('SO_ERROR', s);
    obs.ioctl('SIOCINQ', s, 'SIOCINQ');
    obs.shutdown('shutdown unconnected', s, 'WR');
    obs.sockname('getsockname unbound', s);
    obs.eq('accept unbound', k.accept(s));
    const b = obs.socket('b');
    obs.eq('bind', k.bind(b, '127.0.0.1:0'));
    obs.eq('bind twice', k.bind(b, '127.0.0.1:0'));
    obs.poll('bound mask', b);
    obs.sockname('getsockname bound', b);
    const l = listener(obs, 'l', 4);
    const lAddr = k.getsockname(l.fd) as string;
    obs.eq('bind in-use port', k.bind(obs.socket('x'), lAddr));
    obs.poll('listener mask', l.fd);
    obs.read('read listener', l.fd, 10);
    obs.write('write listener', l.fd, 10);
    obs.ioctl('SIOCINQ listener', l.fd, 'SIOCINQ');
    obs.ioctl('SIOCOUTQ listener', l.fd, 'SIOCOUTQ');
    obs.shutdown('shutdown listener WR', l.fd, 'WR');
    obs.eq('listen again', k.listen(l.fd, 8));
    obs.connect('connect', s, l.addr);
    obs.settle();
    obs.poll('client mask', s);
    obs.soError('SO_ERROR', s);
    obs.connect('connect again', s, l.addr);
    obs.connect('connect a third time', s, l.addr);
    obs.poll('listener mask, one pending', l.fd);
    const srv = obs.must('accept', obs.accept('accept', l.fd, 'srv'));
    obs.poll('listener mask after accept', l.fd);
    obs.accept('accept empty', l.fd, 'none');
    obs.poll('accepted mask', srv);
    obs.eq('accept on connected', k.accept(s));
    obs.eq('listen on connected', k.listen(s, 4));
    obs.eq('bind connected', k.bind(s, '127.0.0.1:0'));
    obs.sockname('getsockname accepted', srv);
    obs.sockname('getsockname client', s);
    obs.connect('connect unix address', obs.socket('z'), '@edgeloop-diff-not-there');
  }),
  only(
    'tcp',
    'syn-sent',
    'a SYN the full accept queue dropped: SYN_SENT reports nothing; shutdown() disconnects it with ECONNRESET',
    (k, obs) => {
      const l = listener(obs, 'l', 0);
      client(obs, 'c1', l.addr);
      const c2 = client(obs, 'c2', l.addr);
      obs.settle(5);
      const ep = obs.epoll('ep');
      obs.ctl('ADD c2 IN|OUT|RDHUP|ET', ep, 'ADD', c2, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET);
      obs.wait('SYN_SENT: nothing', ep);
      obs.poll('mask', c2);
      obs.ioctl('SIOCOUTQ', c2, 'SIOCOUTQ');
      obs.ioctl('SIOCINQ', c2, 'SIOCINQ');
      obs.read('read', c2, 10);
      obs.write('write', c2, 10);
      obs.soError('SO_ERROR', c2);
      obs.connect('connect again', c2, l.addr);
      obs.shutdown('shutdown', c2, 'WR');
      obs.wait('after shutdown', ep);
      obs.poll('mask after shutdown', c2);
      obs.soError('SO_ERROR', c2);
      obs.poll('mask after SO_ERROR', c2);
      obs.read('read', c2, 10);
      obs.write('write', c2, 10);
      obs.shutdown('shutdown again', c2, 'WR');
    },
  ),
  ...(['soerror-first', 'connect-first', 'read-first', 'write-first', 'shutdown-first'] as const).map((order) =>
    only('tcp', `connect-refused-${order}`, 'connect to a port nobody listens on: RST, ECONNREFUSED once', (k, obs) => {
      const holder = obs.socket('holder');
      obs.eq('bind holder', k.bind(holder, '127.0.0.1:0'));
      const port = k.getsockname(holder) as string;
      const c = obs.socket('c');
      const ep = obs.epoll('ep');
      obs.ctl('ADD c IN|OUT|RDHUP|ET', ep, 'ADD', c, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET);
      obs.wait('fresh', ep);
      obs.connect('connect', c, port);
      obs.settle();
      obs.wait('after the RST', ep);
      obs.poll('mask', c);
      if (order === 'soerror-first') {
        obs.soError('SO_ERROR', c);
        obs.poll('mask after SO_ERROR', c);
        obs.connect('connect again', c, port);
        obs.read('read', c, 10);
        obs.write('write', c, 10);
      } else if (order === 'connect-first') {
        obs.connect('connect again', c, port);
        obs.soError('SO_ERROR', c);
        obs.connect('connect a third time', c, port);
        obs.settle();
        obs.soError('SO_ERROR', c);
        obs.poll('mask', c);
      } else if (order === 'read-first') {
        obs.read('read', c, 10);
        obs.read('read', c, 10);
        obs.write('write', c, 10);
        obs.soError('SO_ERROR', c);
      } else if (order === 'write-first') {
        obs.write('write', c, 10);
        obs.write('write', c, 10);
        obs.read('read', c, 10);
        obs.soError('SO_ERROR', c);
      } else {
        obs.shutdown('shutdown', c, 'RDWR');
        obs.soError('SO_ERROR', c);
        obs.poll('mask after shutdown', c);
        obs.connect('connect again', c, port);
        obs.read('read', c, 10);
      }
      obs.sockname('getsockname', c);
      obs.poll('mask at the end', c);
      obs.wait('events at the end', ep);
    }),
  ),
];
