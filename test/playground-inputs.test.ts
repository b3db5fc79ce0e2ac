// The playground's readers of untrusted input, in Node: trace files (JSON
// Lines) and share links. Bad input of any shape gives the one error type
// naming the problem (with the line, for traces), never anything else; good
// input round-trips.
import { describe, expect, it } from 'vitest';

import { builtinScenario, listBuiltinScenarios, runScenario } from '../src/browser.js';
import { decodeLink, encodeLink, LinkError } from '../playground/src/share.js';
import { lineOf, locate } from '../playground/src/json-locate.js';
import { MARK, modelFromJsonl, parseTraceJsonl, TraceFormatError, TraceModel } from '../playground/src/trace-model.js';

const NAMES = listBuiltinScenarios().map((b) => b.name);
const HEADER = '{"type":"header","version":1,"kernel":"sim","seed":1}';

function seeded(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

describe('trace files', () => {
  it('a window of a trace (a live server’s) that starts from the interest lists before it shows the same lists and marks at every record', async () => {
    const r = await runScenario(builtinScenario('large-response-slow-reader'), { engine: 'wasm' });
    const whole = modelFromJsonl(r.trace);
    const cut = Math.floor(whole.n / 3);
    const base = { epolls: whole.epolls.map((e) => ({ name: e.name, owner: e.owner, interest: whole.interestAt(cut - 1, e.name) })) };
    const window = new TraceModel(whole.header, [...whole.records].slice(cut), null, base);
    expect(window.mainEpoll).toBe(whole.mainEpoll);
    const byFd = (items: Array<{ fd: number }>) => [...items].sort((a, b) => a.fd - b.fd);
    for (let i = 0; i < window.n; i += 7) {
      for (const e of whole.epolls) expect(byFd(window.interestAt(i, e.name))).toEqual(byFd(whole.interestAt(cut + i, e.name)));
      expect(window.marks[i]).toBe(whole.marks[cut + i]);
    }
    expect(byFd(window.interestAt(-1, whole.mainEpoll ?? ''))).toEqual(byFd(whole.interestAt(cut - 1, whole.mainEpoll ?? '')));
    // Its text, made from the records when asked for, is the trace's tail under the same header.
    expect(window.text).toBe([r.trace.split('\n')[0], ...r.trace.split('\n').slice(1 + cut, 1 + whole.n), ''].join('\n'));
  });

  it('a run’s trace parses to its records, with marks and an interest list per epoll', async () => {
    const r = await runScenario(builtinScenario('large-response-slow-reader'), { engine: 'wasm' });
    const m = modelFromJsonl(r.trace);
    // r.records is the live array: the peers' dispose records land after r.trace was taken.
    expect([...m.records]).toEqual(r.records.slice(0, m.n));
    expect(m.text).toBe(r.trace);
    expect(m.lanes.slice(0, 2)).toEqual(['reactor', 'app']);
    expect(m.mainEpoll).toBe('ep1');
    const on = [...m.records].findIndex((_, i) => ((m.marks[i] as number) & MARK.OUT_ON) !== 0);
    expect(m.records.get(on)).toMatchObject({ call: 'epollCtl', args: { op: 'MOD' } });
    expect(m.interestAt(on, 'ep1').find((e) => e.name === 's3')?.events).toContain('EPOLLOUT');
    expect(m.interestAt(on - 1, 'ep1').find((e) => e.name === 's3')?.events).not.toContain('EPOLLOUT');
    // Written by the reactor = the bulk app's 16 MiB; delivered = what the client read.
    expect(m.written[m.n - 1]).toBe(16 * 1024 * 1024);
    expect(m.delivered[m.n - 1]).toBe(16 * 1024 * 1024);
  });

  it('bad files name the line and the problem', () => {
    const bad: Array<[string, RegExp]> = [
      ['', /empty/],
      ['not json', /line 1: the header line is not valid JSON/],
      ['{"type":"header","version":2,"kernel":"sim","seed":1}', /version 2/],
      [`${HEADER}\n{"seq":1,"t":0,"actor":"a","call":"c","args":{}}\n{"seq":1,"t":0,"actor":"a","call":"c","args":{}}`, /line 3: "seq" must increase/],
      [`${HEADER}\n{"seq":1,"t":0,"actor":"a","call":"c","args":[]}`, /line 2: "args" must be an object/],
      [`${HEADER}\n{"seq":1,"t":0,"actor":"a","call":"c","args":{},"err":"nope"}`, /"err" must be an errno name/],
      [`${HEADER}\n{"seq":1,"t":0,"actor":"a","call":"c","args":{},"events":[{"fd":"x"}]}`, /"events\[0\]\.fd" must be an integer/],
      [`${HEADER}\n\n{"seq":1,"t":0,"actor":"a","call":"c","args":{}}`, /line 2: an empty line/],
      [`${HEADER}\n{"seq":1,"t":0,"actor":"a","call":"c","args":{},"__proto__":{"x":1}}`, /unknown field "__proto__"/],
    ];
    for (const [text, why] of bad) {
      expect(() => parseTraceJsonl(text), text).toThrow(TraceFormatError);
      expect(() => parseTraceJsonl(text)).toThrow(why);
    }
  });

  it('random damage to a real trace only ever gives TraceFormatError', async () => {
    const r = await runScenario(builtinScenario('half-close-pending-output'), { engine: 'wasm' });
    const rand = seeded(7);
    for (let k = 0; k < 300; k++) {
      const chars = [...r.trace];
      const edits = 1 + Math.floor(rand() * 4);
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(rand() * chars.length);
        const op = rand();
        if (op < 0.4) chars.splice(at, 1);
        else if (op < 0.8) chars.splice(at, 0, '{}[]":,0-e\n\\x'[Math.floor(rand() * 14)] as string);
        else chars[at] = String.fromCharCode(Math.floor(rand() * 128));
      }
      try {
        modelFromJsonl(chars.join(''));
      } catch (e) {
        expect(e).toBeInstanceOf(TraceFormatError);
      }
    }
  });
});

