// What every benchmark server process shares with the harness: one line
// "READY <port>" on stdout once listening; then commands on stdin, one per
// line ("stats": a JSON line with the process's view; "gc": a full
// collection, then "ok"); the process exits when stdin closes (so a server
// never outlives the harness) or on SIGTERM.
import { createInterface } from 'node:readline';
import { getHeapSpaceStatistics } from 'node:v8';

export interface Control {
  /** Called for "stats": anything JSON can carry. */
  stats(): Record<string, unknown>;
  close(): Promise<void> | void;
}

export function serve(port: number, control: Control): void {
  process.stdout.write(`READY ${port}\n`);
  let closing = false;
  const stop = (): void => {
    if (closing) return;
    closing = true;
    Promise.resolve(control.close())
      .catch(() => {})
      .finally(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  };
  const rl = createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    const cmd = line.trim();
    if (cmd === 'stats') {
      // The process's own memory beside the server's view (where RSS goes: V8's heap, array buffers, the rest).
      const heapSpaces = Object.fromEntries(getHeapSpaceStatistics().map((h) => [h.space_name, h.space_used_size]));
      process.stdout.write(`${JSON.stringify({ ...control.stats(), process: { ...process.memoryUsage(), heapSpaces } })}\n`);
    } else if (cmd === 'gc') {
      const gc = (globalThis as { gc?: () => void }).gc;
      if (gc) {
        gc();
        gc();
      }
      process.stdout.write('ok\n');
    }
  });
  rl.on('close', stop);
  process.on('SIGTERM', stop);
}

/** --name value pairs from argv. */
export function args(): Map<string, string> {
  const out = new Map<string, string>();
  const argv = process.argv.slice(2);
  for (let i = 0; i + 1 < argv.length; i += 2) out.set(argv[i]!.replace(/^--/, ''), argv[i + 1]!);
  return out;
}

/** The request byte a slow reader sends for the large response; echo clients never send it first. */
export const REQUEST_BYTE = 0x47; // 'G'

/** A buffer of `n` bytes with byte i = i & 0xff (the project's filler pattern). */
export function pattern(n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < 256 && i < n; i++) b[i] = i;
  for (let filled = Math.min(256, n); filled < n; filled *= 2) b.copy(b, filled, 0, Math.min(filled, n - filled));
  return b;
}
