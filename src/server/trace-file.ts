// The real server's trace file: the reactor's records as ServerTrace names
// and numbers them, written as JSON Lines: the header, then one record per
// line. Records are written and forgotten, so a long run does not grow memory.
import { closeSync, createWriteStream, openSync, type WriteStream } from 'node:fs';

import { EdgeloopError } from '../errors.js';
import type { TraceHeader } from '../types.js';
import type { TraceBatch } from './server-trace.js';

export class TraceFile {
  readonly path: string;
  private readonly stream: WriteStream;
  private seq = 0;
  private ended: Promise<void> | null = null;
  /** The first write error (ENOSPC...): the file ends where it happened. */
  error: Error | null = null;

  /** Records written so far. */
  get written(): number {
    return this.seq;
  }

  /** Opens (truncates) `path` at once, so a bad path fails listen() rather than later. */
  constructor(path: string, header: TraceHeader) {
    this.path = path;
    let fd: number;
    try {
      fd = openSync(path, 'w');
    } catch (e) {
      throw new EdgeloopError('ERR_INVALID_ARG', `createServer(): "trace": cannot open ${path}: ${(e as Error).message}`, {
        argument: 'trace',
        cause: e,
      });
    }
    try {
      this.stream = createWriteStream('', { fd, autoClose: true });
    } catch (e) {
      closeSync(fd);
      throw e;
    }
    // A write error (disk full) must not take the server down; it ends the
    // trace, and `error` says so (serve prints it, stats() callers can look).
    this.stream.on('error', (e: Error) => {
      this.error ??= e;
    });
    this.stream.write(`${JSON.stringify(header)}\n`);
  }

  /** Appends the records of one drain. */
  write(batch: TraceBatch): void {
    if (this.ended || this.error || batch.records.length === 0) return;
    this.seq += batch.records.length;
    this.stream.write(`${batch.lines.join('\n')}\n`);
  }

  /** Flushes and closes the file. */
  end(): Promise<void> {
    if (!this.ended) {
      this.ended = new Promise((resolve) => {
        // end()'s callback may come before the 'error' event of a write that
        // failed (/dev/full under load): the stream's own record of it counts too.
        const done = (): void => {
          this.error ??= this.stream.errored ?? null;
          resolve();
        };
        this.stream.end(done);
        this.stream.once('error', done);
      });
    }
    return this.ended;
  }
}
