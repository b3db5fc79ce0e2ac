// A client of a real server on the kernel API's linux backend (read(2) and
// write(2) on a nonblocking socket, polled every 2 ms). What node:net cannot
// show: a socket paused when a RST lands reports 'end' to Node, where read(2)
// itself says ECONNRESET (after the bytes that had arrived).
import { openKernel, type Kernel } from '../../src/index.js';

/**
 * A client on the kernel API's linux backend: connect, write, stop and start
 * reading, and what read(2) said last (bytes, 0 for end of file, or an errno).
 */
export class RawClient {
  receivedBytes = 0;
  eof = false;
  error: string | null = null;
  private reading = true;
  private readonly timer: ReturnType<typeof setInterval>;

  private constructor(
    private readonly k: Kernel,
    private readonly fd: number,
  ) {
    this.timer = setInterval(() => this.poll(), 2);
    this.timer.unref();
  }

  static async open(port: number): Promise<RawClient> {
    const k = await openKernel({ backend: 'linux' });
    const fd = k.socket('tcp') as number;
    const r = k.connect(fd, `127.0.0.1:${port}`);
    if (r !== 0 && r !== 'EINPROGRESS') throw new Error(`connect: ${String(r)}`);
    return new RawClient(k, fd);
  }

  write(text: string): void {
    // A few bytes on a fresh connection: the kernel takes them (or, before
    // the handshake is done, the next poll offers them again).
    const data = new TextEncoder().encode(text);
    const r = this.k.write(this.fd, data);
    if (r !== data.length) setTimeout(() => this.write(text), 2);
  }
  pause(): void {
    this.reading = false;
  }
  resume(): void {
    this.reading = true;
  }
  private poll(): void {
    if (!this.reading || this.eof || this.error !== null) return;
    for (;;) {
      const r = this.k.read(this.fd, 1 << 16);
      if (r === 'EAGAIN') return;
      if (typeof r === 'string') {
        this.error = r;
        this.close();
        return;
      }
      if (r.length === 0) {
        this.eof = true;
        this.close();
        return;
      }
      this.receivedBytes += r.length;
    }
  }
  private close(): void {
    clearInterval(this.timer);
    this.k.close(this.fd);
    this.k.dispose();
  }
}
