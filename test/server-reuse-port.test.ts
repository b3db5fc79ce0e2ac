// reusePort (SO_REUSEPORT, opt-in): several servers listen on one port and
// the kernel spreads new connections among them, the way one machine's
// server scales past one process. Without it on both, the second gets
// EADDRINUSE. Loopback only.
import { describe, expect, it } from 'vitest';

import { createServer, ServerListenError } from '../src/index.js';
import { finished, start as startCli, useCli, waitForLine } from './helpers/cli.js';
import { connectTo } from './helpers/ipv6.js';
import { closeClient, echoRoundTrip, useServers, waitFor } from './helpers/server.js';

const start = useServers();
const cli = useCli();
const CLIENTS = 32;

/** CLIENTS echo round trips to 127.0.0.1:port, one connection each. */
async function echoClients(port: number): Promise<void> {
  for (let i = 0; i < CLIENTS; i++) {
    const s = await connectTo('127.0.0.1', port);
    expect(String(await echoRoundTrip(s, new TextEncoder().encode(`client ${i}`)))).toBe(`client ${i}`);
    await closeClient(s);
  }
}

describe('reusePort', () => {
  it('two servers with reusePort listen on the same port and both serve (the kernel spreads connections)', async () => {
    const a = await start({ port: 0, app: 'echo', reusePort: true });
    const b = await start({ port: a.port, app: 'echo', reusePort: true, threads: 1 });
    expect(b.port).toBe(a.port);
    await echoClients(a.port);
    const served = [a.server.stats().connectionsTotal, b.server.stats().connectionsTotal];
    expect(served[0]! + served[1]!).toBe(CLIENTS);
    // SO_REUSEPORT hashes each connection's addresses and ports: 32 in one
    // group would be a 2^-31 chance.
    expect(served[0]).toBeGreaterThan(0);
    expect(served[1]).toBeGreaterThan(0);
    // Once one closes, the other takes every connection.
    await a.server.close({ timeoutMs: 500 });
    const before = b.server.stats().connectionsTotal;
    await echoClients(a.port);
    expect(b.server.stats().connectionsTotal).toBe(before + CLIENTS);
  });

  it('without reusePort the second server gets EADDRINUSE', async () => {
    const a = await start({ port: 0, app: 'echo' });
    const err = await createServer({ port: a.port, app: 'echo' }).listen().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServerListenError);
    expect(err).toMatchObject({ code: 'EADDRINUSE', errno: 'EADDRINUSE', syscall: 'bind', argument: 'port' });
    expect((err as Error).message).toBe(`listen(): 127.0.0.1:${a.port} is already in use (EADDRINUSE)`);
  });

  it('reusePort on one server only: the other is refused either way, and the message says why', async () => {
    const a = await start({ port: 0, app: 'echo' });
    const err = await createServer({ port: a.port, app: 'echo', reusePort: true }).listen().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'EADDRINUSE', errno: 'EADDRINUSE' });
    expect((err as Error).message).toBe(
      `listen(): 127.0.0.1:${a.port} is already in use (EADDRINUSE) (with reusePort, every server on the port must set it, as the same user)`,
    );
    const c = await start({ port: 0, app: 'echo', reusePort: true });
    await expect(createServer({ port: c.port, app: 'echo' }).listen()).rejects.toMatchObject({ errno: 'EADDRINUSE' });
  });

  it('edgeloop serve --reuse-port: two processes on one port both start and both serve', async () => {
    const SERVING = /edgeloop: serving echo on 127\.0\.0\.1:(\d+) \((?:\d sub-reactor thread; )?SO_REUSEPORT\)/;
    const one = startCli(cli(), ['serve', '--port', '0', '--reuse-port']);
    const oneDone = finished(one, 20_000);
    let twoDone: ReturnType<typeof finished> | undefined;
    let two: ReturnType<typeof startCli> | undefined;
    try {
      const port = Number((await waitForLine(one, SERVING))[1]);
      two = startCli(cli(), ['serve', '--port', String(port), '--reuse-port', '--threads', '1']);
      twoDone = finished(two, 20_000);
      expect(Number((await waitForLine(two, SERVING))[1])).toBe(port);
      await echoClients(port);
    } finally {
      one.kill('SIGTERM');
      two?.kill('SIGTERM');
    }
    const counts = await Promise.all([oneDone, twoDone!].map(async (done) => {
      const r = await done;
      expect(r.code).toBe(0);
      const m = /edgeloop: closed; (\d+) connections/.exec(r.stderr);
      expect(m).not.toBeNull();
      return Number(m![1]);
    }));
    expect(counts[0]! + counts[1]!).toBe(CLIENTS);
    expect(counts[0]).toBeGreaterThan(0);
    expect(counts[1]).toBeGreaterThan(0);
  });

  it('edgeloop serve without --reuse-port on a port another --reuse-port server holds: exit 1, EADDRINUSE', async () => {
    const one = startCli(cli(), ['serve', '--port', '0', '--reuse-port']);
    const oneDone = finished(one, 15_000);
    try {
      const port = Number((await waitForLine(one, /serving echo on 127\.0\.0\.1:(\d+)/))[1]);
      const second = startCli(cli(), ['serve', '--port', String(port)]);
      const r = await finished(second, 10_000);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`edgeloop serve: 127.0.0.1:${port} is already in use (EADDRINUSE)\n`);
      await waitFor('the first server to be still up', () => one.exitCode === null, 100);
    } finally {
      one.kill('SIGTERM');
    }
    expect((await oneDone).code).toBe(0);
  });
});
