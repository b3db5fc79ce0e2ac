// runScenario's `watch`: the state after every trace record, not only after
// each reactor step. The reactor's calls are probed between two calls (the
// host's per-record probe), the peers' at the start of their next call, so
// a snapshot taken in onRecord is the state right after that record: on
// AF_UNIX, where a write lands on the peer's receive queue at once, every
// write and read moves the queue it touches by exactly its bytes. Watching
// only looks: the trace is the same with and without it.
import { describe, expect, it } from 'vitest';

import { builtinScenario, listBuiltinScenarios, runScenario, type SimulationHandlers, type SimulationSnapshot, type TraceRecord } from '../src/index.js';
import { EdgeloopError } from '../src/errors.js';
import { create, ENGINES } from './helpers/sim.js';

type Engine = 'native' | 'wasm';

async function watched(name: string, engine: Engine, family: 'unix' | 'tcp'): Promise<{ records: readonly TraceRecord[]; trace: string; states: Array<SimulationSnapshot | undefined>; steps: Map<number, string> }> {
  const states: Array<SimulationSnapshot | undefined> = [];
  const steps = new Map<number, string>();
  const r = await runScenario(builtinScenario(name), {
    engine,
    options: { family },
    watch: {
      from: 0,
      to: Number.MAX_SAFE_INTEGER,
      onRecord: ({ record, sim }) => {
        expect(states[record]).toBeUndefined();
        states[record] = sim.snapshot();
      },
    },
    // The state after a step's last record is the step's own.
    onStep: ({ records, sim }) => steps.set(records - 1, JSON.stringify(sim.snapshot())),
  });
  return { records: r.records, trace: r.trace, states, steps };
}

/** For each AF_UNIX write and read with bytes, whether the queue it touches moved by exactly those bytes between the states before and after it. */
function queueMoves(records: readonly TraceRecord[], states: ReadonlyArray<SimulationSnapshot | undefined>): { checked: number; wrong: string[] } {
  let checked = 0;
  const wrong: string[] = [];
  for (let k = 1; k < records.length; k++) {
    const rec = records[k] as TraceRecord;
    const before = states[k - 1];
    const after = states[k];
    if (!before || !after || typeof rec.ret !== 'number' || rec.ret <= 0 || (rec.call !== 'write' && rec.call !== 'read')) continue;
    const reactor = rec.actor === 'reactor';
    if (rec.actor === 'app' || rec.actor === 'scenario') continue;
    const find = (s: SimulationSnapshot) => s.connections.find((c) => (reactor ? c.fd === rec.fd && c.name === rec.name : c.peer === rec.actor && c.fd !== null));
    const c0 = find(before);
    const c1 = find(after);
    if (!c0 || !c1) continue;
    // The reactor's write fills the peer's receive queue, the peer's read empties it; the peer's write fills the server's, the reactor's read empties it.
    const q = (c: typeof c0) => ((reactor ? rec.call === 'write' : rec.call === 'read') ? c.peerReceiveQueue : c.kernelReceiveQueue);
    const q0 = q(c0);
    const q1 = q(c1);
    if (q0 === null || q1 === null) continue;
    const moved = rec.call === 'write' ? q1 - q0 : q0 - q1;
    checked++;
    if (moved !== rec.ret) wrong.push(`#${rec.seq} ${rec.actor} ${rec.call} ${rec.ret}: the queue moved ${moved}`);
  }
  return { checked, wrong };
}

