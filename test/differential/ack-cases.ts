// TCP: when the receiver's ACK goes out and how the sender's queue is cut
// into skbs, which decide SIOCOUTQ, a fill's total and when a write meets
// EAGAIN. Each case is a program the randomized tester shrank (seed and
// campaign named), which the sim got wrong before the mechanism was
// modelled; every count is exact.
import { only } from './lib.js';
import type { DifferentialCase } from './observer.js';

export const ackCases: DifferentialCase[] = [
  only('tcp', 'pingpong-delays-ack', 'a reply sent within ato of the data it answers makes the connection interactive: its next data is ACKed late, and the send queue keeps it charged', (k, obs) => {
    // Seed 2 (claimed regime): tcp_event_data_sent counts a reply sent
    // within ato (40 ms) of the last data received as a ping-pong exchange
    // (tcp_pingpong_thresh 1), and a pingpong receiver leaves quickack mode,
    // so a's 3776 bytes wait for the delayed ACK: 3776 + 832 of truesize
    // fill a's 4608-byte SO_SNDBUF exactly (sk_stream_memory_free).
    const [a, b] = obs.pair(['a', 'b'], { sndbuf: 2304, rcvbuf: 8192 });
    obs.write('a writes 1', a, 1);
    obs.write('b replies 1', b, 1);
    obs.write('a writes 3776', a, 3776);
    obs.ioctl('a SIOCOUTQ: b delays its ACK', a, 'SIOCOUTQ');
    obs.write('a writes 1 more: no room', a, 1);
    obs.read('b reads', b, 10000);
    obs.ioctl('a SIOCOUTQ after the read', a, 'SIOCOUTQ');
    obs.advance(50);
    obs.ioctl('a SIOCOUTQ after the delayed ACK', a, 'SIOCOUTQ');
    obs.write('a writes 1 again', a, 1);
  }),
  only('tcp', 'half-cwnd-bounds-skb-growth', 'tcp_cwnd_test gives at most half the cwnd per skb, so tcp_grow_skb merges fewer skbs and each keeps its truesize overhead', (k, obs) => {
    // Seed 2 after the pingpong fix: with an 8192-byte window (MSS 4096)
    // the unsent skbs behind the window are merged into the send head up
    // to half the cwnd (5 of 10 segments), not the whole cwnd; the write
    // then stops one skb earlier, at 14 * 4096.
    const [a, b] = obs.pair(['a', 'b'], { sndbuf: 32768, rcvbuf: 8192 });
    obs.write('a writes 57345', a, 57345);
    obs.ioctl('a SIOCOUTQ', a, 'SIOCOUTQ');
    obs.write('a writes 1', a, 1);
    obs.read('b reads', b, 100000);
    obs.ioctl('a SIOCOUTQ after the read', a, 'SIOCOUTQ');
    obs.write('a writes 100000', a, 100000);
    obs.ioctl('a SIOCOUTQ after it', a, 'SIOCOUTQ');
  }),
  only('tcp', 'full-mss-psh-acked-on-read', 'a full-sized segment with PSH is ACKed when the reader empties the queue; data that arrives in the backlog during the read is not', (k, obs) => {
    // Seed 0 (claimed regime): 576-byte writes make rcv_mss 576, so each
    // segment is full-sized; since Linux 6.7 tcp_measure_rcv_mss sets
    // ICSK_ACK_PUSHED for one with PSH, and __tcp_cleanup_rbuf ACKs once
    // the queue is empty. That opens the window for the 4096 bytes a held
    // back; they arrive in b's backlog while b still owns the socket, and
    // tcp_space() leaves the backlog out until __release_sock is done, so
    // tcp_grow_window does not grow the window and the ACK is delayed.
    const [a, b] = obs.pair(['a', 'b'], { sndbuf: 2304, rcvbuf: 8192 });
    let bytes = 0;
    let last: number | string = 0;
    for (let i = 0; i < 100; i++) {
      last = k.write(a, 576);
      if (typeof last !== 'number') break;
      bytes += last;
    }
    obs.eq('a fills with writes of 576: bytes', bytes);
    obs.eq('then', last);
    obs.ioctl('a SIOCOUTQ', a, 'SIOCOUTQ');
    obs.ioctl('b SIOCINQ', b, 'SIOCINQ');
    obs.read('b reads 4608', b, 4608);
    obs.ioctl('a SIOCOUTQ: the rest sent, not ACKed', a, 'SIOCOUTQ');
    obs.ioctl('b SIOCINQ after the read', b, 'SIOCINQ');
    obs.read('b reads the rest', b, 100000);
    obs.ioctl('a SIOCOUTQ at the end', a, 'SIOCOUTQ');
  }),
];
