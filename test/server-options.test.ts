// Bad options: createServer() throws an EdgeloopError (ERR_INVALID_ARG)
// whose message and `argument` name the field, before anything is opened.
import { describe, expect, it } from 'vitest';

import { createServer, EdgeloopError, type ServerOptions } from '../src/index.js';

const bad: Array<[string, unknown, string]> = [
  ['no options', undefined, 'options'],
  ['options not an object', 9000, 'options'],
  ['port missing', {}, 'port'],
  ['port a string', { port: '9000' }, 'port'],
  ['port too large', { port: 65536 }, 'port'],
  ['port negative', { port: -1 }, 'port'],
  ['port fractional', { port: 80.5 }, 'port'],
  ['host not loopback', { port: 0, host: '0.0.0.0' }, 'host'],
  ['host malformed', { port: 0, host: '127.0.0.256' }, 'host'],
  ['host a number', { port: 0, host: 127 }, 'host'],
  ['threads negative', { port: 0, threads: -1 }, 'threads'],
  ['threads fractional', { port: 0, threads: 1.5 }, 'threads'],
  ['threads too many', { port: 0, threads: 1000 }, 'threads'],
  ['threads with JS handlers', { port: 0, threads: 1, handlers: {} }, 'threads'],
  ['highWaterMark zero', { port: 0, highWaterMark: 0 }, 'highWaterMark'],
  ['highWaterMark a string', { port: 0, highWaterMark: '4M' }, 'highWaterMark'],
  ['highWaterPolicy unknown', { port: 0, highWaterPolicy: 'drop' }, 'highWaterPolicy'],
  ['maxConnections zero', { port: 0, maxConnections: 0 }, 'maxConnections'],
  ['variant unknown', { port: 0, variant: 'day27' }, 'variant'],
  ['backlog zero', { port: 0, backlog: 0 }, 'backlog'],
  ['sndbuf negative', { port: 0, sndbuf: -5 }, 'sndbuf'],
  ['app unknown', { port: 0, app: 'chargen' }, 'app'],
  ['app.bulk negative', { port: 0, app: { bulk: -1 } }, 'app.bulk'],
  ['app.bulk with an extra key', { port: 0, app: { bulk: 1, x: 1 } }, 'app.x'],
  ['a handler not a function', { port: 0, handlers: { onMessage: 'echo' } }, 'handlers.onMessage'],
  ['an unknown handler', { port: 0, handlers: { onData: () => {} } }, 'handlers.onData'],
  ['app and handlers both', { port: 0, app: 'echo', handlers: {} }, 'handlers'],
  ['trace empty', { port: 0, trace: '' }, 'trace'],
  ['an unknown option', { port: 0, thread: 2 }, 'thread'],
];

describe('createServer(): bad options', () => {
  it.each(bad)('%s: names "%s"', (_name, options, field) => {
    let err: unknown;
    try {
      createServer(options as ServerOptions);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(EdgeloopError);
    expect(err).toMatchObject({ code: 'ERR_INVALID_ARG', argument: field });
    expect((err as Error).message).toMatch(/^createServer\(\): /);
    expect((err as Error).message).toContain(`"${field === 'options' ? 'options' : field}"`);
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
