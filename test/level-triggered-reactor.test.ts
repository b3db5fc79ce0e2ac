// trigger: 'level' runs the edgeloop reactor level-triggered (muduo's own
// mode): no EPOLLET on any registration, one read per wakeup for a
// connection and one accept per wakeup for the listener, with epoll
// reporting what is left on the next round; the bytes and the connections
// come out the same as edge-triggered. Both engines agree byte for byte, and
// the real server serves level-triggered too. 'level' is the edgeloop
// variant's: asking it of a tutorial variant is an error naming 'trigger'.
import { describe, expect, it } from 'vitest';

import { EdgeloopError, runScenario, Simulation, validateScenario } from '../src/index.js';
import { connect, echoRoundTrip, useServers } from './helpers/server.js';
import { create, ENGINES, reactorBytes, reactorCalls, reactorWakeups } from './helpers/sim.js';

const MESSAGE = 1024 * 1024;
const READ = 64 * 1024;

describe.each(ENGINES)('level-triggered reactor (sim/%s)', (engine) => {
  for (const family of ['unix', 'tcp'] as const) {
    it(`${family}: a 1 MiB message takes one 64 KiB read per wakeup, no EPOLLET, no EAGAIN`, async () => {
      const sim = await create(engine, { family, app: 'discard', trigger: 'level', rcvbuf: 4 * 1024 * 1024 });
      try {
        const a = sim.peer('a', { sndbuf: 4 * 1024 * 1024 });
        expect(a.connect()).toBe(0);
        sim.step();
        const conn = sim.snapshot().connections[0];
        expect(conn?.interest).toBe('EPOLLIN|EPOLLPRI');
        expect(sim.snapshot().interest.every((e) => !e.events.includes('EPOLLET'))).toBe(true);
        const name = conn?.name ?? null;
        expect(a.write(MESSAGE)).toBe(MESSAGE);
        const mark = sim.trace.records.length;
        sim.run({ maxSteps: 1000 });
        const records = sim.trace.records.slice(mark);
        const reads = reactorCalls(records, 'read', name);
        expect(reactorBytes(records, 'read', name)).toBe(MESSAGE);
        // One read per wakeup, each for a 64 KiB chunk; never the read that returns EAGAIN.
        expect(reads.every((r) => r.args.max === READ && typeof r.ret === 'number')).toBe(true);
        expect(reactorWakeups(records)).toHaveLength(reads.length);
        if (family === 'unix') expect(reads).toHaveLength(MESSAGE / READ);
      } finally {
        sim.dispose();
      }
    });

    it(`${family}: 20 simultaneous connects are accepted one per wakeup, and each is served`, async () => {
      const sim = await create(engine, { family, app: 'echo', trigger: 'level' });
      try {
        const peers = Array.from({ length: 20 }, (_, i) => sim.peer(`p${i}`));
        for (const p of peers) expect(p.connect()).toBe(0);
        const mark = sim.trace.records.length;
        const listener = sim.snapshot().listen.name;
        for (let i = 1; i <= peers.length; i++) {
          sim.step();
          expect(sim.connections).toHaveLength(i);
        }
        const accepts = reactorCalls(sim.trace.records.slice(mark), 'accept', listener);
        expect(accepts).toHaveLength(peers.length);
        expect(accepts.every((r) => typeof r.ret === 'number')).toBe(true);
        for (const p of peers) p.write(p.name);
        sim.run({ maxSteps: 200 });
        for (const p of peers) expect(p.text).toBe(p.name);
      } finally {
        sim.dispose();
      }
    });
  }

  it('a 64 MiB bulk response to a slow reader arrives whole, EPOLLOUT off once drained', async () => {
    const TOTAL = 64 << 20;
    const sim = await create(engine, { family: 'tcp', app: { bulk: TOTAL }, trigger: 'level' });
    try {
      const a = sim.peer('a', { readPerStep: 1 << 20 });
      expect(a.connect()).toBe(0);
      sim.run({ until: () => a.eof, maxSteps: 100_000 });
      expect(a.received.length).toBe(TOTAL);
      expect(a.eof).toBe(true);
      const after = sim.trace.records.length;
      sim.run({ maxSteps: 20 });
      expect(reactorWakeups(sim.trace.records.slice(after))).toEqual([]);
    } finally {
      sim.dispose();
    }
  });
});

