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

import { executeOn, type Timeline } from './differential/random/execute.js';
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
