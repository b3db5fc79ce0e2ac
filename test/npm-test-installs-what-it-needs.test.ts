// `npm test` is the whole set-up on a fresh machine: scripts/test-setup.mjs
// runs first and installs what the run needs and the machine lacks
// (Debian's chromium for the e2e project, iproute2 for the run's network
// namespace) with apt-get as root or through sudo, and without either stops
// naming the one command to run. Here: its decision from every combination
// of what a machine has, which runs need the browser, and the script's dry
// run on this machine (reports, runs nothing).
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { describe, expect, it } from 'vitest';

import { decide, selectsE2e, vitestArgs } from '../scripts/test-setup.mjs';

const E2E = ['test/e2e/playground.test.ts', 'test/e2e/playground-perf.test.ts'];
const HAS_ALL = { needChromium: true, chromium: true, ip: true, root: true, sudo: false, aptGet: true };

describe('npm test installs what it needs', () => {
  it('package.json: test-setup first, then the linux-reference wrapper around vitest', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.test).toBe('node scripts/test-setup.mjs -- node scripts/linux-reference.mjs vitest run');
  });

  it('nothing missing: runs the tests, installs nothing', () => {
    expect(decide(HAS_ALL)).toEqual({ action: 'run', packages: [] });
    expect(decide({ ...HAS_ALL, root: false })).toEqual({ action: 'run', packages: [] });
  });

  it('no /usr/bin/chromium, root: apt-get update, then apt-get install chromium', () => {
    expect(decide({ ...HAS_ALL, chromium: false })).toEqual({
      action: 'install',
      packages: ['chromium'],
      commands: [['apt-get', 'update'], ['apt-get', 'install', '-y', '--no-install-recommends', 'chromium']],
    });
  });

  it('chromium and ip missing: one install of both', () => {
    const plan = decide({ ...HAS_ALL, chromium: false, ip: false });
    expect(plan.action).toBe('install');
    expect(plan.packages).toEqual(['chromium', 'iproute2']);
  });

  it('not root, with sudo: the same through sudo', () => {
    expect(decide({ ...HAS_ALL, chromium: false, root: false, sudo: true })).toEqual({
      action: 'install',
      packages: ['chromium'],
      commands: [['sudo', 'apt-get', 'update'], ['sudo', 'apt-get', 'install', '-y', '--no-install-recommends', 'chromium']],
    });
  });

  it('not root, no sudo: stops with the one command to run as root', () => {
    const plan = decide({ ...HAS_ALL, chromium: false, root: false, sudo: false });
    expect(plan.action).toBe('stop');
    if (plan.action !== 'stop') return;
    expect(plan.message).toContain('apt-get update && apt-get install -y --no-install-recommends chromium');
    expect(plan.message).toContain('Run as root');
  });

  it('no apt-get: stops, naming what to install and the path the e2e tests launch', () => {
    const plan = decide({ ...HAS_ALL, chromium: false, aptGet: false });
    expect(plan.action).toBe('stop');
    if (plan.action !== 'stop') return;
    expect(plan.message).toContain('/usr/bin/chromium');
    expect(plan.message).toContain('no apt-get');
  });

  it('a run without the e2e project does not need chromium', () => {
    expect(decide({ ...HAS_ALL, needChromium: false, chromium: false, root: false })).toEqual({ action: 'run', packages: [] });
    // ...but still the run's network namespace.
    expect(decide({ ...HAS_ALL, needChromium: false, chromium: false, ip: false }).packages).toEqual(['iproute2']);
  });

  it("which runs include the e2e project (vitest's --project and file filters)", () => {
    const cases: [string[], boolean][] = [
      [[], true],
      [['--project', 'e2e'], true],
      [['--project=e2e'], true],
      [['--project', 'node'], false],
      [['--project=node'], false],
      [['--project', 'node', '--project', 'e2e'], true],
      [['--project', 'e*'], true],
      [['--project=!e2e'], false],
      [['test/cli-help.test.ts'], false],
      [['test/cli-help.test.ts', 'test/e2e/playground.test.ts'], true],
      [['./test/e2e/playground.test.ts:12'], true],
      [['playground'], true], // a substring of test/e2e/playground.test.ts: vitest would run it
      [['test/e2e'], true],
      [['--project', 'node', 'test/e2e/playground.test.ts'], false],
      [['-t', 'e2e', 'test/cli-help.test.ts'], false], // -t takes a value: not a file filter
      [['--retry', '2', 'test/determinism.test.ts'], false],
      [['--reporter=verbose', 'test/determinism.test.ts'], false],
    ];
    for (const [args, expected] of cases) expect(selectsE2e(args, E2E), args.join(' ') || '(no arguments)').toBe(expected);
  });

  it("finds vitest's arguments in the wrapped command", () => {
    expect(vitestArgs(['node', 'scripts/linux-reference.mjs', 'vitest', 'run', '--project', 'node'])).toEqual(['--project', 'node']);
    expect(vitestArgs(['node', 'node_modules/vitest/vitest.mjs', 'run'])).toEqual([]);
    expect(vitestArgs(['node', 'scripts/other.mjs'])).toBeNull();
  });

  it('--dry-run on this machine: reports what it found and would do, runs nothing', async () => {
    const script = fileURLToPath(new URL('../scripts/test-setup.mjs', import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, [
      script, '--dry-run', '--', 'node', 'scripts/linux-reference.mjs', 'vitest', 'run', '--project', 'node', 'test/cli-help.test.ts',
    ]);
    expect(stdout).toMatch(/^test-setup: found \{"needChromium":false,/);
    expect(stdout).toMatch(/^test-setup: (nothing to install|would install iproute2|would stop)/m);
    expect(stdout).toContain('test-setup: then would run: node scripts/linux-reference.mjs vitest run --project node test/cli-help.test.ts');
  });

  it('usage errors: exit 2', async () => {
    const script = fileURLToPath(new URL('../scripts/test-setup.mjs', import.meta.url));
    await expect(promisify(execFile)(process.execPath, [script])).rejects.toMatchObject({ code: 2 });
    await expect(promisify(execFile)(process.execPath, [script, '--bogus', '--', 'true'])).rejects.toMatchObject({ code: 2 });
  });
});
