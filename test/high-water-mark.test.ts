// A peer that writes and never reads, against the echo app: what bounds the
// reactor's memory. edgeloop crosses the high-water mark once, stops reading
// (the peer's own writes then block) and keeps send_buf_ under the mark plus
// one read; with policy 'close' it closes the connection. The tutorial's
// day 26 has no mark: send_buf_ grows with everything the peer writes. Its
// day 25 never buffers at all: what the socket does not take is dropped.
import { describe, expect, it } from 'vitest';

import type { Simulation } from '../src/index.js';
import { create, ENGINES, firstPatternMismatch } from './helpers/sim.js';

const MARK = 256 * 1024;
const READ_CHUNK = 64 * 1024;
const STEPS = 150;

/** The peer writes as much as the kernel takes before every step; returns bytes written and the largest send_buf_ seen. */
function flood(sim: Simulation, steps: number): { written: number; maxSendBuf: number; lastWrite: number | string } {
  const a = sim.peer('a');
  let written = 0;
  let maxSendBuf = 0;
  let lastWrite: number | string = 0;
  for (let i = 0; i < steps; i++) {
    for (;;) {
      lastWrite = a.write(READ_CHUNK);
      if (typeof lastWrite === 'string') break;
      written += lastWrite;
    }
    sim.step();
    maxSendBuf = Math.max(maxSendBuf, sim.snapshot().connections[0]?.sendBuf ?? 0);
  }
  return { written, maxSendBuf, lastWrite };
}

function appCalls(sim: Simulation, call: string): number {
  return sim.trace.records.filter((r) => r.actor === 'app' && r.call === call).length;
}

describe.each(ENGINES)('high-water mark with a non-reading peer (sim/%s)', (engine) => {
  for (const family of ['unix', 'tcp'] as const) {
    it(`${family}, edgeloop pause-reading: send_buf_ stays under the mark plus one read`, async () => {
      const sim = await create(engine, { family, app: 'echo', sndbuf: 16384, highWaterMark: MARK });
      try {
        const a = sim.peer('a');
        expect(a.connect()).toBe(0);
        a.stopReading();
        const { written, maxSendBuf, lastWrite } = flood(sim, STEPS);
        expect(maxSendBuf).toBeGreaterThanOrEqual(MARK);
        expect(maxSendBuf).toBeLessThanOrEqual(MARK + READ_CHUNK);
        expect(lastWrite).toBe('EAGAIN'); // the peer is throttled, not the reactor's memory
        expect(appCalls(sim, 'highWaterMark')).toBe(1);
        const conn = sim.snapshot().connections[0];
        expect(conn?.reading).toBe(false);

        // Reading again drains everything, in order, and reading resumes.
        a.resume();
        expect(sim.run({ until: () => a.receivedBytes >= written, maxSteps: 5000 }).reason).toBe('until');
        expect(a.receivedBytes).toBe(written);
        expect(firstPatternMismatch(a.received)).toBe(-1);
        expect(sim.snapshot().connections[0]?.reading).toBe(true);
      } finally {
        sim.dispose();
      }
    });

    it(`${family}, edgeloop close: the connection is closed at the mark`, async () => {
      const sim = await create(engine, { family, app: 'echo', sndbuf: 16384, highWaterMark: MARK, highWaterPolicy: 'close' });
      try {
        const a = sim.peer('a');
        expect(a.connect()).toBe(0);
        a.stopReading();
        const { maxSendBuf } = flood(sim, 40);
        expect(maxSendBuf).toBeLessThanOrEqual(MARK + READ_CHUNK);
        expect(sim.connections[0]?.closeReason).toBe('high-water-mark');
        expect(appCalls(sim, 'highWaterMark')).toBe(1);
      } finally {
        sim.dispose();
      }
    });

    it(`${family}, day26-as-written: send_buf_ grows without bound`, async () => {
      const sim = await create(engine, { family, variant: 'day26-as-written', app: 'echo', sndbuf: 16384, highWaterMark: MARK });
      try {
        const a = sim.peer('a');
        expect(a.connect()).toBe(0);
        a.stopReading();
        const { written, maxSendBuf } = flood(sim, STEPS);
        expect(maxSendBuf).toBeGreaterThan(8 * MARK);
        // Nearly everything the peer wrote sits in the reactor's memory.
        expect(maxSendBuf).toBeGreaterThan(written / 2);
        expect(appCalls(sim, 'highWaterMark')).toBe(0);
      } finally {
        sim.dispose();
      }
    });

    it(`${family}, day25-write-all: nothing is buffered, the bytes are dropped`, async () => {
      const sim = await create(engine, { family, variant: 'day25-write-all', app: 'echo', sndbuf: 16384 });
      try {
        const a = sim.peer('a');
        expect(a.connect()).toBe(0);
        a.stopReading();
        const { written, maxSendBuf } = flood(sim, 40);
        expect(maxSendBuf).toBe(0);
        a.resume();
        sim.run({ maxSteps: 1000 });
        // Only what the sockets could hold arrives; the rest vanished with no
        // error anywhere and the connection still open.
        expect(a.receivedBytes).toBeLessThan(written / 2);
        expect(firstPatternMismatch(a.received)).toBe(-1);
        expect(a.error).toBeNull();
        expect(sim.connections[0]?.closed).toBe(false);
      } finally {
        sim.dispose();
      }
    });
  }
});
