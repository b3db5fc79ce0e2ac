// The day-26 variant's send_buf_ (native/reactor/variants/tutorial_buffer.h)
// must cost linear time in what passes through it: the tutorial's makeSpace
// moved every readable byte on each Append once a few KiB had been sent, so a
// flooding peer made a run O(steps^2) (a 313,082-event day26 flood took 3.2 s
// native and 8.7 s wasm, 5x the time of a run a third its size). Counted,
// not timed: g++ builds test/native/tutorial_buffer_check.cc with the class,
// which checks it against the tutorial's Buffer as written (sizes, indexes,
// and the bytes that Retrieve(-1) exposes) and counts the bytes each moves
// inside itself during a flood of N and 3N steps.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');
let dir: string;
let bin: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'edgeloop-tutorial-buffer-'));
  bin = path.join(dir, 'check');
  execFileSync(
    'g++',
    ['-std=c++17', '-O1', '-Wall', '-Wextra', '-Wconversion', '-Wshadow', '-Werror', '-o', bin, 'test/native/tutorial_buffer_check.cc', 'native/reactor/variants/tutorial_buffer.cc'],
    { cwd: ROOT, stdio: 'pipe' },
  );
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const run = (...args: string[]): unknown => JSON.parse(execFileSync(bin, args, { encoding: 'utf8' }));

describe("day 26's send_buf_ (TutorialBuffer)", () => {
  it("behaves as the tutorial's Buffer: sizes, indexes, bytes, Retrieve(-1)", () => {
    expect(run('model')).toEqual({ model: 'same' });
  });

  it('moves a bounded number of bytes per byte appended, however long the flood', () => {
    const r = run() as { steps: [number, number]; movedPerByteAppended: { ours: [number, number]; tutorial: [number, number] } };
    console.log(`bytes moved per byte appended, ${r.steps[0]} and ${r.steps[1]} steps: ours ${r.movedPerByteAppended.ours.join(' -> ')}, the tutorial's ${r.movedPerByteAppended.tutorial.join(' -> ')}`);
    const [n, n3] = r.movedPerByteAppended.ours;
    // The renumbered makeSpace moves nothing; the moves left (reclaiming the
    // dead front, growing the storage) are at most about two per byte.
    expect(n).toBeLessThan(3);
    expect(n3).toBeLessThan(3);
    expect(n3).toBeLessThanOrEqual(n * 1.2);
    // The check sees the quadratic cost where it is: the tutorial's own
    // Buffer moves ~3x as much per byte over a 3x longer flood.
    const [t, t3] = r.movedPerByteAppended.tutorial;
    expect(t3 / t).toBeGreaterThan(2.5);
  });
});
