// Command line mistakes: exit 2 with one line on stderr that names the
// problem; nothing is started.
import { describe, expect, it } from 'vitest';

import { runCli, useCli } from './helpers/cli.js';

const cli = useCli();

const cases: Array<[string[], RegExp]> = [
  [['serve', '--bogus'], /^edgeloop serve: unknown option --bogus \(see edgeloop serve --help\)$/],
  [['serve', '--port'], /^edgeloop serve: --port needs a value$/],
  [['serve', '--port', 'abc'], /^edgeloop serve: --port must be a whole number, got 'abc'$/],
  [['serve', '--port', '70000'], /^edgeloop serve: --port must be an integer from 0 to 65535, got 70000$/],
  [['serve', '--app', 'chargen'], /^edgeloop serve: --app must be echo, discard or bulk, got 'chargen'$/],
  [['serve', '--app', 'bulk'], /^edgeloop serve: --app bulk needs --bytes N/],
  [['serve', '--bytes', '10'], /^edgeloop serve: --bytes is only for --app bulk/],
  [['serve', '--threads', 'two'], /^edgeloop serve: --threads must be a whole number, got 'two'$/],
  [['serve', '--high-water-mark', '4x'], /^edgeloop serve: --high-water-mark must be a whole number/],
  [['serve', '--host', 'example.com'], /^edgeloop serve: --host must be an IPv4 or IPv6 address/],
  [['serve', '--host', '[::1]'], /^edgeloop serve: --host must be an IPv4 or IPv6 address .*; an IPv6 address goes without brackets \('::1'\), got "\[::1\]"$/],
  [['serve', '--reuse-port=yes'], /^edgeloop serve: --reuse-port takes no value$/],
  [['serve', '--variant', 'day27'], /^edgeloop serve: --variant must be 'edgeloop' or 'day26-as-written' or 'day25-write-all', got "day27"$/],
  [['serve', '--trigger', 'lt'], /^edgeloop serve: --trigger must be 'edge' or 'level', got "lt"$/],
  [['serve', '--trigger', 'level', '--variant', 'day25-write-all'], /^edgeloop serve: --trigger must be 'edge' with variant 'day25-write-all'/],
  [['serve', 'extra'], /^edgeloop serve: unexpected argument extra/],
  [['serve', '--port', '-5'], /^edgeloop serve: --port must not be negative, got '-5'$/],
  [['serve', '--threads', '-1'], /^edgeloop serve: --threads must not be negative, got '-1'$/],
  [['serve', '--app', 'bulk', '--bytes', '-10'], /^edgeloop serve: --bytes must not be negative, got '-10'$/],
  [['serve', '--high-water-mark', '-64k'], /^edgeloop serve: --high-water-mark must not be negative, got '-64k'$/],
  [['replay', 'builtin:accept-storm', '--seed', '-3'], /^edgeloop replay: --seed must not be negative, got '-3'$/],
  [['explore', '--seeds', '0..5', '--workers', '-2'], /^edgeloop explore: --workers must not be negative, got '-2'$/],
  [['frobnicate'], /^edgeloop: unknown command 'frobnicate' \(commands: serve(, [a-z]+)*; see edgeloop --help\)$/],
];

describe('edgeloop: bad command lines', () => {
  // A well-formed address that is not this host's (the run's network has
  // only lo) is bind's refusal at start: exit 1, the errno said plainly.
  it('--host 10.0.0.1: bind fails with EADDRNOTAVAIL, exit 1', async () => {
    const r = await runCli(cli(), ['serve', '--host', '10.0.0.1', '--port', '0']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      'edgeloop serve: cannot listen on 10.0.0.1:0: bind failed with EADDRNOTAVAIL (10.0.0.1 is not an address of this host)\n',
    );
  });

  it.each(cases)('%j: exit 2, one line', async (args, message) => {
    const r = await runCli(cli(), args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
  });
});
