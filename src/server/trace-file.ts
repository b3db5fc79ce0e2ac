// The real server's trace file: the reactor's native records (TracingKernel
// and AppRecorder), drained from the addon as they come, given the trace's
// stable fd names by the same Tracer the kernel API and the simulation use,
// and written as JSON Lines: the header, then one record per line. Records
// are written and forgotten, so a long run does not grow memory.
import { closeSync, createWriteStream, openSync, type WriteStream } from 'node:fs';

import { EdgeloopError } from '../errors.js';
import { ingestNativeRecord, Tracer } from '../trace.js';
import type { NativeTraceRecord } from '../types.js';

export class TraceFile {
  readonly path: string;
  private readonly tracer = new Tracer('linux', null);
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
  constructor(path: string) {
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
    this.stream.write(`${JSON.stringify(this.tracer.header)}\n`);
  }

  /** Appends the records of one drain (a JSON array of native records). */
  write(drained: string): void {
    if (this.ended || this.error || drained === '[]') return;
    const records = JSON.parse(drained) as NativeTraceRecord[];
    for (const r of records) ingestNativeRecord(this.tracer, r);
    let out = '';
    for (const r of this.tracer.records) {
      r.seq = ++this.seq;
      out += `${JSON.stringify(r)}\n`;
    }
    this.tracer.records.length = 0;
    if (out) this.stream.write(out);
  }

  /** Flushes and closes the file. */
  end(): Promise<void> {
    if (!this.ended) {
      this.ended = new Promise((resolve) => {
        this.stream.end(() => resolve());
        this.stream.once('error', () => resolve());
      });
    }
    return this.ended;
  }
}
