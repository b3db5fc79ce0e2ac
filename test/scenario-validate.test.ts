// The scenario validator: every problem is reported (not just the first),
// each with the JSON path of its field; nothing but EdgeloopError is ever
// thrown, whatever the input; nothing in a document is executed.
import { describe, expect, it } from 'vitest';

import {
  assertScenario,
  builtinScenario,
  EdgeloopError,
  parseScenario,
  runScenario,
  ScenarioError,
  validateScenario,
  validateScenarioOptions,
  type ScenarioIssue,
} from '../src/index.js';

const minimal = () => ({
  version: 1,
  name: 'tiny',
  title: 'A tiny scenario',
  explanation: 'One peer says hello to the echo server.',
  options: { family: 'unix', app: 'echo' },
  peers: [{ name: 'a' }],
  steps: [
    { do: 'connect', peer: 'a' },
    { do: 'write', peer: 'a', data: 'hello' },
    { do: 'run', maxSteps: 10, label: 'echo' },
  ],
  expect: [{ check: 'peer', peer: 'a', text: 'hello' }],
});

function errorsOf(doc: unknown): ScenarioIssue[] {
  const r = validateScenario(doc);
  return r.ok ? [] : r.errors;
}

function paths(doc: unknown): string[] {
  return errorsOf(doc).map((e) => e.path);
}

describe('title and explanation are optional', () => {
  it('a document without them is valid; the title falls back to the name, the explanation to empty', () => {
    const { title: _title, explanation: _explanation, ...bare } = minimal();
    const r = validateScenario(bare);
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.scenario.title).toBe('tiny');
      expect(r.scenario.explanation).toBe('');
    }
    // Given, they are still checked.
    expect(paths({ ...bare, title: 5 })).toEqual(['title']);
  });
});

