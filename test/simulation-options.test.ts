// Bad options are an EdgeloopError that names the field, thrown before any
// binding is touched; so are bad peer and run() arguments.
import { describe, expect, it } from 'vitest';

import { EdgeloopError, Simulation, type SimulationOptions } from '../src/index.js';
import { create, ENGINES } from './helpers/sim.js';

async function failure(options: unknown): Promise<EdgeloopError> {
  try {
    const sim = await Simulation.create(options as SimulationOptions);
    sim.dispose();
  } catch (e) {
    expect(e).toBeInstanceOf(EdgeloopError);
    return e as EdgeloopError;
  }
  throw new Error(`accepted ${JSON.stringify(options)}`);
}

const BAD: Array<[string, unknown, RegExp?]> = [
  ['options', 42],
  ['engine', { engine: 'jit' }, /'native' or 'wasm'/],
  ['seed', { seed: -1 }],
  ['seed', { seed: 1.5 }],
  ['family', { family: 'udp' }, /'unix' or 'tcp', got "udp"/],
  ['variant', { variant: 'day27' }, /'edgeloop' or 'day26-as-written' or 'day25-write-all'/],
  ['app', { app: 'ping' }],
  ['app', { app: 7 }],
  ['app.bulk', { app: { bulk: -1 } }],
  ['app.bulk', { app: { bulk: '64MiB' } }],
  ['app.extra', { app: { bulk: 10, extra: 1 } }],
  ['app.onMessage', { app: { onMessage: 'echo' } }, /must be a function/],
  ['app.onData', { app: { onData: () => {} } }, /unknown option "app.onData"/],
  ['sndbuf', { sndbuf: 0 }],
  ['rcvbuf', { rcvbuf: 2 ** 31 }],
  ['highWaterMark', { highWaterMark: 1.5 }],
  ['highWaterMark', { highWaterMark: -1 }],
  ['highWaterPolicy', { highWaterPolicy: 'drop' }],
  ['port', { port: 9000 }, /unknown option "port"/],
];

describe('Simulation.create() options', () => {
  for (const [field, options, message] of BAD) {
    it(`rejects ${JSON.stringify(options) ?? String(options)} naming "${field}"`, async () => {
      const e = await failure(options);
      expect(e.code).toBe('ERR_INVALID_ARG');
      expect(e.argument).toBe(field);
      expect(e.message).toContain(`"${field}"`);
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
