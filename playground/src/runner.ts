// The page's side of the run worker: one worker per lane (compare mode runs
// two scenarios at once), a run at a time per worker; cancel() ends the
// worker (the only way to stop wasm mid-run) and the next run starts a new one.
// So does a run that left the worker's wasm memory large: a wasm memory never
// shrinks, so a run whose reactor buffered hundreds of MiB (a day-26 flood, a
// 256 MiB bulk response) would keep the tab that large for as long as it is
// open; a fresh worker for the next run costs one instantiation of the module.
import type { ScenarioIssue, ScenarioOptions } from '../../src/browser.js';
import type { RunOutcome, WorkerReply, WorkerRequest } from './run-protocol.js';

export class RunInvalid extends Error {
  constructor(readonly errors: ScenarioIssue[]) {
    super(errors.map((e) => `${e.path || '(document)'}: ${e.message}`).join('; '));
    this.name = 'RunInvalid';
  }
}

export class RunCancelled extends Error {
  constructor() {
    super('the run was cancelled');
    this.name = 'RunCancelled';
  }
}

/** A worker whose wasm memory is larger than this after a run is ended (the module starts at 16 MiB; the built-in scenarios take it to 66 MiB, but for the contrast of high-water-mark-close: 237 MiB). */
export const RECYCLE_HEAP_BYTES = 128 * 1024 * 1024;
/**
 * A worker whose run made more trace records than this is ended too: its JS
 * heap grew with the run (a million-event run left the worker ~150 MB that
 * V8 keeps), and a fresh worker costs one module instantiation.
 */
export const RECYCLE_EVENTS = 250_000;

interface Pending {
  id: number;
  resolve: (o: RunOutcome) => void;
  reject: (e: Error) => void;
  onProgress?: (steps: number, records: number) => void;
}

export class Runner {
  private worker: Worker | null = null;
  private pending: Pending | null = null;
  private nextId = 1;
  /** Workers started so far (the e2e tests read it). */
  workersStarted = 0;

  private ensure(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(new URL('./run-worker.ts', import.meta.url), { type: 'module', name: 'edgeloop-run' });
    w.addEventListener('message', (ev: MessageEvent<WorkerReply>) => this.onMessage(ev.data));
    w.addEventListener('error', (ev) => {
      ev.preventDefault();
      this.fail(new Error(`the simulation worker failed: ${ev.message || 'unknown error'}`));
      this.stop();
    });
    this.worker = w;
    this.workersStarted++;
    return w;
  }

  private onMessage(m: WorkerReply): void {
    const p = this.pending;
    if (!p || m.id !== p.id) return;
    switch (m.type) {
      case 'progress':
        p.onProgress?.(m.steps, m.records);
        return;
      case 'done': {
        this.pending = null;
        const { id: _id, type: _type, ...outcome } = m;
        this.recycleIfLarge(m.heapBytes, m.trace.columns.seq.length);
        p.resolve(outcome);
        return;
      }
      case 'invalid':
        this.pending = null;
        p.reject(new RunInvalid(m.errors));
        return;
      case 'error':
        this.pending = null;
        this.recycleIfLarge(m.heapBytes, 0);
        p.reject(new Error(m.message));
        return;
      case 'exact':
        return;
    }
  }

  /** Ends the worker (between runs) if its wasm memory grew past RECYCLE_HEAP_BYTES or its run past RECYCLE_EVENTS: the next run starts a fresh one. */
  private recycleIfLarge(heapBytes: number, events: number): void {
    if (heapBytes > RECYCLE_HEAP_BYTES || events > RECYCLE_EVENTS) this.stop();
  }

  /** Whether a worker is alive (and holding its wasm memory). */
  get alive(): boolean {
    return this.worker !== null;
  }

  private fail(e: Error): void {
    const p = this.pending;
    this.pending = null;
    p?.reject(e);
  }

  private stop(): void {
    this.worker?.terminate();
    this.worker = null;
  }

  get busy(): boolean {
    return this.pending !== null;
  }

  /** Runs `doc` with knob overrides; a run still going is cancelled first. */
  run(doc: unknown, knobs: Partial<ScenarioOptions>, onProgress?: (steps: number, records: number) => void): Promise<RunOutcome> {
    this.cancel();
    const id = this.nextId++;
    const w = this.ensure();
    return new Promise<RunOutcome>((resolve, reject) => {
      this.pending = { id, resolve, reject, onProgress };
      w.postMessage({ id, kind: 'run', doc, knobs } satisfies WorkerRequest);
    });
  }

  cancel(): void {
    if (!this.pending) return;
    this.stop();
    this.fail(new RunCancelled());
  }
}