describe('share links', () => {
  it('round-trip a built-in with knobs, cursor and compare variant, and an edited document', async () => {
    const state = { scenario: 'high-water-mark', doc: null, knobs: { family: 'tcp' as const, seed: 9, sndbuf: 4096 }, cursor: 321, compare: 'day26-as-written' as const };
    const hash = await encodeLink(state);
    expect(hash).toMatch(/^s=[A-Za-z0-9_-]+$/);
    expect(await decodeLink(`#${hash}`, NAMES)).toEqual(state);
    const doc = builtinScenario('et-partial-read');
    doc.title = 'Edited';
    const back = await decodeLink(await encodeLink({ scenario: null, doc, knobs: {}, cursor: 0, compare: null }), NAMES);
    expect(back.doc).toEqual(doc);
  });

  it('bad links give LinkError naming the problem', async () => {
    const pack = async (body: unknown): Promise<string> => {
      const s = new Blob([JSON.stringify(body)]).stream().pipeThrough(new CompressionStream('deflate-raw'));
      return `s=${Buffer.from(await new Response(s).arrayBuffer()).toString('base64url')}`;
    };
    const cases: Array<[string, RegExp]> = [
      ['', /no playground state/],
      ['s=', /empty/],
      ['s=***', /not base64url/],
      ['s=AAAA', /does not decompress/],
      [await pack([1]), /not an object/],
      [await pack({ v: 2, s: 'x' }), /version 2/],
      [await pack({ v: 1, s: 'no-such' }), /does not have: “no-such”/],
      [await pack({ v: 1, s: NAMES[0], k: { sndbuf: -1 } }), /knobs are invalid: options\.sndbuf/],
      [await pack({ v: 1, s: NAMES[0], c: -1 }), /event position/],
      [await pack({ v: 1, s: NAMES[0], cmp: 'day27' }), /compare variant/],
      [await pack({ v: 1, s: NAMES[0], run: 'alert(1)' }), /unknown field “run”/],
      [await pack({ v: 1, doc: { version: 1 } }), /scenario is invalid: name: is required/],
    ];
    for (const [hash, why] of cases) {
      await expect(decodeLink(hash, NAMES), hash).rejects.toThrow(why);
      await expect(decodeLink(hash, NAMES)).rejects.toBeInstanceOf(LinkError);
    }
    // A decompression bomb stops at the limit.
    const bomb = await pack({ v: 1, s: NAMES[0], pad: 'x'.repeat(5 * 1024 * 1024) });
    await expect(decodeLink(bomb, NAMES)).rejects.toThrow(/inflates to more than/);
  });

  it('random strings never give anything but LinkError', async () => {
    const rand = seeded(11);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=%#';
    for (let k = 0; k < 200; k++) {
      let s = 's=';
      const n = Math.floor(rand() * 80);
      for (let i = 0; i < n; i++) s += alphabet[Math.floor(rand() * alphabet.length)];
      await expect(decodeLink(s, NAMES)).rejects.toBeInstanceOf(LinkError);
    }
  });
});

describe('locating fields in JSON text', () => {
  it('maps validation paths to lines; syntax errors carry line and column', () => {
    const text = '{\n  "a": 1,\n  "steps": [\n    { "do": "x" },\n    {\n      "bytes": -1\n    }\n  ]\n}';
    const map = locate(text);
    expect(lineOf(map, ['a'])).toBe(2);
    expect(lineOf(map, ['steps', 0])).toBe(4);
    expect(lineOf(map, ['steps', 1, 'bytes'])).toBe(6);
    expect(lineOf(map, ['steps', 1, 'missing'])).toBe(5); // the nearest field that exists
    expect(() => locate('{\n  "a": 1,\n  "b" 2\n}')).toThrow(/line 3, column 7: expected ':'/);
  });
});
