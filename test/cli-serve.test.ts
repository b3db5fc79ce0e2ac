// `edgeloop serve`: listens, serves real clients, and on SIGTERM or SIGINT
// closes gracefully and exits 0. A taken port is exit 1 with one line.
import { existsSync } from 'node:fs';
import net from 'node:net';
import { describe, expect, it } from 'vitest';

import { closeClient, connect, echoRoundTrip } from './helpers/server.js';
import { finished, runCli, start, startUnder, useCli, waitForLine } from './helpers/cli.js';

const cli = useCli();
const SERVING = /edgeloop: serving (\S+) on 127\.0\.0\.1:(\d+)/;

describe('edgeloop serve', () => {
  it.each([
    ['SIGTERM', ['--threads', '2']],
    ['SIGINT', []],
  ] as const)('echo round trip, then %s: exit 0', async (signal, extra) => {
    const child = start(cli(), ['serve', '--app', 'echo', '--port', '0', ...extra]);
    const done = finished(child, 15_000);
    try {
      const port = Number((await waitForLine(child, SERVING))[2]);
      const s = await connect(port);
      expect(String(await echoRoundTrip(s, new TextEncoder().encode('over the wire')))).toBe('over the wire');
      await closeClient(s);
    } finally {
      child.kill(signal);
    }
    const r = await done;
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`edgeloop: ${signal}, closing`);
    expect(r.stderr).toMatch(/edgeloop: closed; 1 connections, 13 bytes in, 13 bytes out/);
  });

  it.runIf(existsSync('/usr/bin/prlimit'))('out of fds: says how many connections it drops, at most once a second, and serves again after', async () => {
    const child = startUnder(['/usr/bin/prlimit', '--nofile=64:64'], cli(), ['serve', '--app', 'echo', '--port', '0']);
    const done = finished(child, 20_000);
    const clients: net.Socket[] = [];
    try {
      const port = Number((await waitForLine(child, SERVING))[2]);
      for (let i = 0; i < 80; i++) clients.push(await connect(port));
      await waitForLine(child, /edgeloop serve: out of file descriptors: \d+ connections? accepted and closed at once in the last second \(\d+ in all\); raise the limit \(ulimit -n\)/, 10_000, 'stderr');
      for (const c of clients) c.destroy();
      clients.length = 0;
      // With fds free again it serves as before.
      let echoed = '';
      for (let attempt = 0; attempt < 50 && echoed !== 'back'; attempt++) {
        const s = await connect(port);
        echoed = String(await echoRoundTrip(s, new TextEncoder().encode('back')).catch(() => ''));
        await closeClient(s).catch(() => undefined);
        if (echoed !== 'back') await new Promise((r) => setTimeout(r, 50));
      }
      expect(echoed).toBe('back');
    } finally {
      for (const c of clients) c.destroy();
      child.kill('SIGTERM');
    }
    const r = await done;
    expect(r.code).toBe(0);
  }, 30_000);

  it('bulk with --bytes 1m: each client gets 1 MiB, then end of file', async () => {
    const child = start(cli(), ['serve', '--app', 'bulk', '--bytes', '1m', '--port', '0', '--threads', '1']);
    const done = finished(child, 15_000);
    try {
      const [, what, port] = await waitForLine(child, SERVING);
      expect(what).toBe('bulk');
      const s = await connect(Number(port));
      let n = 0;
      s.on('data', (d: Buffer) => (n += d.length));
      await new Promise((resolve) => s.once('end', resolve));
      expect(n).toBe(1 << 20);
      s.destroy();
    } finally {
      child.kill('SIGTERM');
    }
    expect((await done).code).toBe(0);
  });

  it('port in use: exit 1, one line naming the address and EADDRINUSE', async () => {
    const other = net.createServer();
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const port = (other.address() as net.AddressInfo).port;
    try {
      const r = await runCli(cli(), ['serve', '--port', String(port)]);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(`edgeloop serve: 127.0.0.1:${port} is already in use (EADDRINUSE)\n`);
    } finally {
      await new Promise((resolve) => other.close(resolve));
    }
  });
});