describe('level-triggered reactor: engines and options', () => {
  it.skipIf(ENGINES.length < 2)('native and wasm give the same trace', async () => {
    const traces: string[] = [];
    for (const engine of ENGINES) {
      const sim = await Simulation.create({ engine, seed: 3, family: 'tcp', app: 'echo', trigger: 'level' });
      try {
        const peers = [sim.peer('a'), sim.peer('b')];
        for (const p of peers) p.connect();
        sim.step();
        for (const p of peers) p.write(200_000);
        sim.run({ maxSteps: 500 });
        traces.push(sim.traceJsonl());
      } finally {
        sim.dispose();
      }
    }
    expect(traces[1]).toBe(traces[0]);
  });

  it("'level' with a tutorial variant, or a bad value, is an EdgeloopError naming 'trigger'", async () => {
    for (const options of [
      { trigger: 'level', variant: 'day26-as-written' },
      { trigger: 'level', variant: 'day25-write-all' },
      { trigger: 'lt' },
      { trigger: 1 },
    ]) {
      const e = await Simulation.create({ engine: ENGINES[0], ...(options as object) }).then(
        () => null,
        (err: unknown) => err,
      );
      expect(e).toBeInstanceOf(EdgeloopError);
      expect((e as EdgeloopError).code).toBe('ERR_INVALID_ARG');
      expect((e as EdgeloopError).argument).toBe('trigger');
      expect((e as EdgeloopError).message).toContain('"trigger"');
    }
  });

  it('scenario documents take trigger as an option, checked against the variant', async () => {
    const doc = {
      version: 1,
      name: 'lt-echo',
      title: 'Echo, level-triggered',
      explanation: 'One peer writes, the level-triggered reactor echoes.',
      options: { family: 'unix', app: 'echo', trigger: 'level' },
      peers: [{ name: 'p' }],
      steps: [
        { do: 'connect', peer: 'p' },
        { do: 'write', peer: 'p', data: 'hello' },
        { do: 'run', maxSteps: 20 },
      ],
      expect: [
        { check: 'peer', peer: 'p', text: 'hello' },
        { check: 'trace', match: { actor: 'reactor', call: 'read', err: 'EAGAIN' }, count: 0, description: 'level-triggered: no read until EAGAIN' },
      ],
    };
    const r = await runScenario(doc, { engine: ENGINES[0] });
    expect(r.failures).toEqual([]);
    const bad = validateScenario({ ...doc, options: { ...doc.options, variant: 'day25-write-all' } });
    expect(bad.ok).toBe(false);
    expect(bad.ok ? [] : bad.errors.map((e) => e.path)).toContain('options.trigger');
  });
});

describe('level-triggered reactor (real server)', () => {
  const start = useServers();

  it('echoes 1 MiB to each of 10 clients, level-triggered', async () => {
    const { port } = await start({ port: 0, app: 'echo', trigger: 'level' });
    const clients = await Promise.all(Array.from({ length: 10 }, () => connect(port)));
    const payload = Buffer.alloc(MESSAGE, 7);
    const got = await Promise.all(clients.map((s) => echoRoundTrip(s, payload, 25_000)));
    expect(got.map((b) => b.length)).toEqual(clients.map(() => MESSAGE));
    for (const s of clients) s.destroy();
  });

  it("createServer: 'level' with a tutorial variant is an EdgeloopError naming 'trigger'", async () => {
    await expect(start({ port: 0, trigger: 'level', variant: 'day26-as-written' })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG', argument: 'trigger' });
  });
});
