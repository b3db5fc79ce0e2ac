// Bad options are an EdgeloopError (ERR_INVALID_ARG) whose `argument` and
// message name the field, thrown before anything is opened: by
// Simulation.create() and by createServer(), alike for the reactor's options
// they share (variant, buffers, high-water mark, app, handlers). Each also
// checks its own: the engine, seed and family of the simulation (and its
// peer() and run() arguments, on each engine); the port, host, threads and
// the rest of the real server (and its listen() and close()).
import { describe, expect, it } from 'vitest';

import { createServer, EdgeloopError, explore, openKernel, Simulation, type ServerOptions, type SimulationOptions } from '../src/index.js';
import { create, ENGINES } from './helpers/sim.js';

/** `e` is an EdgeloopError ERR_INVALID_ARG whose `argument` and message name `field`. */
function expectNamed(e: unknown, field: string): void {
  expect(e).toBeInstanceOf(EdgeloopError);
  expect(e).toMatchObject({ code: 'ERR_INVALID_ARG', argument: field });
  expect((e as Error).message).toContain(`"${field}"`);
}

/** What Simulation.create(options) rejects with (it must reject). */
async function simulationFailure(options: unknown): Promise<EdgeloopError> {
  try {
    const sim = await Simulation.create(options as SimulationOptions);
    sim.dispose();
  } catch (e) {
    expect(e).toBeInstanceOf(EdgeloopError);
    return e as EdgeloopError;
  }
  throw new Error(`accepted ${JSON.stringify(options)}`);
}

/** What createServer(options) throws (undefined if it does not). */
function serverFailure(options: unknown): unknown {
  try {
    createServer(options as ServerOptions);
  } catch (e) {
    return e;
  }
  return undefined;
}

// ---- the reactor's options: the same answer from both ----

/** [field, options, what the message says too]. */
const REACTOR_BAD: Array<[string, Record<string, unknown>, RegExp?]> = [
  ['variant', { variant: 'day27' }, /'edgeloop' or 'day26-as-written' or 'day25-write-all'/],
  ['app', { app: 'ping' }],
  ['app', { app: 'chargen' }],
  ['app', { app: 7 }],
  ['app.bulk', { app: { bulk: -1 } }],
  ['app.bulk', { app: { bulk: '64MiB' } }],
  ['app.extra', { app: { bulk: 10, extra: 1 } }],
  ['app.x', { app: { bulk: 1, x: 1 } }],
  ['app.onMessage', { app: { onMessage: 'echo' } }, /must be a function/],
  ['app.onData', { app: { onData: () => {} } }, /unknown option "app.onData"/],
  ['sndbuf', { sndbuf: 0 }],
  ['sndbuf', { sndbuf: -5 }],
  ['rcvbuf', { rcvbuf: 2 ** 31 }],
  ['highWaterMark', { highWaterMark: 0 }],
  ['highWaterMark', { highWaterMark: 1.5 }],
  ['highWaterMark', { highWaterMark: -1 }],
  ['highWaterMark', { highWaterMark: '4M' }],
  ['highWaterPolicy', { highWaterPolicy: 'drop' }],
];

describe('the reactor options: bad values', () => {
  for (const [field, options, message] of REACTOR_BAD) {
    it(`Simulation.create() rejects ${JSON.stringify(options)} naming "${field}"`, async () => {
      const e = await simulationFailure(options);
      expectNamed(e, field);
      if (message) expect(e.message).toMatch(message);
    });

    it(`createServer() rejects ${JSON.stringify(options)} naming "${field}"`, () => {
      const e = serverFailure({ port: 0, ...options });
      expectNamed(e, field);
      expect((e as Error).message).toMatch(/^createServer\(\): /);
      if (message) expect((e as Error).message).toMatch(message);
    });
  }
});

// ---- the simulation's own ----

const SIMULATION_BAD: Array<[string, unknown, RegExp?]> = [
  ['options', 42],
  ['engine', { engine: 'jit' }, /'native' or 'wasm'/],
  ['seed', { seed: -1 }],
  ['seed', { seed: 1.5 }],
  ['family', { family: 'udp' }, /'unix' or 'tcp', got "udp"/],
  ['port', { port: 9000 }, /unknown option "port"/],
];

describe('Simulation.create() options', () => {
  for (const [field, options, message] of SIMULATION_BAD) {
    it(`rejects ${JSON.stringify(options) ?? String(options)} naming "${field}"`, async () => {
      const e = await simulationFailure(options);
      expectNamed(e, field);
      if (message) expect(e.message).toMatch(message);
    });
  }
});

