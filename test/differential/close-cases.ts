// Connection ends on both families: peer close with unread data on either
// side, peer close while our send path is full, SHUT_WR / SHUT_RD / SHUT_RDWR.
// The errno sequences differ between unix and tcp; each family is compared
// with Linux on its own.
import { EPOLLET, EPOLLIN, EPOLLOUT, EPOLLRDHUP } from '../../src/index.js';
import { both, drainRaw, fillRaw, only } from './lib.js';
import type { DifferentialCase, Observer } from './observer.js';

const FULL_MASK_ET = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;

/** The three orders FACTS.md calls A, B, C: read first, SO_ERROR first, write first. */
type Order = 'read-first' | 'soerror-first' | 'write-first';
const ORDERS: Order[] = ['read-first', 'soerror-first', 'write-first'];

function afterClose(obs: Observer, a: number, order: Order): void {
  const ops: Record<Order, Array<() => void>> = {
    'read-first': [
      () => obs.read('read', a, 100),
      () => obs.read('read', a, 100),
      () => obs.read('read', a, 100),
      () => obs.soError('SO_ERROR', a),
      () => obs.write('write', a, 100),
      () => obs.settle(),
      () => obs.write('write', a, 100),
    ],
    'soerror-first': [
      () => obs.soError('SO_ERROR', a),
      () => obs.soError('SO_ERROR', a),
      () => obs.poll('mask after SO_ERROR', a),
      () => obs.read('read', a, 100),
      () => obs.read('read', a, 100),
      () => obs.write('write', a, 100),
    ],
    'write-first': [
      () => obs.write('write', a, 100),
      () => obs.settle(),
      () => obs.soError('SO_ERROR', a),
      () => obs.write('write', a, 100),
      () => obs.read('read', a, 100),
      () => obs.read('read', a, 100),
    ],
  };
  for (const op of ops[order]) op();
  obs.poll('mask at the end', a);
}

