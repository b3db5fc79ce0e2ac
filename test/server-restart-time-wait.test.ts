// Restart: a server that served a client and closed gracefully leaves its
// side of that connection in TIME_WAIT on the server's port (the server sent
// the first FIN). Without SO_REUSEADDR a new listener on that port got
// EADDRINUSE for about 60 s; the real server's listener has SO_REUSEADDR
// (as Node's and muduo's), so listening again at once succeeds. The test
// checks that the TIME_WAIT is really there (/proc/net/tcp), and that a
// plain socket without SO_REUSEADDR is still refused, so it proves the
// option and not an empty port.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

import { createServer, openKernel } from '../src/index.js';
import { finished, start as startCli, useCli, waitForLine } from './helpers/cli.js';
import { connectTo, ipv6LoopbackProblem } from './helpers/ipv6.js';
import { closeClient, echoRoundTrip } from './helpers/server.js';

const cli = useCli();
const noIpv6 = await ipv6LoopbackProblem();
const TIME_WAIT = '06';

/** Sockets in TIME_WAIT whose local port is `port` (IPv4 and IPv6 tables). */
function timeWaitOn(port: number): number {
  let n = 0;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue; // no IPv6 table on a host without IPv6
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 4) continue;
      const local = f[1] as string;
      if (f[3] === TIME_WAIT && parseInt(local.slice(local.lastIndexOf(':') + 1), 16) === port) n++;
    }
  }
  return n;
}

/**
 * A client's echo round trip. Resolves once the echo is back with the
 * client's close, still to come: the client closes only after the server's
 * FIN (node:net ends its side then, allowHalfOpen off), so the TIME_WAIT is
 * on the server's side.
 */
async function serveOneClient(host: string, port: number): Promise<{ closed: Promise<void> }> {
  const s = await connectTo(host, port);
  const closed = new Promise<void>((resolve) => s.once('close', () => resolve()));
  expect(String(await echoRoundTrip(s, new TextEncoder().encode('before the restart')))).toBe('before the restart');
  return { closed };
}

/** What bind() of a plain socket on `addr` without SO_REUSEADDR says (the linux kernel API). */
async function plainBind(addr: string, reuseAddr: boolean): Promise<number | string> {
  const k = await openKernel({ backend: 'linux' });
  try {
    const fd = k.socket('tcp') as number;
    if (reuseAddr) expect(k.setsockopt(fd, 'SO_REUSEADDR', 1)).toBe(0);
    return k.bind(fd, addr);
  } finally {
    k.dispose();
  }
}

const CASES: Array<[string, string, string | undefined]> = [
  ['127.0.0.1', '127.0.0.1', undefined],
  ['::1', '::1', noIpv6],
];

describe('restart on the same port while the last run is in TIME_WAIT', () => {
  for (const [host, client, skip] of CASES) {
    it.skipIf(skip !== undefined)(`${host}: listen again at once succeeds${skip ? ` (skipped: ${skip})` : ''}`, async () => {
      const first = createServer({ host, port: 0, app: 'echo' });
      const { port, address } = await first.listen();
      const { closed } = await serveOneClient(client, port);
      // The graceful close shuts the connection down first (the server's FIN).
      await first.close({ timeoutMs: 2000 });
      await closed;
      expect(first.stats().connectionsTotal).toBe(1);
      expect(timeWaitOn(port)).toBeGreaterThan(0);
      // The port is really held: a socket without SO_REUSEADDR is refused, one with it is not.
      expect(await plainBind(address, false)).toBe('EADDRINUSE');
      expect(await plainBind(address, true)).toBe(0);

      const second = createServer({ host, port, app: 'echo' });
      try {
        expect((await second.listen()).port).toBe(port);
        const s = await connectTo(client, port);
        expect(String(await echoRoundTrip(s, new TextEncoder().encode('after')))).toBe('after');
        await closeClient(s);
      } finally {
        await second.close({ timeoutMs: 500 });
      }
    });
  }

  it('edgeloop serve: stop with SIGTERM after a client, start again on the port at once', async () => {
    const SERVING = /edgeloop: serving echo on 127\.0\.0\.1:(\d+)/;
    const one = startCli(cli(), ['serve', '--port', '0']);
    const oneDone = finished(one, 15_000);
    let port = 0;
    let stopped = false;
    try {
      port = Number((await waitForLine(one, SERVING))[1]);
      const s = await connectTo('127.0.0.1', port);
      expect(String(await echoRoundTrip(s, new TextEncoder().encode('first run')))).toBe('first run');
      const closed = new Promise((resolve) => s.once('close', resolve));
      stopped = one.kill('SIGTERM');
      await closed;
    } finally {
      if (!stopped) one.kill('SIGTERM');
    }
    expect((await oneDone).code).toBe(0);
    expect(timeWaitOn(port)).toBeGreaterThan(0);

    const two = startCli(cli(), ['serve', '--port', String(port)]);
    const twoDone = finished(two, 15_000);
    try {
      expect(Number((await waitForLine(two, SERVING))[1])).toBe(port);
      const s = await connectTo('127.0.0.1', port);
      expect(String(await echoRoundTrip(s, new TextEncoder().encode('second run')))).toBe('second run');
      await closeClient(s);
    } finally {
      two.kill('SIGTERM');
    }
    expect((await twoDone).code).toBe(0);
  });
});
