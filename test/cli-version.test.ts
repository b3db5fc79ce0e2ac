// `edgeloop --version` and `-v` print the version in edgeloop's package.json
// and exit 0: in this checkout, and from a compiled CLI laid out as in the
// package (package.json above the JS).
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { afterEach, describe, expect, it, vi } from 'vitest';

import { main } from '../src/cli/main.js';
import { useCli } from './helpers/cli.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };

describe('edgeloop --version', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('--version and -v: the package version on stdout, exit 0', async () => {
    for (const flag of ['--version', '-v']) {
      const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
      const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
      expect(await main([flag]), flag).toBe(0);
      expect(out.mock.calls.map((c) => String(c[0])).join('')).toBe(`${version}\n`);
      expect(err).not.toHaveBeenCalled();
      vi.restoreAllMocks();
    }
  });

  it('--help names it', async () => {
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    expect(await main(['--help'])).toBe(0);
    expect(out.mock.calls.map((c) => String(c[0])).join('')).toContain("'edgeloop --version' (-v)");
  });

  describe('the compiled command, package.json above it', () => {
    const cli = useCli({ packageJson: true });

    it('prints the version, exit 0', async () => {
      for (const flag of ['--version', '-v']) {
        const r = await promisify(execFile)(process.execPath, [cli(), flag]);
        expect(r.stdout, flag).toBe(`${version}\n`);
        expect(r.stderr).toBe('');
      }
    });
  });
});
