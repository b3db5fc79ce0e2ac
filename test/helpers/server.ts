// Real-server tests: servers on 127.0.0.1 closed after each test, and real
// clients (node:net sockets) with bounded waits.
import net from 'node:net';
import { afterEach } from 'vitest';

import { createServer, type EdgeloopServer, type ServerOptions } from '../../src/index.js';
import { firstPatternMismatch } from './pattern.js';

/** createServer() whose servers are all closed (briefly) after each test of the calling file. */
export function useServers(): (options: ServerOptions) => Promise<{ server: EdgeloopServer; port: number }> {
  const open: EdgeloopServer[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close({ timeoutMs: 200 })));
  });
  return async (options) => {
    const server = createServer(options);
    open.push(server);
    const { port } = await server.listen();
    return { server, port };
  };
}

/** Resolves once `cond()` holds; rejects after `timeoutMs` naming `what`. */
export async function waitFor(what: string, cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export function connect(port: number, options: { allowHalfOpen?: boolean } = {}): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1', allowHalfOpen: options.allowHalfOpen ?? false });
    s.once('connect', () => {
      s.off('error', reject);
      resolve(s);
    });
    s.once('error', reject);
  });
}

/** Everything the socket receives until its end (or close), and how it ended. */
export interface Received {
  bytes: Buffer;
  ended: boolean;
  error: Error | null;
}

export function collect(s: net.Socket): Promise<Received> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let ended = false;
    let error: Error | null = null;
    s.on('data', (d: Buffer) => chunks.push(d));
    s.on('end', () => {
      ended = true;
    });
    s.on('error', (e) => {
      error = e;
    });
    s.on('close', () => resolve({ bytes: Buffer.concat(chunks), ended, error }));
  });
}

/** Sends `data` and reads until as many bytes came back (or `timeoutMs`). */
export function echoRoundTrip(s: net.Socket, data: Uint8Array, timeoutMs = 5000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`echo: ${got} of ${data.length} bytes after ${timeoutMs} ms`));
    }, timeoutMs);
    const onData = (d: Buffer) => {
      chunks.push(d);
      got += d.length;
      if (got >= data.length) {
        cleanup();
        resolve(Buffer.concat(chunks));
      }
    };
    const onClose = () => {
      cleanup();
      reject(new Error(`echo: connection closed after ${got} of ${data.length} bytes`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      s.off('data', onData);
      s.off('close', onClose);
    };
    s.on('data', onData);
    s.on('close', onClose);
    s.write(data);
  });
}

/** Closes a client and waits until it is closed. */
export function closeClient(s: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    if (s.destroyed) return resolve();
    s.once('close', () => resolve());
    s.end();
    setTimeout(() => s.destroy(), 1000).unref();
  });
}

/**
 * Reads `s` to its end, checking the counting pattern (helpers/pattern.ts) on
 * the fly and keeping nothing. Rejects on a socket error.
 */
export function readPatternToEnd(s: net.Socket): Promise<{ received: number; firstBad: number; ended: boolean }> {
  return new Promise((resolve, reject) => {
    let received = 0;
    let firstBad = -1;
    s.on('data', (d: Buffer) => {
      if (firstBad < 0) firstBad = firstPatternMismatch(d, received);
      received += d.length;
    });
    s.on('end', () => resolve({ received, firstBad, ended: true }));
    s.on('error', reject);
  });
}

/** Distinct bytes per client: a small LCG seeded by `seed`. */
export function distinctBytes(seed: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}
