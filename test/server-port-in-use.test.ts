// listen() on a port that is taken rejects with a clear error: code
// A taken port: code and errno EADDRINUSE (as node:net), naming the address; nothing is left open.
import net from 'node:net';
import { describe, expect, it } from 'vitest';

import { createServer, EdgeloopError, ServerListenError } from '../src/index.js';
import { useServers } from './helpers/server.js';

const start = useServers();

describe('real server, port in use', () => {
  it('taken by another process-level listener (node:net): EADDRINUSE', async () => {
    const other = net.createServer();
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const port = (other.address() as net.AddressInfo).port;
    try {
      const server = createServer({ port, app: 'echo' });
      const err = await server.listen().then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ServerListenError);
      expect(err).toBeInstanceOf(EdgeloopError);
      expect(err).toMatchObject({ code: 'EADDRINUSE', errno: 'EADDRINUSE', syscall: 'bind', argument: 'port' });
      expect((err as Error).message).toBe(`listen(): 127.0.0.1:${port} is already in use (EADDRINUSE)`);
      expect(server.listening).toBe(false);
      expect(server.address()).toBeNull();
      await server.close(); // nothing to close: resolves
    } finally {
      await new Promise((resolve) => other.close(resolve));
    }
  });

  it('taken by another edgeloop server, with threads: EADDRINUSE, and the first one still serves', async () => {
    const { port } = await start({ port: 0, app: 'echo', threads: 2 });
    await expect(createServer({ port, app: 'echo', threads: 2 }).listen()).rejects.toMatchObject({
      code: 'EADDRINUSE',
      errno: 'EADDRINUSE',
    });
    const s = net.connect(port, '127.0.0.1');
    s.write('x');
    expect(String(await new Promise((resolve) => s.once('data', resolve)))).toBe('x');
    s.destroy();
  });

  it('listen() twice, or after close(): ERR_LISTEN', async () => {
    const { server } = await start({ port: 0 });
    await expect(server.listen()).rejects.toMatchObject({ code: 'ERR_LISTEN', message: 'listen(): the server is already listening' });
    await server.close();
    await expect(server.listen()).rejects.toMatchObject({ code: 'ERR_LISTEN', message: 'listen(): the server was closed' });
  });
});
