// `edgeloop --help` and `edgeloop serve --help` print usage and exit 0; no
// command at all prints usage to stderr and exits 2.
import { describe, expect, it } from 'vitest';

import { runCli, useCli } from './helpers/cli.js';

const cli = useCli();

describe('edgeloop --help', () => {
  it('lists the commands, exit 0', async () => {
    const r = await runCli(cli(), ['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: edgeloop <command> \[options\]/);
    expect(r.stdout).toMatch(/^ {2}serve +run the reactor as a real server/m);
    expect(r.stderr).toBe('');
  });

  it('serve --help (and -h, and help serve): the options, exit 0', async () => {
    for (const args of [['serve', '--help'], ['serve', '-h'], ['help', 'serve']]) {
      const r = await runCli(cli(), args);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout).toMatch(/^Usage: edgeloop serve \[options\]/);
      for (const flag of ['--app', '--bytes', '--port', '--threads', '--host', '--high-water-mark', '--variant', '--trace']) {
        expect(r.stdout).toContain(flag);
      }
    }
  });

  it('no command: usage on stderr, exit 2', async () => {
    const r = await runCli(cli(), []);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^Usage: edgeloop/);
  });
});