describe('validateScenario', () => {
  it('accepts a minimal document and returns a clean copy', () => {
    const doc = minimal();
    const r = validateScenario(doc);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.scenario).toEqual(doc);
    expect(r.scenario).not.toBe(doc);
    expect(r.scenario.steps[0]).not.toBe(doc.steps[0]);
  });

  it('reports wrong types, unknown fields, negative sizes and unknown actions all at once, by path', () => {
    const doc = {
      ...minimal(),
      options: { family: 'udp', app: { bulk: -1 }, sndbuf: -4096, rcvbuf: 1.5, speed: 3 },
      peers: [{ name: 'a', readPerStep: 0 }, { name: 'a' }, { name: 'reactor' }, { name: 3 }],
      steps: [
        { do: 'connect', peer: 'a' },
        { do: 'teleport', peer: 'a' },
        { do: 'write', peer: 'a', bytes: -1 },
        { do: 'write', peer: 'a' },
        { do: 'writeAll', peer: 'zed', bytes: '1M' },
        { do: 'step', count: 0, colour: 'red' },
        { do: 'run' },
        { do: 'shutdown', peer: 'a', how: 'SIDEWAYS' },
        'connect',
        { peer: 'a' },
      ],
      expect: [
        { check: 'peer', peer: 'a', receivedBytes: -3 },
        { check: 'connection', peer: 'a', sendBuf: { min: 5, max: 1 }, interestHas: ['EPOLLFOO'] },
        { check: 'trace', match: { call: 'write', ret: 'many', err: 'nope', op: 'PUT' }, count: { low: 1 } },
        { check: 'magic' },
        { check: 'server', accepted: true, at: 'nowhere' },
        { check: 'trace', match: {}, during: 99 },
      ],
    };
    const got = errorsOf(doc);
    const byPath = new Map(got.map((e) => [e.path, e.message]));
    const expected: Array<[string, RegExp]> = [
      ['options.speed', /unknown field/],
      ['options.family', /must be one of 'unix', 'tcp', got "udp"/],
      ['options.app.bulk', /non-negative integer.*got -1/],
      ['options.sndbuf', /positive integer.*got -4096/],
      ['options.rcvbuf', /positive integer.*got 1\.5/],
      ['peers[0].readPerStep', /positive integer.*got 0/],
      ['peers[1].name', /duplicates the peer "a"/],
      ['peers[2].name', /reserved actor name/],
      ['peers[3].name', /must be a name/],
      ['steps[1].do', /must be one of 'connect', .*got "teleport"/],
      ['steps[2].bytes', /must be a non-negative integer.*got -1/],
      ['steps[3]', /exactly one of "bytes".*or "data"/],
      ['steps[4].peer', /is not a peer of this scenario \(peers: a\)/],
      ['steps[4].bytes', /positive integer.*got "1M"/],
      ['steps[5].colour', /unknown field/],
      ['steps[5].count', /positive integer.*got 0/],
      ['steps[6].maxSteps', /is required/],
      ['steps[7].how', /must be one of 'RD', 'WR', 'RDWR'/],
      ['steps[8]', /must be an object/],
      ['steps[9].do', /is required/],
      ['expect[0].receivedBytes', /non-negative integer.*got -3/],
      ['expect[1].sendBuf', /min \(5\) must not exceed max \(1\)/],
      ['expect[1].interestHas[0]', /must be one of 'EPOLLIN'/],
      ['expect[2].match.ret', /non-negative integer or \{ min, max \}/],
      ['expect[2].match.err', /errno name/],
      ['expect[2].match.op', /'ADD', 'MOD', 'DEL'/],
      ['expect[2].count.low', /unknown field/],
      ['expect[2].count', /must give min, max or both/],
      ['expect[3].check', /must be one of 'peer', 'connection', 'server', 'trace', 'order'/],
      ['expect[4].accepted', /non-negative integer/],
      ['expect[4].at', /is not the label of an action \(labels: none\)/],
      ['expect[5].match', /must say which records/],
      ['expect[5].during', /index into steps \(0 to 9\)/],
    ];
    for (const [path, message] of expected) {
      expect(byPath.has(path), `an error at ${path} (got: ${[...byPath.keys()].join(', ')})`).toBe(true);
      expect(byPath.get(path)).toMatch(message);
    }
    for (const e of got) {
      expect(typeof e.message).toBe('string');
      expect(e.segments.length).toBeGreaterThan(0);
    }
  });

  it('a missing or wrong version, and missing sections', () => {
    const { version: _v, steps: _s, ...rest } = minimal();
    expect(paths(rest)).toEqual(expect.arrayContaining(['version', 'steps']));
    expect(errorsOf({ ...minimal(), version: 2 })).toEqual([{ path: 'version', segments: ['version'], message: 'must be 1, got 2' }]);
    expect(errorsOf({ ...minimal(), version: '1' })[0]?.message).toBe('must be 1, got "1"');
  });

  it('the document itself: not an object, not JSON, too large', () => {
    for (const v of [null, 42, 'scenario', [], undefined, true]) {
      const e = errorsOf(v);
      expect(e).toHaveLength(1);
      expect(e[0]?.path).toBe('');
      expect(e[0]?.message).toMatch(/must be an object/);
    }
    const bad = parseScenario('{ "version": 1, ');
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.errors[0]?.message).toMatch(/is not valid JSON/);
    const huge = parseScenario(' '.repeat(5 * 1024 * 1024));
    expect(huge.ok).toBe(false);
    const ok = parseScenario(JSON.stringify(minimal()));
    expect(ok.ok).toBe(true);
  });

  it('labels are unique and expectations refer to existing actions', () => {
    const doc = minimal();
    doc.steps.push({ do: 'step', label: 'echo' } as never);
    doc.expect.push({ check: 'trace', match: { call: 'write' }, during: 'echo', at: 0 } as never);
    const e = errorsOf(doc);
    expect(e.map((x) => x.path)).toEqual(['steps[3].label', 'expect[1].at']);
    expect(e[0]?.message).toMatch(/duplicates the label of steps\[2\]/);
  });

  it('group peers: members can be named, names cannot collide', () => {
    const doc = { ...minimal(), peers: [{ name: 'p', count: 3 }, { name: 'p2' }] };
    expect(errorsOf(doc).map((x) => `${x.path}: ${x.message}`)).toEqual(['peers[1].name: the name "p2" is already taken by another peer', 'steps[0].peer: is not a peer of this scenario (peers: p)', 'steps[1].peer: is not a peer of this scenario (peers: p)', 'expect[0].peer: is not a peer of this scenario (peers: p)']);
    const ok = { ...minimal(), peers: [{ name: 'p', count: 3 }], steps: [{ do: 'connect', peer: 'p' }, { do: 'write', peer: 'p2', data: 'x' }], expect: [{ check: 'peer', peer: 'p3', receivedBytes: 0 }] };
    expect(errorsOf(ok)).toEqual([]);
  });

  it('a run waits only for state checks', () => {
    const doc = minimal();
    (doc.steps[2] as Record<string, unknown>).until = { check: 'trace', match: { call: 'write' } };
    expect(paths(doc)).toEqual(['steps[2].until.check']);
    (doc.steps[2] as Record<string, unknown>).until = { check: 'peer', peer: 'a', eof: 'yes', at: 1 };
    expect(paths(doc)).toEqual(['steps[2].until.at', 'steps[2].until.eof']);
  });

  it('contrast names another variant', () => {
    expect(paths({ ...minimal(), contrast: { variant: 'edgeloop', explanation: 'x' } })).toEqual(['contrast.variant']);
    expect(paths({ ...minimal(), contrast: { variant: 'day26' } })).toEqual(['contrast.explanation', 'contrast.variant']);
  });

  it('lists errors in a stable order and caps them', () => {
    const doc = { ...minimal(), steps: Array.from({ length: 5000 }, () => ({ do: 'nope' })) };
    const e = errorsOf(doc);
    expect(e.length).toBe(1000);
    expect(e[0]?.path).toBe('steps[0].do');
    expect(errorsOf(doc)).toEqual(e);
  });

  it('never throws for hostile input: getters that throw, cycles, prototypes, huge numbers', () => {
    const getter = minimal() as Record<string, unknown>;
    Object.defineProperty(getter, 'options', { enumerable: true, get: () => { throw new Error('boom'); } });
    const cyclic = minimal() as Record<string, unknown>;
    (cyclic.options as Record<string, unknown>).app = cyclic;
    const proto = JSON.parse('{"version":1,"__proto__":{"polluted":true},"name":"a","title":"t","explanation":"e","options":{"family":"unix","app":"echo"},"peers":[],"steps":[],"expect":[]}');
    const inputs: unknown[] = [
      getter,
      cyclic,
      proto,
      { ...minimal(), options: { family: 'unix', app: { bulk: 1e300 } } },
      { ...minimal(), options: { family: 'unix', app: { bulk: Number.NaN } } },
      { ...minimal(), steps: [{ do: 'constructor' }, { do: 'toString' }, { do: '__proto__' }] },
      { ...minimal(), expect: [{ check: 'trace', match: { args: null } }, { check: 'trace', match: { args: { x: {} } } }] },
      new Proxy({}, { ownKeys: () => { throw new Error('no keys'); } }),
      Object.create(null),
    ];
    for (const input of inputs) {
      const r = validateScenario(input);
      expect(r.ok).toBe(false);
      expect(() => assertScenario(input)).toThrow(ScenarioError);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(paths(proto)).toEqual(['__proto__']);
  });

  it('fuzz: mutated built-in scenarios give errors or a document, never another exception', () => {
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed % n;
    };
    const junk: unknown[] = [-1, 0, 1.5, 'x', '', null, true, [], {}, 2 ** 53, 'EPOLLOUT', { min: 3 }, [1, 'a']];
    const docs = ['large-response-slow-reader', 'accept-storm', 'high-water-mark', 'peer-reset-mid-send'].map(builtinScenario);
    for (let i = 0; i < 400; i++) {
      const doc = JSON.parse(JSON.stringify(docs[rand(docs.length)])) as Record<string, unknown>;
      // Walk down a random path and replace what is there.
      let node: unknown = doc;
      for (let depth = 0; depth < 4; depth++) {
        if (typeof node !== 'object' || node === null) break;
        const keys = Object.keys(node);
        if (keys.length === 0) break;
        const key = keys[rand(keys.length)] as string;
        if (depth === 3 || rand(3) === 0) {
          (node as Record<string, unknown>)[key] = junk[rand(junk.length)];
          break;
        }
        node = (node as Record<string, unknown>)[key];
      }
      let r: ReturnType<typeof validateScenario> | undefined;
      expect(() => {
        r = validateScenario(doc);
      }).not.toThrow();
      if (r && !r.ok) {
        for (const e of r.errors) {
          expect(e.message).toMatch(/\S/);
          expect(typeof e.path).toBe('string');
        }
        try {
          assertScenario(doc);
          expect.unreachable();
        } catch (e) {
          expect(e).toBeInstanceOf(EdgeloopError);
          expect((e as EdgeloopError).code).toBe('ERR_SCENARIO');
        }
      }
    }
  });
});

