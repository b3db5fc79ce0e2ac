// The real server binds any IPv4 or IPv6 address the host has, not only
// 127.0.0.0/8: on 0.0.0.0 it serves a client of 127.0.0.1, on ::1 a client
// of ::1 (its address in the '[::1]:PORT' form), on :: both. Clients use
// loopback only. The ::1 cases are skipped, saying why, on a host without
// an IPv6 loopback (asked of node:net, not of edgeloop).
import { describe, expect, it } from 'vitest';

import type { ServerConnection } from '../src/index.js';
import { finished, start as startCli, useCli, waitForLine } from './helpers/cli.js';
import { connectTo, ipv6LoopbackProblem } from './helpers/ipv6.js';
import { closeClient, echoRoundTrip, useServers } from './helpers/server.js';

const start = useServers();
const cli = useCli();
const noIpv6 = await ipv6LoopbackProblem();
const v6Title = (title: string): string => (noIpv6 ? `${title} (skipped: ${noIpv6})` : title);
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

/** One echo round trip from a client of `host` to `port`; the client is closed after. */
async function echoFrom(host: string, port: number, text: string): Promise<string> {
  const s = await connectTo(host, port);
  try {
    return String(await echoRoundTrip(s, bytes(text)));
  } finally {
    await closeClient(s);
  }
}

describe('real server on 0.0.0.0 (every IPv4 address)', () => {
  it.each([0, 2])('threads %i: address() is 0.0.0.0:PORT; a client of 127.0.0.1 is echoed', async (threads) => {
    const { server, port } = await start({ host: '0.0.0.0', port: 0, app: 'echo', threads });
    expect(server.address()).toEqual({ host: '0.0.0.0', port, address: `0.0.0.0:${port}` });
    expect(await echoFrom('127.0.0.1', port, 'to the wildcard')).toBe('to the wildcard');
    expect(server.stats().connectionsTotal).toBe(1);
  });
});

describe.skipIf(noIpv6 !== undefined)(v6Title('real server on ::1'), () => {
  it.each([0, 2])('threads %i: address() is [::1]:PORT; a client of ::1 is echoed', async (threads) => {
    const { server, port } = await start({ host: '::1', port: 0, app: 'echo', threads });
    expect(port).toBeGreaterThan(0);
    expect(server.address()).toEqual({ host: '::1', port, address: `[::1]:${port}` });
    expect(await echoFrom('::1', port, 'over IPv6')).toBe('over IPv6');
    expect(server.stats().connectionsTotal).toBe(1);
  });

  it('JS handlers on ::1 see the connection and echo through it', async () => {
    const seen: number[] = [];
    const { port } = await start({
      host: '::1',
      port: 0,
      app: {
        onConnection: (c: ServerConnection) => seen.push(c.id),
        onMessage: (c: ServerConnection, data: Uint8Array) => c.send(data),
      },
    });
    expect(await echoFrom('::1', port, 'handlers over IPv6')).toBe('handlers over IPv6');
    expect(seen).toEqual([1]);
  });

  it('on :: (every address, IPv4 too: bindv6only is off by default) a client of ::1 and one of 127.0.0.1 are both echoed', async () => {
    const { server, port } = await start({ host: '::', port: 0, app: 'echo' });
    expect(server.address()?.address).toBe(`[::]:${port}`);
    expect(await echoFrom('::1', port, 'six')).toBe('six');
    expect(await echoFrom('127.0.0.1', port, 'four')).toBe('four');
    expect(server.stats().connectionsTotal).toBe(2);
  });

  it('a non-canonical literal is accepted; address() gives inet_ntop\'s form', async () => {
    const { server, port } = await start({ host: '0:0:0:0:0:0:0:1', port: 0, app: 'echo' });
    expect(server.address()).toEqual({ host: '0:0:0:0:0:0:0:1', port, address: `[::1]:${port}` });
    expect(await echoFrom('::1', port, 'x')).toBe('x');
  });

  it('edgeloop serve --host ::1 says [::1]:PORT and serves a client of ::1', async () => {
    const child = startCli(cli(), ['serve', '--host', '::1', '--port', '0']);
    const done = finished(child, 15_000);
    try {
      const [, port] = await waitForLine(child, /edgeloop: serving echo on \[::1\]:(\d+)/);
      expect(await echoFrom('::1', Number(port), 'cli over IPv6')).toBe('cli over IPv6');
    } finally {
      child.kill('SIGTERM');
    }
    const r = await done;
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/edgeloop: closed; 1 connections, 13 bytes in, 13 bytes out/);
  });
});
