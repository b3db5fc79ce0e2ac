// Whether this host has an IPv6 loopback (::1) to test on, asked of Node's
// own net module (independent of the code under test): a listener on ::1
// port 0. `npm test`'s network namespace has one when the kernel has IPv6.
import net from 'node:net';

/** Why ::1 cannot be used here, or undefined when it can. */
export function ipv6LoopbackProblem(): Promise<string | undefined> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', (e: NodeJS.ErrnoException) => resolve(`this host has no IPv6 loopback (listen on ::1: ${e.code ?? e.message})`));
    probe.listen(0, '::1', () => probe.close(() => resolve(undefined)));
  });
}

/** A connected node:net client to host:port. */
export function connectTo(host: string, port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port });
    s.once('connect', () => {
      s.off('error', reject);
      resolve(s);
    });
    s.once('error', reject);
  });
}
