// Explore's generator: a seed is a valid scenario document in the ordinary
// format, the same one every time and the one fast-check's property run
// with that seed tries first (so shrinking starts from the seed's own
// document); filters hold; the schema takes the generated faults and
// invariants sections and rejects bad ones with the field named.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { generateScenario, INVARIANT_NAMES, validateScenario } from '../src/index.js';
import { scenarioArbitrary } from '../src/explore/generate.js';

describe('the generator', () => {
  it('makes a valid document from every seed, ending in a settle under every invariant', () => {
    for (let seed = 0; seed < 300; seed++) {
      const doc = generateScenario({ variant: 'edgeloop' }, seed);
      const v = validateScenario(doc);
      expect(v.ok ? [] : v.errors, `seed ${seed}`).toEqual([]);
      expect(doc.steps.at(-1)?.do).toBe('settle');
      expect(doc.invariants).toEqual([...INVARIANT_NAMES]);
      for (const f of doc.faults ?? []) expect(f.at).toBeLessThan(doc.steps.length - 1);
    }
  });

  it('gives the same document for a seed every time, and the one a property run with that seed tries first', async () => {
    for (const seed of [0, 1, 17, 123456, 0xffffffff]) {
      const filter = { variant: 'edgeloop' as const };
      expect(JSON.stringify(generateScenario(filter, seed))).toBe(JSON.stringify(generateScenario(filter, seed)));
      let first: unknown;
      await fc.check(
        fc.asyncProperty(scenarioArbitrary(filter), async (doc) => {
          first ??= doc;
          return true;
        }),
        { seed, numRuns: 1 },
      );
      expect(JSON.stringify(first)).toBe(JSON.stringify(generateScenario(filter, seed)));
    }
  });

  it('covers what it should: both families, every app, every fault, peers that stop reading, close with unread data, half-close', () => {
    const seen = new Set<string>();
    for (let seed = 0; seed < 400; seed++) {
      const doc = generateScenario({ variant: 'edgeloop' }, seed);
      seen.add(`family:${doc.options.family}`);
      seen.add(`app:${typeof doc.options.app === 'string' ? doc.options.app : 'bulk'}`);
      for (const f of doc.faults ?? []) seen.add(`fault:${f.fault}${f.errno ? `:${f.errno}` : ''}`);
      for (const s of doc.steps) seen.add(`do:${s.do}${s.do === 'shutdown' ? `:${s.how}` : ''}`);
      if (doc.options.trigger === 'level') seen.add('trigger:level');
      if (doc.options.maxConnections !== undefined) seen.add('maxConnections');
    }
    for (const want of [
      'family:unix', 'family:tcp', 'app:echo', 'app:discard', 'app:bulk', 'trigger:level', 'maxConnections',
      'fault:eintr', 'fault:acceptError:EMFILE', 'fault:acceptError:ENFILE', 'fault:acceptError:ECONNABORTED', 'fault:acceptError:ENOMEM',
      'fault:shortWrite', 'fault:spuriousWakeup', 'fault:nofile', 'fault:delayedAck',
      'do:connect', 'do:write', 'do:flood', 'do:stopReading', 'do:resumeReading', 'do:shutdown:WR', 'do:close', 'do:closeWithUnread',
      'do:step', 'do:advance', 'do:stopAccepting', 'do:closeAll', 'do:settle',
    ]) {
      expect(seen, want).toContain(want);
    }
  });

  it('keeps to its filter: family, app, and no level trigger for the tutorial variants', () => {
    for (let seed = 0; seed < 100; seed++) {
      expect(generateScenario({ variant: 'edgeloop', family: 'tcp' }, seed).options.family).toBe('tcp');
      expect(generateScenario({ variant: 'edgeloop', app: 'discard' }, seed).options.app).toBe('discard');
      const day26 = generateScenario({ variant: 'day26-as-written' }, seed);
      expect(day26.options.trigger ?? 'edge').toBe('edge');
      expect(day26.options.variant).toBe('day26-as-written');
    }
  });
});

describe('the faults and invariants sections', () => {
  const base = {
    version: 1,
    name: 'x',
    title: 't',
    explanation: 'e',
    options: { family: 'unix', app: 'echo' },
    peers: [{ name: 'a' }],
    steps: [{ do: 'connect', peer: 'a' }, { do: 'settle' }],
    expect: [],
  };

  it('accepts each fault with its own fields', () => {
    const faults = [
      { fault: 'eintr', at: 0, count: 2 },
      { fault: 'acceptError', at: 0, errno: 'ECONNABORTED' },
      { fault: 'shortWrite', at: 1, peer: 'a', maxBytes: 1, count: 3 },
      { fault: 'spuriousWakeup', at: 1, peer: 'a', events: 'EPOLLIN|EPOLLOUT' },
      { fault: 'nofile', at: 0, limit: 12 },
      { fault: 'delayedAck', at: 0, ms: 36 },
    ];
    const v = validateScenario({ ...base, faults, invariants: ['liveness', 'bytes-intact'] });
    expect(v.ok ? [] : v.errors).toEqual([]);
  });

  it('names the bad field of a bad fault, and every one of them', () => {
    const v = validateScenario({
      ...base,
      faults: [
        { fault: 'eintr' },
        { fault: 'acceptError', at: 0, errno: 'EAGAIN' },
        { fault: 'shortWrite', at: 0, maxBytes: 0 },
        { fault: 'nofile', at: 5, limit: 3 },
        { fault: 'delayedAck', at: 0, ms: 44 },
        { fault: 'meteor', at: 0 },
        { fault: 'eintr', at: 0, peer: 'a' },
      ],
      invariants: ['liveness', 'liveness', 'fast'],
    });
    expect(v.ok).toBe(false);
    const paths = v.ok ? [] : v.errors.map((e) => `${e.path}: ${e.message}`);
    expect(paths).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^faults\[0\]\.at: is required/),
        expect.stringMatching(/^faults\[1\]\.errno: must be one of 'EMFILE', 'ENFILE', 'ECONNABORTED', 'ENOMEM'/),
        expect.stringMatching(/^faults\[2\]\.maxBytes: must be a positive integer/),
        expect.stringMatching(/^faults\[2\]\.peer: is required/),
        expect.stringMatching(/^faults\[3\]\.at: must be an index into steps \(0 to 1\)/),
        expect.stringMatching(/^faults\[3\]\.limit: must be an integer from 8 to 1024/),
        expect.stringMatching(/^faults\[4\]\.ms: must be an integer from 36 to 40/),
        expect.stringMatching(/^faults\[5\]\.fault: must be one of 'eintr'/),
        expect.stringMatching(/^faults\[6\]\.peer: unknown field/),
        expect.stringMatching(/^invariants\[1\]: lists "liveness" twice/),
        expect.stringMatching(/^invariants\[2\]: must be one of 'bytes-intact'/),
      ]),
    );
  });
});