export const closeCases: DifferentialCase[] = [
  ...ORDERS.flatMap((order) =>
    both(
      `peer-close-unread-ours-${order}`,
      'peer closes with 5 bytes unread in OUR queue: the data is read first, then end of file',
      (k, obs) => {
        const [a, b] = obs.pair(['a', 'b']);
        const ep = obs.epoll('ep');
        obs.ctl('ADD a IN|OUT|RDHUP|ET', ep, 'ADD', a, FULL_MASK_ET);
        obs.wait('initial', ep);
        obs.write('b writes 5', b, 5);
        obs.settle();
        obs.wait('data', ep);
        obs.close('b closes', b);
        obs.settle();
        obs.wait('after the peer closed', ep);
        obs.wait('again', ep);
        obs.poll('mask', a);
        obs.ioctl('SIOCINQ', a, 'SIOCINQ');
        afterClose(obs, a, order);
        obs.wait('events at the end', ep);
      },
    ),
  ),
  ...ORDERS.flatMap((order) =>
    both(
      `peer-close-unread-theirs-${order}`,
      'peer closes with 7 bytes of ours unread: unix sets ECONNRESET, tcp sends RST (ECONNRESET)',
      (k, obs) => {
        const [a, b] = obs.pair(['a', 'b']);
        const ep = obs.epoll('ep');
        obs.ctl('ADD a IN|OUT|RDHUP|ET', ep, 'ADD', a, FULL_MASK_ET);
        obs.wait('initial', ep);
        obs.write('a writes 7', a, 7);
        obs.settle();
        obs.ioctl('b SIOCINQ', b, 'SIOCINQ');
        obs.close('b closes', b);
        obs.settle();
        obs.wait('after the peer closed', ep);
        obs.wait('again', ep);
        obs.poll('mask', a);
        obs.ioctl('SIOCOUTQ', a, 'SIOCOUTQ');
        afterClose(obs, a, order);
        obs.wait('events at the end', ep);
      },
    ),
  ),
  ...both(
    'peer-close-unread-both',
    'unread data on both sides: our 5 bytes are read first, then ECONNRESET, then end of file',
    (k, obs) => {
      const [a, b] = obs.pair(['a', 'b']);
      obs.write('a writes 7', a, 7);
      obs.write('b writes 5', b, 5);
      obs.settle();
      obs.close('b closes', b);
      obs.settle();
      obs.poll('mask', a);
      obs.ioctl('SIOCINQ', a, 'SIOCINQ');
      obs.read('read', a, 100);
      obs.read('read', a, 100);
      obs.read('read', a, 100);
      obs.soError('SO_ERROR', a);
      obs.write('write', a, 100);
      obs.poll('mask at the end', a);
    },
  ),
  ...both('peer-close-clean', 'peer closes with nothing unread anywhere', (k, obs) => {
    const [a, b] = obs.pair(['a', 'b']);
    const ep = obs.epoll('ep');
    obs.ctl('ADD a OUT|ET', ep, 'ADD', a, EPOLLOUT | EPOLLET);
    obs.wait('initial', ep);
    const ep2 = obs.epoll('ep2');
    obs.ctl('ADD a IN|RDHUP|ET', ep2, 'ADD', a, EPOLLIN | EPOLLRDHUP | EPOLLET);
    obs.close('b closes', b);
    obs.settle();
    obs.wait('OUT|ET after the peer closed', ep);
    obs.wait('again', ep);
    obs.wait('IN|RDHUP|ET after the peer closed', ep2);
    obs.poll('mask', a);
    obs.read('read', a, 100);
    obs.read('read', a, 100);
    obs.soError('SO_ERROR', a);
    obs.write('write', a, 100);
    obs.settle();
    obs.wait('OUT|ET after our write', ep);
    obs.wait('IN|RDHUP|ET after our write', ep2);
    obs.poll('mask after our write', a);
    obs.soError('SO_ERROR', a);
    obs.write('write', a, 100);
    obs.read('read', a, 100);
    obs.poll('mask at the end', a);
  }),
  ...(['read-first', 'soerror-first'] as const).flatMap((order) =>
    both(
      `peer-close-send-full-${order}`,
      'peer closes (unread data: reset) while our send path is full',
      (k, obs) => {
        const [a, b] = obs.pair(['a', 'b'], obs.family === 'tcp' ? { sndbuf: 16384, rcvbuf: 16384 } : undefined);
        const f = fillRaw(k, a, 65536);
        obs.eq('fill ends with', f.last);
        obs.settle();
        obs.eq('still full', k.write(a, 65536));
        const ep = obs.epoll('ep');
        obs.ctl('ADD a IN|OUT|RDHUP|ET', ep, 'ADD', a, FULL_MASK_ET);
        obs.wait('nothing ready', ep);
        obs.poll('mask when full', a);
        obs.close('b closes', b);
        obs.settle();
        obs.wait('after the peer closed', ep);
        obs.wait('again', ep);
        obs.poll('mask', a);
        const outq = k.ioctl(a, 'SIOCOUTQ');
        if (typeof outq === 'number') obs.count('SIOCOUTQ', outq);
        else obs.eq('SIOCOUTQ', outq);
        if (order === 'read-first') {
          obs.read('read', a, 100);
          obs.read('read', a, 100);
          obs.soError('SO_ERROR', a);
        } else {
          obs.soError('SO_ERROR', a);
          obs.read('read', a, 100);
        }
        obs.write('write', a, 100);
        obs.write('write', a, 100);
        obs.wait('events at the end', ep);
        obs.poll('mask at the end', a);
      },
    ),
  ),
  ...both('shut-wr', 'peer SHUT_WR: we read end of file (RDHUP) and can still write; the peer still reads', (k, obs) => {
    const [a, b] = obs.pair(['a', 'b']);
    const ep = obs.epoll('ep');
    obs.ctl('ADD a IN|OUT|RDHUP|ET', ep, 'ADD', a, FULL_MASK_ET);
    obs.wait('initial', ep);
    obs.shutdown('b SHUT_WR', b, 'WR');
    // The FIN takes a sequence number: SIOCOUTQ counts it until it is ACKed
    // (a receiver that never saw data ACKs at the next jiffy).
    obs.ioctl('b SIOCOUTQ with the FIN unacked', b, 'SIOCOUTQ');
    obs.settle(10);
    obs.ioctl('b SIOCOUTQ after the ACK', b, 'SIOCOUTQ');
    obs.wait('after the peer SHUT_WR', ep);
    obs.wait('again', ep);
    obs.poll('mask a', a);
    obs.poll('mask b', b);
    obs.read('a reads', a, 100);
    obs.read('a reads', a, 100);
    obs.write('a writes 100', a, 100);
    obs.settle();
    obs.wait('after our own write', ep);
    obs.read('b reads', b, 1000);
    obs.write('b writes', b, 10);
    obs.soError('SO_ERROR a', a);
    obs.soError('SO_ERROR b', b);
    obs.shutdown('b SHUT_WR again', b, 'WR');
    obs.shutdown('a SHUT_WR', a, 'WR');
    obs.settle();
    obs.wait('after both SHUT_WR', ep);
    obs.poll('mask a', a);
    obs.poll('mask b', b);
    obs.read('b reads', b, 100);
    obs.write('a writes', a, 10);
  }),
  only('tcp', 'fin-held-by-zero-window', "a FIN waits for the peer's window like data: data sent to the closed end then resets both", (k, obs) => {
    // Found by the randomized tester (seed 0, tcp, claimed regime): the sim
    // sent the FIN into a zero window, so the peer read end of file where
    // Linux (tcp_snd_wnd_test on the FIN's skb) still held it, and the
    // peer's next write met an orphan in FIN_WAIT1 that resets (RST): the
    // peer reads what had arrived, then ECONNRESET, never end of file.
    const [a, b] = obs.pair(['a', 'b'], { sndbuf: 2304, rcvbuf: 8192 });
    obs.write('a writes 576', a, 576);
    obs.write('a writes 4096', a, 4096);
    const filled = fillRaw(k, a, 12288);
    obs.eq('a fills to EAGAIN', filled.last);
    obs.write('a writes 4096 more', a, 4096);
    obs.settle();
    obs.close('a closes: its FIN waits for a window b keeps closed', a);
    obs.settle();
    obs.poll('mask b: no RDHUP, the FIN has not arrived', b);
    obs.write('b writes 1 to the closed end', b, 1);
    obs.settle();
    const drained = drainRaw(k, b);
    obs.eq('b reads every byte a wrote', drained.bytes === 576 + 4096 + filled.bytes);
    obs.eq('then', drained.last);
    obs.soError('SO_ERROR of b', b);
  }),
  only('tcp', 'fin-rides-on-last-data-skb', 'SHUT_WR with data unsent puts the FIN on the last data skb: it leaves with that data, which the peer ACKs by the data rules', (k, obs) => {
    // Seed 31 (claimed regime): tcp_send_fin sets FIN on the write queue's
    // tail skb when one is unsent, so the FIN arrives with the last 4096
    // bytes; the peer, interactive once it has the FIN, delays that ACK
    // (one segment, not more than one full frame past rcv_wup), and SIOCOUTQ
    // stays 4096 + 1. The sim sent a FIN segment of its own after the data,
    // and the data had been ACKed by then.
    const [a, b] = obs.pair(['a', 'b'], { sndbuf: 212992, rcvbuf: 24576 });
    obs.write('a writes 65536', a, 65536);
    obs.ioctl('a SIOCOUTQ', a, 'SIOCOUTQ');
    obs.shutdown('a SHUT_WR', a, 'WR');
    obs.ioctl('a SIOCOUTQ after SHUT_WR', a, 'SIOCOUTQ');
    const drained = drainRaw(k, b);
    obs.eq('b drains: bytes', drained.bytes);
    obs.eq('then', drained.last);
    obs.ioctl('a SIOCOUTQ: the last data and the FIN not ACKed', a, 'SIOCOUTQ');
    obs.poll('mask a', a);
    obs.advance(50);
    obs.ioctl('a SIOCOUTQ after the delayed ACK', a, 'SIOCOUTQ');
  }),
  only('tcp', 'fin-ack-delayed', 'a FIN after data is ACKed by the delayed-ACK timer: SIOCOUTQ counts it for 40 ms', (k, obs) => {
    const [a, b] = obs.pair(['a', 'b']);
    obs.write('a writes 100', a, 100);
    obs.settle();
    obs.read('b reads', b, 1000);
    obs.ioctl('a SIOCOUTQ', a, 'SIOCOUTQ');
    obs.shutdown('a SHUT_WR', a, 'WR');
    obs.settle();
    obs.ioctl('a SIOCOUTQ: the FIN is not ACKed yet', a, 'SIOCOUTQ');
    obs.poll('mask b', b);
    obs.read('b reads EOF', b, 100);
    obs.shutdown('a SHUT_WR again', a, 'WR');
    obs.advance(50);
    obs.ioctl('a SIOCOUTQ after the delayed ACK', a, 'SIOCOUTQ');
    obs.write('b writes 10', b, 10);
    obs.settle();
    obs.read('a reads', a, 100);
    obs.poll('mask a', a);
  }),
  only('tcp', 'fin-wait2-wakes-et-writer', 'the ACK of our FIN moves us to FIN_WAIT2 and wakes us (sk_state_change): an ET writer hears EPOLLOUT again, whatever brought the ACK', (k, obs) => {
    // Seed 34 (claimed regime): the peer ACKs a FIN late (tcp_fin puts it
    // in pingpong mode), so the ACK comes with its next data segment or
    // from its delayed-ACK timer. tcp_rcv_state_process then sets
    // FIN_WAIT2 and, the socket not being an orphan, calls sk_state_change:
    // a wakeup without a key, which queues an ET item of any mask; it polls
    // EPOLLOUT (SEND_SHUTDOWN). The sim did not wake.
    const [a, b] = obs.pair(['a', 'b'], { sndbuf: 2304, rcvbuf: 8192 });
    const [c] = obs.pair(['c', 'd'], { sndbuf: 2304, rcvbuf: 8192 });
    const ep = obs.epoll('ep');
    for (const fd of [a, c]) {
      obs.shutdown(`${fd === a ? 'a' : 'c'} SHUT_WR`, fd, 'WR');
      obs.ctl(`ADD ${fd === a ? 'a' : 'c'} OUT|RDHUP|ET`, ep, 'ADD', fd, EPOLLOUT | EPOLLRDHUP | EPOLLET);
    }
    obs.wait('both writable after ADD', ep);
    obs.wait('then nothing', ep);
    obs.write('b writes 1: carries the ACK of the FIN', b, 1);
    obs.wait('a woken by FIN_WAIT2', ep);
    obs.advance(50);
    obs.wait('c woken when d\'s delayed ACK comes', ep);
    obs.wait('then nothing again', ep);
  }),
  only('tcp', 'fin-of-its-own-is-probed', 'a FIN on an skb of its own is a packet in flight: behind unACKed data it brings the loss probe forward, and the probe sends the FIN again with our current window', (k, obs) => {
    // Seed 1290 (claimed regime, before tcp_send_fin.cc), reduced. b's
    // writes make it interactive, so it delays the ACK of a's last 4098
    // bytes. With nothing unsent, tcp_send_fin queues an skb holding only
    // the FIN, one packet in packets_out: two are out, so the loss probe is
    // due 2 * srtt + 2 ms later (4 to 8 ms), not a whole RTO later as with
    // one. It finds no new data and sends the last skb of the
    // retransmission queue again, the FIN; b, past that FIN, ACKs the
    // duplicate at once (D-SACK, quickack), 30 ms before its delayed ACK.
    // The copy also carries the window a's read reopened after SHUT_RDWR
    // (tcp_cleanup_rbuf sends no window update once the receive side is
    // shut): b's data, held by the old window, now reaches a receive side
    // that is shut, and both ends are reset (a in FIN_WAIT1: ECONNRESET; b
    // in CLOSE_WAIT: EPIPE). The sim counted no packet for the FIN: its
    // probe waited for the RTO, SIOCOUTQ stayed 4099 and nobody was reset.
    const [a, b] = obs.pair(['a', 'b'], { sndbuf: 24576, rcvbuf: 12288, nodelay: true });
    obs.write('a writes 175', a, 175);
    const filled = fillRaw(k, a, 4098);
    obs.eq('a fills with writes of 4098', [filled.bytes, filled.writes, filled.last]);
    const replied = fillRaw(k, b, 1151);
    obs.eq('b fills with writes of 1151', [replied.bytes, replied.writes, replied.last]);
    const drained = drainRaw(k, b);
    obs.eq('b drains', [drained.bytes, drained.last]);
    obs.ioctl('a SIOCOUTQ: its last 4098 bytes wait for a delayed ACK', a, 'SIOCOUTQ');
    obs.shutdown('a SHUT_RDWR: a FIN of its own', a, 'RDWR');
    obs.read('a reads what it has', a, 65536);
    obs.ioctl('a SIOCOUTQ', a, 'SIOCOUTQ');
    obs.ioctl('b SIOCOUTQ', b, 'SIOCOUTQ');
    obs.advance(20);
    obs.ioctl('a SIOCOUTQ after 20 ms', a, 'SIOCOUTQ');
    obs.soError('SO_ERROR a', a);
    obs.soError('SO_ERROR b', b);
    obs.write('b writes 1', b, 1);
  }),
  only('tcp', 'fin-held-by-cwnd', 'a FIN on an skb of its own waits for the congestion window like data: the peer reads no end of file and its writer still has room until an ACK frees a packet', (k, obs) => {
    // Seed 1915 (claimed regime), shrunk: write(s0, 80) = 80 | sim EAGAIN;
    // seed 1085 is the same mechanism (tcp/fin-held-by-cwnd-then-reset).
    // b's writes of 81 bytes with TCP_NODELAY are 18 packets a holds unACKed
    // (a delayed ACK), more than BBR's cwnd of 10. SHUT_WR finds nothing
    // unsent, so tcp_send_fin queues an skb holding only the FIN, and
    // tcp_write_xmit's tcp_cwnd_test holds it: since Linux 6.10 ("tcp:
    // remove dubious FIN exception from tcp_cwnd_test()") a FIN gets no
    // exception from the congestion window. a's data ACKs b's packets and
    // the FIN goes out then, after a's write: a is still ESTABLISHED, its
    // segments end no interactive exchange, and b ACKs a's last segment at
    // once. The sim sent the FIN past the cwnd: a, in CLOSE_WAIT, wrote to
    // a b that delayed its ACK, and a's next write found its buffer full.
    const [a, b] = obs.pair(['a', 'b'], { sndbuf: 8192, rcvbuf: 131072, nodelay: true });
    const filled = fillRaw(k, a, 36609);
    obs.eq('a fills with writes of 36609', [filled.bytes, filled.writes, filled.last]);
    const small = fillRaw(k, b, 81);
    obs.eq('b fills with writes of 81', [small.bytes, small.writes, small.last]);
    obs.shutdown('b SHUT_WR: its FIN waits for the cwnd', b, 'WR');
    obs.ioctl('b SIOCOUTQ', b, 'SIOCOUTQ');
    obs.poll('mask a: no RDHUP yet', a);
    obs.write('a writes 32649: ACKs b, whose FIN goes out', a, 32649);
    obs.poll('mask a: RDHUP', a);
    obs.ioctl('b SIOCOUTQ: the data ACKed, the FIN not yet', b, 'SIOCOUTQ');
    obs.write('a writes 80', a, 80);
    obs.ioctl('a SIOCOUTQ', a, 'SIOCOUTQ');
  }),
  only('tcp', 'close-in-fin-wait2-is-time-wait', 'close() in FIN_WAIT2 leaves a TIME_WAIT mini-socket: the delayed ACK the socket owed is never sent, the peer\'s data stays unACKed until its loss probe', (k, obs) => {
    // Seed 2597 (claimed regime), shrunk: epollWait = [] | sim [s1:EPOLLOUT].
    // a half-closed first; b's second 65483 bytes wait for a's delayed ACK
    // when a, having read everything, closes. __tcp_close finds FIN_WAIT2
    // and tcp_fin_time (60 s) not above TCP_TIMEWAIT_LEN: tcp_time_wait
    // replaces the socket with an inet_timewait_sock and tcp_done stops its
    // timers, the delayed ACK with them. b's queue stays charged (no
    // EPOLLOUT) until its loss probe, with one packet out due 2 * srtt +
    // TCP_RTO_MIN later, sends the last segment again and the mini-socket
    // ACKs it (tcp_timewait_state_process: below its window), between 190
    // and 210 ms after the close in 2 Linux runs and in the sim; b's next
    // byte then draws RST (EPIPE in CLOSE_WAIT), on both. That part is not
    // compared here: a case that long is disturbed (ksoftirqd) in every run
    // on a loaded host. The sim kept a full orphan whose delayed ACK freed
    // b's queue after 40 ms.
    const [a, b] = obs.pair(['a', 'b'], { sndbuf: 4608, rcvbuf: 212992 });
    obs.shutdown('a SHUT_WR', a, 'WR');
    obs.write('b writes 151552', b, 151552);
    obs.write('b writes 253953', b, 253953);
    const drained = drainRaw(k, a);
    obs.eq('a drains', [drained.bytes, drained.last]);
    obs.ioctl('b SIOCOUTQ: a owes a delayed ACK', b, 'SIOCOUTQ');
    obs.close('a closes in FIN_WAIT2', a);
    obs.advance(50);
    obs.ioctl('b SIOCOUTQ 50 ms later: still unACKed', b, 'SIOCOUTQ');
    obs.poll('mask b: no EPOLLOUT', b);
    obs.soError('SO_ERROR b', b);
  }),
  ...both('shut-rd', 'own SHUT_RD: queued data is still returned, then end of file', (k, obs) => {
    const [a, b] = obs.pair(['a', 'b']);
    const ep = obs.epoll('ep');
    obs.ctl('ADD a IN|OUT|RDHUP|ET', ep, 'ADD', a, FULL_MASK_ET);
    obs.wait('initial', ep);
    obs.write('b writes 3', b, 3);
    obs.settle();
    obs.wait('data', ep);
    obs.shutdown('a SHUT_RD', a, 'RD');
    obs.settle();
    obs.wait('after our SHUT_RD', ep);
    obs.poll('mask a', a);
    obs.poll('mask b', b);
    obs.ioctl('SIOCINQ', a, 'SIOCINQ');
    obs.read('a reads', a, 100);
    obs.read('a reads', a, 100);
    obs.write('b writes 10', b, 10);
    obs.settle();
    obs.wait('after the peer wrote', ep);
    obs.poll('mask a', a);
    obs.ioctl('SIOCINQ', a, 'SIOCINQ');
    obs.read('a reads', a, 100);
    obs.read('a reads', a, 100);
    obs.poll('mask b', b);
    obs.soError('SO_ERROR b', b);
    obs.write('a writes 10', a, 10);
    obs.settle();
    obs.read('b reads', b, 100);
    obs.shutdown('a SHUT_RD again', a, 'RD');
  }),
  ...both('shut-rdwr', 'own SHUT_RDWR: both halves end on both sides', (k, obs) => {
    const [a, b] = obs.pair(['a', 'b']);
    const ep = obs.epoll('ep');
    obs.ctl('ADD b IN|OUT|RDHUP|ET', ep, 'ADD', b, FULL_MASK_ET);
    obs.wait('initial', ep);
    obs.shutdown('a SHUT_RDWR', a, 'RDWR');
    obs.settle();
    obs.wait('peer after our SHUT_RDWR', ep);
    obs.poll('mask a', a);
    obs.poll('mask b', b);
    obs.read('a reads', a, 100);
    obs.write('a writes', a, 100);
    obs.read('b reads', b, 100);
    obs.write('b writes', b, 100);
    obs.settle();
    obs.wait('peer after its write', ep);
    obs.poll('mask b', b);
    obs.soError('SO_ERROR b', b);
    obs.write('b writes', b, 100);
    obs.read('b reads', b, 100);
    obs.poll('mask a', a);
    obs.shutdown('a SHUT_RDWR again', a, 'RDWR');
  }),
];