describe('the state after every record (runScenario watch)', () => {
  it('on AF_UNIX every write and read of every built-in moves the queue it touches by exactly its bytes, and a step’s last record has the step’s state', async () => {
    let checked = 0;
    for (const { name } of listBuiltinScenarios()) {
      const { records, states, steps } = await watched(name, 'native', 'unix');
      // Every record from the watch's start (the setup before it has only its last) has its state.
      const first = states.findIndex((s) => s !== undefined);
      expect(first, name).toBeGreaterThanOrEqual(0);
      for (let k = first; k < records.length; k++) expect(states[k], `${name} record ${k}`).toBeDefined();
      const moves = queueMoves(records, states);
      expect(moves.wrong, name).toEqual([]);
      checked += moves.checked;
      for (const [k, snap] of steps) if (k >= first) expect(JSON.stringify(states[k]), `${name}: the step ending at record ${k}`).toBe(snap);
    }
    // Not a vacuous pass: thousands of writes and reads were checked.
    expect(checked).toBeGreaterThan(2000);
  });

  it('watching changes nothing: the trace is the one an unwatched run makes, and both engines see the same state after each record', async () => {
    const name = 'large-response-slow-reader';
    for (const family of ['unix', 'tcp'] as const) {
      const plain = await runScenario(builtinScenario(name), { engine: 'native', options: { family } });
      const native = await watched(name, 'native', family);
      const wasm = await watched(name, 'wasm', family);
      expect(native.trace).toBe(plain.trace);
      expect(wasm.trace).toBe(plain.trace);
      expect(native.states.length).toBe(native.records.length);
      expect(JSON.stringify(wasm.states)).toBe(JSON.stringify(native.states));
      // Inside a step the state moves: a learner stepping through one sees more than the step's end.
      const distinct = new Set(native.states.map((s) => JSON.stringify(s?.connections)));
      expect(distinct.size).toBeGreaterThan(native.steps.size);
    }
  });

  it('a range watches only its records, in order, each once, and the run goes on to the same end', async () => {
    const doc = builtinScenario('large-response-slow-reader');
    const seen: Array<{ record: number; step: number; action: number }> = [];
    const r = await runScenario(doc, { engine: 'wasm', watch: { from: 300, to: 340, onRecord: ({ record, step, action }) => seen.push({ record, step, action }) } });
    const plain = await runScenario(doc, { engine: 'wasm' });
    expect(seen.map((s) => s.record)).toEqual(Array.from({ length: 41 }, (_, i) => 300 + i));
    expect(r.trace).toBe(plain.trace);
    // Each record is inside (or ends) the step the info names: the steps before it finished at or before it.
    for (const s of seen) {
      const span = r.actions[s.action];
      expect(span, `record ${s.record}`).toBeDefined();
      expect(s.record).toBeGreaterThanOrEqual(span?.recordFrom ?? Infinity);
      expect(s.record).toBeLessThan(span?.recordTo ?? -1);
    }
  });

  it.each(ENGINES)('Simulation.watchRecords with JS handlers (%s): a handler\u2019s own send is watched too, write by write, and the queues move by exactly the bytes', async (engine) => {
    // A reply four times the request, sent from inside the handler: its writes happen between the reactor's reads.
    const echo4: SimulationHandlers = { onMessage: (conn, data) => void conn.send(new Uint8Array(data.length * 4).fill(120)) };
    const sim = await create(engine, { family: 'unix', app: echo4, sndbuf: 8192 });
    try {
      const states: Array<SimulationSnapshot | undefined> = [];
      sim.watchRecords({ from: 0, to: Number.MAX_SAFE_INTEGER }, (k) => (states[k] = sim.snapshot()));
      const a = sim.peer('a', { readPerStep: 4096 });
      a.connect();
      sim.step();
      for (let i = 0; i < 6; i++) {
        a.write(new Uint8Array(3000).fill(97));
        sim.run({ maxSteps: 40 });
      }
      const records = sim.trace.records;
      const moves = queueMoves(records, states);
      expect(moves.wrong).toEqual([]);
      // The handler's writes (app then reactor write, inside one iteration) were among those checked.
      const handlerWrites = records.filter((r, k) => r.actor === 'reactor' && r.call === 'write' && records[k - 1]?.actor === 'app');
      expect(handlerWrites.length).toBeGreaterThan(0);
      expect(moves.checked).toBeGreaterThan(20);
      // A reactor read takes bytes in and queues none out: the reply the handler sends is the app record's doing (it
      // comes after the read, 'message'), never shown as the read's. The state up to the read is taken before that record.
      let reads = 0;
      for (let k = 1; k < records.length; k++) {
        const r = records[k] as TraceRecord;
        if (r.actor !== 'reactor' || r.call !== 'read' || typeof r.ret !== 'number' || r.ret <= 0) continue;
        const before = states[k - 1]?.connections.find((c) => c.fd === r.fd);
        const after = states[k]?.connections.find((c) => c.fd === r.fd);
        if (!before || !after) continue;
        reads++;
        expect(after.sendBuf, `#${r.seq} read ${r.ret}`).toBe(before.sendBuf);
        expect(records[k + 1]?.call, `#${r.seq}: the message record follows the read`).toBe('message');
      }
      expect(reads).toBeGreaterThan(3);
    } finally {
      sim.dispose();
    }
  });

  it('a bad watch is refused with the field named', async () => {
    const doc = builtinScenario('large-response-slow-reader');
    const bad: Array<[unknown, string]> = [
      [null, 'watch'],
      [{ from: -1, to: 3, onRecord: () => {} }, 'watch.from'],
      [{ from: 0, to: 1.5, onRecord: () => {} }, 'watch.to'],
      [{ from: 5, to: 3, onRecord: () => {} }, 'watch.to'],
      [{ from: 0, to: 3 }, 'watch.onRecord'],
      [{ from: 0, to: 3, onRecord: () => {}, every: 2 }, 'watch.every'],
    ];
    // With trace: false there is nothing to watch: refused, not silently called never.
    const noTrace = await runScenario(doc, { engine: 'native', trace: false, watch: { from: 0, to: 3, onRecord: () => {} } }).then(
      () => null,
      (x: unknown) => x,
    );
    expect((noTrace as EdgeloopError).code).toBe('ERR_INVALID_ARG');
    expect((noTrace as EdgeloopError).message).toContain('"watch" needs the trace');
    const sim = await create('native', { trace: false });
    try {
      expect(() => sim.watchRecords({ from: 0, to: 3 }, () => {})).toThrow(/trace: false/);
    } finally {
      sim.dispose();
    }
    for (const [watch, field] of bad) {
      const e = await runScenario(doc, { engine: 'native', watch: watch as never }).then(
        () => null,
        (x: unknown) => x,
      );
      expect(e).toBeInstanceOf(EdgeloopError);
      expect((e as EdgeloopError).code).toBe('ERR_INVALID_ARG');
      expect((e as EdgeloopError).message).toContain(`"${field}"`);
    }
  });
});