describe.each(ENGINES)('peer() and run() arguments (sim/%s)', (engine) => {
  it('names the bad argument', async () => {
    const sim = await create(engine);
    try {
      const cases: Array<[() => unknown, string]> = [
        [() => sim.peer(''), 'name'],
        [() => sim.peer('reactor'), 'name'],
        [() => sim.peer('x', { readPerStep: 0 }), 'readPerStep'],
        [() => sim.peer('x', { rcvbuf: -5 }), 'rcvbuf'],
        [() => sim.peer('x', { speed: 1 } as never), 'speed'],
        [() => sim.run({ maxSteps: -1 }), 'maxSteps'],
        [() => sim.run({ until: 'forever' as never }), 'until'],
      ];
      for (const [fn, argument] of cases) {
        let error: unknown;
        try {
          fn();
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(EdgeloopError);
        expect((error as EdgeloopError).argument).toBe(argument);
      }
      sim.peer('x', { readPerStep: 10 });
      expect(() => sim.peer('x', { readPerStep: 20 })).toThrow(/options apply only when it is created/);
      expect(() => sim.peer('nobody').write('x')).toThrow(/has no socket/);
    } finally {
      sim.dispose();
    }
  });
});

// ---- the real server's own ----

const SERVER_BAD: Array<[string, unknown, string]> = [
  ['no options', undefined, 'options'],
  ['options not an object', 9000, 'options'],
  ['port missing', {}, 'port'],
  ['port a string', { port: '9000' }, 'port'],
  ['port too large', { port: 65536 }, 'port'],
  ['port negative', { port: -1 }, 'port'],
  ['port fractional', { port: 80.5 }, 'port'],
  ['host a name', { port: 0, host: 'example.com' }, 'host'],
  ['host malformed', { port: 0, host: '127.0.0.256' }, 'host'],
  ['host IPv6 malformed', { port: 0, host: '::1::' }, 'host'],
  ['host IPv6 in brackets', { port: 0, host: '[::1]' }, 'host'],
  ['host with a port', { port: 0, host: '127.0.0.1:80' }, 'host'],
  ['reusePort not a boolean', { port: 0, reusePort: 1 }, 'reusePort'],
  ['host a number', { port: 0, host: 127 }, 'host'],
  ['threads negative', { port: 0, threads: -1 }, 'threads'],
  ['threads fractional', { port: 0, threads: 1.5 }, 'threads'],
  ['threads too many', { port: 0, threads: 1000 }, 'threads'],
  ['threads with JS handlers', { port: 0, threads: 1, handlers: {} }, 'threads'],
  ['maxConnections zero', { port: 0, maxConnections: 0 }, 'maxConnections'],
  ['backlog zero', { port: 0, backlog: 0 }, 'backlog'],
  ['a handler not a function', { port: 0, handlers: { onMessage: 'echo' } }, 'handlers.onMessage'],
  ['an unknown handler', { port: 0, handlers: { onData: () => {} } }, 'handlers.onData'],
  ['app and handlers both', { port: 0, app: 'echo', handlers: {} }, 'handlers'],
  ['trace empty', { port: 0, trace: '' }, 'trace'],
  ['an unknown option', { port: 0, thread: 2 }, 'thread'],
];

describe('createServer(): bad options', () => {
  it.each(SERVER_BAD)('%s: names "%s"', (_name, options, field) => {
    const e = serverFailure(options);
    expectNamed(e, field);
    expect((e as Error).message).toMatch(/^createServer\(\): /);
  });

  it('an unopenable trace path fails listen(), naming "trace"', async () => {
    const server = createServer({ port: 0, trace: '/nonexistent-dir/trace.jsonl' });
    await expect(server.listen()).rejects.toMatchObject({ code: 'ERR_INVALID_ARG', argument: 'trace' });
    expect(server.listening).toBe(false);
  });

  it('close() with a bad timeout: ERR_INVALID_ARG naming "timeoutMs"', async () => {
    const server = createServer({ port: 0 });
    await expect(server.close({ timeoutMs: -1 })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG', argument: 'timeoutMs' });
  });
});

describe('options that throw when read (a hostile Proxy, a throwing getter)', () => {
  const hostile = (): object =>
    new Proxy(
      {},
      {
        ownKeys() {
          throw new Error('boom from ownKeys');
        },
        get() {
          throw new Error('boom from get');
        },
      },
    );
  const throwingGetter = (): object =>
    Object.defineProperty({}, 'family', {
      enumerable: true,
      get() {
        throw new Error('boom from a getter');
      },
    });

  it.each([
    ['createServer()', (o: object) => Promise.resolve().then(() => createServer(o as never))],
    ['Simulation.create()', (o: object) => Simulation.create(o as never)],
    ['openKernel()', (o: object) => openKernel(o as never)],
    ['explore()', (o: object) => explore(o as never)],
  ])('%s: an EdgeloopError naming "options", not the object\'s own exception', async (where, call) => {
    for (const o of [hostile(), throwingGetter()]) {
      const err = await call(o).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(EdgeloopError);
      expect((err as EdgeloopError).code).toBe('ERR_INVALID_ARG');
      // A clear message from the call itself (the getter's object may be refused for another field first).
      expect((err as Error).message).toMatch(new RegExp(`^${where.replace(/[().]/g, '\\$&')}: `));
    }
    const err = await call(hostile()).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(new RegExp(`^${where.replace(/[().]/g, '\\$&')}: "options" could not be read: boom from`));
  });
});