describe('ScenarioError', () => {
  it('is an EdgeloopError with code ERR_SCENARIO, every error, and the first path as its argument', () => {
    try {
      assertScenario({ ...minimal(), options: { family: 'x', app: 'y' } });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(EdgeloopError);
      const err = e as ScenarioError;
      expect(err.code).toBe('ERR_SCENARIO');
      expect(err.errors.map((x) => x.path)).toEqual(['options.family', 'options.app']);
      expect(err.argument).toBe('options.family');
      expect(err.message).toContain('options.family: must be one of');
      expect(err.message).toContain('options.app: must be');
    }
  });

  it('runScenario validates the document and the knobs before running anything', async () => {
    await expect(runScenario({ version: 1 })).rejects.toBeInstanceOf(ScenarioError);
    await expect(runScenario(minimal(), { options: { variant: 'day27' } as never })).rejects.toMatchObject({
      code: 'ERR_SCENARIO',
      errors: [{ path: 'options.variant' }],
    });
    await expect(runScenario(minimal(), { bogus: 1 } as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG' });
    expect(validateScenarioOptions({ seed: -1, family: 'tcp' })).toMatchObject({ ok: false, errors: [{ path: 'options.seed' }] });
    expect(validateScenarioOptions({ seed: 3 })).toEqual({ ok: true, options: { seed: 3 } });
  });
});
