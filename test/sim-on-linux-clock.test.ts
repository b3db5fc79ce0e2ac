// The sims replayed on a Linux run's clock (test/differential/random/
// execute.ts, Timeline), end to end on both engines: the random tester
// judges a TCP program where real time decided by moving the sim's clock to
// the ms each call came at on Linux, counted from the jiffy boundary before
// the program began. Here the clock is made up: a fresh pair (SO_SNDBUF
// 32768, SO_RCVBUF 8192), a writes 204800, b writes 65536 some ms later.
// a's loss probe is due two jiffies (8 ms at HZ=250) after the jiffy of its
// send; if it fired, b holds a D-SACK for the duplicate, its MSS is 12 bytes
// shorter and its write takes 61260, not 57344 (seed 472 of the claimed
// regime; the differential case tcp/loss-probe-due-in-4-to-8-ms).
import { describe, expect, it } from 'vitest';

import { openKernel } from '../src/index.js';
import { execute, executeOn, type Timeline, type Trace } from './differential/random/execute.js';
import type { Program } from './differential/random/program.js';

const program: Program = {
  family: 'tcp',
  ops: [{ op: 'pair', sndbuf: 32768, rcvbuf: 8192 }, { op: 'write', s: 0, bytes: 204800 }, { op: 'write', s: 1, bytes: 65536 }],
};

/** The pair made `phase` ms into a jiffy, b's write `after` ms later. */
const clock = (phase: number, after: number): Timeline => [[[0, phase]], [], [[0, phase + after]]];

async function bWrites(engine: 'native' | 'wasm', onClock?: Timeline): Promise<string | undefined> {
  return (await executeOn({ backend: 'sim', engine, seed: 1, trace: false }, program, Infinity, onClock)).lines[2];
}

describe('the sims on a Linux run’s clock', () => {
  for (const engine of ['native', 'wasm'] as const) {
    it(`${engine}: the frozen sim never fires the probe between calls`, async () => {
      expect(await bWrites(engine)).toBe('2 write(s1, 65536) = 57344');
    });

    it(`${engine}: fires it at the second jiffy boundary after the send, wherever in its jiffy the program began`, async () => {
      // 5 ms after a send 3 ms into a jiffy is past the boundary at 8 ms; 5 ms after one at its start is not.
      expect(await bWrites(engine, clock(3, 5))).toBe('2 write(s1, 65536) = 61260');
      expect(await bWrites(engine, clock(0, 5))).toBe('2 write(s1, 65536) = 57344');
      expect(await bWrites(engine, clock(0, 8))).toBe('2 write(s1, 65536) = 61260');
      expect(await bWrites(engine, clock(2, 2))).toBe('2 write(s1, 65536) = 57344');
      expect(await bWrites(engine, clock(3, 4))).toBe('2 write(s1, 65536) = 57344'); // 7 ms: just before the boundary
    });
  }

  it('native and wasm give the same lines on the same clock', async () => {
    for (const [phase, after] of [
      [0, 4],
      [1, 6],
      [3, 4],
      [2, 9],
    ] as const) {
      expect(await bWrites('wasm', clock(phase, after))).toBe(await bWrites('native', clock(phase, after)));
    }
  });
});

// A loss probe that the peer's delayed ACK answers: a fills its send queue
// 2304 bytes at a time into b's 8192-byte SO_RCVBUF, the first probe goes
// at 8 ms (a duplicate: b holds a D-SACK), and b's delayed ACK carries it
// at the wheel's jiffy 41 to 44 ms after the data (jiffies.h). That ACK
// covers a retransmission, so its RTT sample is the timestamp echo's age
// (tcp_rtt_tsopt_us): b's ts_recent is still the first segment's stamp,
// 44 ms old, and srtt goes from 20 us to 5.5 ms (`ss -ti` on Linux: rtt
// 5.414). The second probe is then due 2 * srtt + 2 ms on, 4 jiffies plus
// the wheel's one: at 64 ms. Until it fires b's write takes 57344; with
// the probe's D-SACK pending, b's MSS is a SACK block shorter and it takes
// 61260. The sim before took 20 us for that sample (the probe's own stamp)
// and fired its delayed ACK 40 ms after the data, to the ms: the second
// probe came at 48 (claimed seed 1083; on Linux it came between 63 and 65
// in 20 runs of 20, measured with the write at 58 to 67 ms).
const lateProbe: Program = {
  family: 'tcp',
  ops: [{ op: 'pair', sndbuf: 32768, rcvbuf: 8192, nodelay: true }, { op: 'fill', s: 0, chunk: 2304 }, { op: 'write', s: 1, bytes: 65536 }],
};

async function bWritesAfterProbe(engine: 'native' | 'wasm', at: number): Promise<string | undefined> {
  const onClock: Timeline = [[[0, 0]], [], [[0, at]]];
  return (await executeOn({ backend: 'sim', engine, seed: 1, trace: false }, lateProbe, Infinity, onClock)).lines[2];
}

describe('a loss probe the delayed ACK answers', () => {
  for (const engine of ['native', 'wasm'] as const) {
    it(`${engine}: the delayed ACK fires at the wheel's jiffy, and the ACK's old echo spaces the second probe 20 ms after it`, async () => {
      expect(await bWritesAfterProbe(engine, 42)).toBe('2 write(s1, 65536) = 61260'); // the first probe's D-SACK, not yet sent
      expect(await bWritesAfterProbe(engine, 44)).toBe('2 write(s1, 65536) = 57344'); // the delayed ACK took it (jiffy 10 + 1)
      expect(await bWritesAfterProbe(engine, 63)).toBe('2 write(s1, 65536) = 57344'); // no second probe yet
      expect(await bWritesAfterProbe(engine, 64)).toBe('2 write(s1, 65536) = 61260'); // the second probe's D-SACK
    });
  }
});

