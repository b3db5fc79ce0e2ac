// Replays that cannot exhaust memory: a scenario file is sized from its
// stat before it is read (a non-regular file is read only up to the limit),
// a UTF-8 byte-order mark is accepted, and a run has budgets (trace records,
// bytes the peers keep, steps) that end it with a failure naming the budget
// and the flag that raises it.
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { MAX_SCENARIO_FILE_BYTES, readScenarioFile, replay } from '../src/cli/replay.js';
import { builtinScenario, runScenario, type Peer } from '../src/index.js';
import { echoScenario } from '../bench/scenarios.js';

const dir = mkdtempSync(join(tmpdir(), 'edgeloop-budgets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await replay(args, { stdout: (t) => void (out += t), stderr: (t) => void (err += t), readFile: readScenarioFile });
  return { code, out, err };
}

describe('reading a scenario file', () => {
  it('refuses a regular file past the limit from its size, without reading it', async () => {
    const big = join(dir, 'big.json');
    writeFileSync(big, '');
    truncateSync(big, MAX_SCENARIO_FILE_BYTES + 1); // sparse: reading it would take a while and the memory
    const t0 = performance.now();
    const r = await cli(big);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(new RegExp(`cannot read .*big\\.json: it is ${MAX_SCENARIO_FILE_BYTES + 1} bytes, more than a scenario may be`));
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('reads a file that is not regular (/dev/zero) only up to the limit', async () => {
    const r = await cli('/dev/zero');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/cannot read \/dev\/zero: it holds more than \d+ bytes/);
  });

  it('refuses a directory with a message, not a crash', async () => {
    const r = await cli(dir);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/it is a directory/);
  });

  it('accepts a UTF-8 byte-order mark', async () => {
    const p = join(dir, 'bom.json');
    writeFileSync(p, `\ufeff${JSON.stringify(builtinScenario('epollout-off-when-drained'))}`);
    const r = await cli(p, '--quiet');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
  });
});

describe('a run’s budgets', () => {
  it('--max-events ends the run with a failure at limits.maxEvents (exit 1)', async () => {
    const r = await cli('builtin:accept-storm', '--quiet', '--max-events', '100');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/first failure: limits\.maxEvents: the trace passed 100 records .* raise limits\.maxEvents \(--max-events\)/);
  });

  it('limits.maxPeerBytes stops peers that keep more than the budget', async () => {
    const doc = builtinScenario('large-response-slow-reader');
    const r = await runScenario(doc, { limits: { maxPeerBytes: 100_000 } });
    expect(r.failures[0]?.path).toBe('limits.maxPeerBytes');
    expect(r.failures[0]?.message).toMatch(/the peers hold \d+ received bytes, more than 100000/);
  });

  it('peers keep the bytes they read only when an expectation reads them (inOrder, text): a counted run is not stopped by maxPeerBytes', async () => {
    // 20 rounds of 4 KiB from each of 40 peers, echoed: 3.2 MiB received, checked by count only.
    const counted = echoScenario(20);
    let peers: Peer[] = [];
    const r = await runScenario(counted, { limits: { maxPeerBytes: 100_000 }, onStep: (i) => (peers = i.sim.peers) });
    expect(r.failures).toEqual([]);
    expect(peers.reduce((a, p) => a + p.receivedBytes, 0)).toBe(40 * 20 * 4096);
    expect(peers.every((p) => !p.keepReceived)).toBe(true);
    expect(() => peers[0]?.received).toThrow(/its received bytes were not kept \(keepReceived is off\); receivedBytes counts them/);
    // The same run with a text check on one peer: that peer keeps its bytes, and the budget counts them.
    const doc = echoScenario(20) as { expect: unknown[] };
    doc.expect.push({ check: 'peer', peer: 'c1', inOrder: false });
    const kept = await runScenario(doc, { limits: { maxPeerBytes: 50_000 }, onStep: (i) => (peers = i.sim.peers) });
    expect(kept.failures[0]?.path).toBe('limits.maxPeerBytes');
    expect(peers.filter((p) => p.keepReceived).map((p) => p.name)).toEqual(['c1']);
  });

  it('a document may set its own, and bad budgets are refused naming the field', async () => {
    const doc = { ...builtinScenario('epollout-off-when-drained'), limits: { maxEvents: 50 } };
    expect((await runScenario(doc)).failures[0]?.path).toBe('limits.maxEvents');
    await expect(runScenario(doc, { limits: { maxEvents: -1 } })).rejects.toThrow(/limits\.maxEvents: must be a positive integer/);
    const bad = await cli('builtin:accept-storm', '--max-peer-bytes', '0');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--max-peer-bytes: must be a positive integer/);
  });
});
