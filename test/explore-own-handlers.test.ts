// Exploring JS handlers: the built-in JS apps (a line-framed request/response
// server, a producer that streams from onWriteComplete) hold every invariant
// on the correct reactor, and a user's own handlers can be explored against
// their contract: a framing parser that assumes one message per read is
// caught by writes that split and coalesce messages, and its shrunk
// document replays with runScenario(doc, { jsApp }).
import { describe, expect, it } from 'vitest';

import { explore, JS_APPS, runScenario, type ExploreJsApp, type SimConnection } from '../src/index.js';

const lines = JS_APPS['line-server'];

/** Upper-cases each read and answers it as if it were one whole line: the classic framing bug. */
const onePerRead: ExploreJsApp = {
  handlers: () => ({
    onMessage(conn: SimConnection, data: Uint8Array): void {
      const text = new TextDecoder().decode(data).toUpperCase();
      conn.send(text.endsWith('\n') ? text : `${text}\n`);
    },
  }),
  respond: lines.respond,
  message: lines.message,
};

describe('the built-in JS apps on the correct reactor', () => {
  it.each(['line-server', 'producer'] as const)('%s breaks no invariant', async (app) => {
    const r = await explore({ variant: 'edgeloop', app, seeds: [0, 150] });
    expect(r.failingSeeds).toEqual([]);
    expect(r.scriptErrors).toBe(0);
  }, 60_000);

  it('line-server documents write the message stream cut anywhere (splits and coalesced messages)', async () => {
    const { generateScenario } = await import('../src/index.js');
    let split = 0;
    let coalesced = 0;
    for (let seed = 0; seed < 50; seed++) {
      for (const s of generateScenario({ variant: 'edgeloop', app: 'line-server' }, seed).steps) {
        if (s.do !== 'write' || s.data === undefined) continue;
        if (!s.data.endsWith('\n')) split++;
        if (s.data.split('\n').length > 2) coalesced++;
      }
    }
    expect(split).toBeGreaterThan(10);
    expect(coalesced).toBeGreaterThan(10);
  });
});

describe("a user's own handlers", () => {
  it('catches a framing parser that assumes one message per read, shrunk to a replayable document', async () => {
    const r = await explore({ variant: 'edgeloop', jsApp: onePerRead, seeds: [0, 200], maxFailures: 1 });
    const f = r.failures[0];
    expect(f?.invariant).toBe('bytes-intact');
    if (!f) return;
    expect(f.document.options.app).toEqual({ js: 'custom' });
    const replay = await runScenario(f.document, { jsApp: onePerRead });
    expect(replay.violation?.invariant).toBe('bytes-intact');
    expect(replay.trace).toBe(f.trace);
    // The correct parser passes the very same document.
    const fixed = await runScenario(f.document, { jsApp: lines });
    expect(fixed.violation).toBeNull();
  }, 60_000);

  it('passes the correct parser', async () => {
    const r = await explore({ variant: 'edgeloop', jsApp: lines, seeds: [0, 100] });
    expect(r.failingSeeds).toEqual([]);
  }, 60_000);

  it('refuses a document of a custom app without its jsApp, and a jsApp without handlers', async () => {
    const doc = {
      version: 1, name: 'c', title: 't', explanation: 'e',
      options: { family: 'unix', app: { js: 'custom' } }, peers: [], steps: [], expect: [],
    };
    await expect(runScenario(doc)).rejects.toThrow(/options\.app\.js: "custom" is an app passed to runScenario\(\) as \{ jsApp \}/);
    await expect(explore({ seeds: [0, 1], jsApp: { respond: lines.respond } as never })).rejects.toThrow(/"jsApp.handlers"/);
    await expect(explore({ seeds: [0, 1], jsApp: lines, app: 'echo' })).rejects.toThrow(/"app" must be left out when "jsApp" is given/);
  });
});