// A FIN that arrives before any data: the receiver goes CLOSE_WAIT in
// pingpong mode, so its ACK is delayed (__tcp_ack_snd_check), with ato
// still 0: the timer's expiry is this jiffy, and the wheel fires it at the
// next boundary, 1 to 4 ms on (jiffies.h). Until then the sender's
// SIOCOUTQ counts the FIN: 1. The sim before fired it 1 ms on, wherever
// in the jiffy (claimed seeds 624 and 1330: shutdown at 16 ms, SIOCOUTQ 1
// at 19 on Linux, 0 in the sim). Linux, the sim replayed on its clock
// beside it: 13 of 15 runs the same on a quiet machine, the other two
// asking in the boundary's own millisecond, where the timer's softirq may
// not have run yet; under load a run asked at 6 ms and still read 1.
const finThenOutq: Program = {
  family: 'tcp',
  ops: [{ op: 'pair', sndbuf: 4096, rcvbuf: 24576, nodelay: true }, { op: 'shutdown', s: 1, how: 'RDWR' }, { op: 'ioctl', s: 1, req: 'SIOCOUTQ' }],
};

async function outqAfterFin(engine: 'native' | 'wasm', finAt: number, askAt: number): Promise<string | undefined> {
  const onClock: Timeline = [[[0, finAt]], [[0, finAt]], [[0, askAt]]];
  return (await executeOn({ backend: 'sim', engine, seed: 1, trace: false }, finThenOutq, Infinity, onClock)).lines[2];
}

describe('a FIN’s delayed ACK before any data', () => {
  for (const engine of ['native', 'wasm'] as const) {
    it(`${engine}: fires at the next jiffy boundary, not 1 ms on`, async () => {
      expect(await outqAfterFin(engine, 16, 17)).toBe('2 ioctl(s1, SIOCOUTQ) = 1');
      expect(await outqAfterFin(engine, 16, 19)).toBe('2 ioctl(s1, SIOCOUTQ) = 1');
      expect(await outqAfterFin(engine, 16, 20)).toBe('2 ioctl(s1, SIOCOUTQ) = 0');
      expect(await outqAfterFin(engine, 19, 20)).toBe('2 ioctl(s1, SIOCOUTQ) = 0'); // 1 ms before the boundary: 1 ms on
    });
  }
});

// Receive-buffer autotuning while a reader drains 3.9 MB (unlocked seed
// 57): Linux's DRS clock is microseconds, refreshed at every skb a read
// copies (tcp_rcv_space_adjust), so a read of a MiB that spends its time
// copying has let an RTT pass within itself. The sim's DRS clock counts
// each call 20 us and each byte copied (either way) a quarter of a
// nanosecond (tcp_rcv_space_adjust.cc). On this clock (a Linux run's: the
// fill at 2 ms, the drain's reads at 53 to 57 ms) Linux read 128000,
// 95232, then 1 MiB three times and 556544 (and in other runs 128000,
// 321536, 1 MiB...: 6 reads in every run of 3); the sim without the
// copy's time grew the buffer a read later: 128000, 95232, 321536, 1 MiB
// three times, 235008.
const drain: Program = {
  family: 'tcp',
  ops: [
    { op: 'pair', nodelay: true },
    { op: 'ioctl', s: 0, req: 'SIOCINQ' },
    { op: 'write', s: 13, bytes: 180222 },
    { op: 'write', s: 9, bytes: 141078 },
    { op: 'dup', s: 12 },
    { op: 'epollWait', max: 2 },
    { op: 'fill', s: 4, chunk: 65536 },
    { op: 'advance', ms: 50 },
    { op: 'drain', s: 3 },
  ],
};
const drainClock: Timeline = [[[0, 1]], [[0, 2]], [[0, 2]], [[0, 2]], [[0, 2]], [[0, 2]], [[0, 2]], [[0, 53]], [[0, 53], [2, 54], [3, 55], [4, 56], [6, 57]]];

describe('a drain that grows the receive buffer', () => {
  for (const engine of ['native', 'wasm'] as const) {
    it(`${engine}: counts the bytes a read copies on the DRS clock: 6 reads, as on Linux`, async () => {
      const reads: number[] = [];
      const k = await openKernel({ backend: 'sim', engine, seed: 1, trace: false });
      const counted = new Proxy(k, {
        get(target, prop) {
          const v: unknown = Reflect.get(target, prop, target);
          if (typeof v !== 'function') return v;
          if (prop !== 'read') return (v as (...a: unknown[]) => unknown).bind(target);
          return (...args: unknown[]) => {
            const r: unknown = (v as (...a: unknown[]) => unknown).apply(target, args);
            if (r instanceof Uint8Array) reads.push(r.length);
            return r;
          };
        },
      });
      let t: Trace;
      try {
        t = execute(counted, drain, Infinity, undefined, drainClock);
      } finally {
        k.dispose();
      }
      expect(t.lines[8]).toBe('8 drain(s0) = 3925504 in 6, then EAGAIN');
      expect(reads.slice(-6)).toEqual([128000, 95232, 1048576, 1048576, 1048576, 556544]);
    });
  }
});
