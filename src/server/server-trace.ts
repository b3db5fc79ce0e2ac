// The real server's trace as it comes out of the addon: each drain (a JSON
// array of the reactor's native records, TracingKernel and AppRecorder) is
// given the trace's stable fd names by the same Tracer the kernel API and
// the simulation use, and numbered on from the last drain. One ServerTrace per
// server, fed every drain from listen on, so a name means the same socket
// for the trace file and for every live viewer, whenever it attached.
// Records are handed on and forgotten: a long run does not grow memory.
import { ingestNativeRecord, Tracer } from '../trace.js';
import type { NativeTraceRecord, TraceHeader, TraceRecord } from '../types.js';

/** The records of one drain, and their JSON text (made once, for whoever writes it). */
export class TraceBatch {
  private text: string[] | null = null;
  private spelled: string[] | null = null;

  /** `sites`: the trace's call sites so far (a record may give a site by number). */
  constructor(
    readonly records: readonly TraceRecord[],
    private readonly sites: readonly string[] = [],
  ) {}

  /** One JSON text per record: a trace file's lines (without '\n'). */
  get lines(): readonly string[] {
    this.text ??= this.records.map((r) => JSON.stringify(r));
    return this.text;
  }

  /**
   * The lines with every call site as text: for a live view, whose viewer
   * joins mid-trace (after the records that gave the sites' text) and may
   * miss records when it falls behind.
   */
  get linesWithSiteText(): readonly string[] {
    if (this.spelled === null) {
      const lines = this.lines;
      this.spelled = this.records.map((r, i) => {
        if (typeof r.site !== 'number' && typeof r.origin !== 'number') return lines[i] as string;
        const spelled = { ...r };
        if (typeof r.site === 'number') spelled.site = this.sites[r.site];
        if (typeof r.origin === 'number') spelled.origin = this.sites[r.origin];
        return JSON.stringify(spelled);
      });
    }
    return this.spelled;
  }
}

const EMPTY = new TraceBatch([]);

export class ServerTrace {
  private readonly tracer = new Tracer('linux', null);
  private seq = 0;

  get header(): TraceHeader {
    return this.tracer.header;
  }

  /** The seq of the last record so far (0: none yet). */
  get lastSeq(): number {
    return this.seq;
  }

  /** The trace's name for an open fd ('s3'), or null. */
  nameOf(fd: number): string | null {
    return this.tracer.nameOf(fd);
  }

  /** Names and numbers the records of one drain (the addon's drainTrace() text). */
  ingest(drained: string): TraceBatch {
    if (drained === '[]') return EMPTY;
    for (const r of JSON.parse(drained) as NativeTraceRecord[]) ingestNativeRecord(this.tracer, r);
    const records = this.tracer.drain();
    for (const r of records) r.seq = ++this.seq;
    return new TraceBatch(records, this.tracer.sites.texts);
  }
}
