// The state up to any one event of a run made here, exact. A run's frames
// are the state after each reactor step, so inside a step (and among the
// peers' calls between two) the gauges and the ready list would lag the
// cursor. Keeping a frame per event would cost a frame per event (8 KB a
// step already); instead this asks a worker to run the same scenario again
// — the simulation is deterministic: the same document, knobs and seed make
// the same trace, which the worker checks at every step boundary around the
// window and at the run's end — and to take the state up to each record of
// a window around the cursor (runScenario's watch: the reactor probed
// between two of its records). What comes back is
// kept (bounded), so stepping through the window is instant; a new window
// costs a run to its end, a few ms for a built-in and seconds at a million
// events, meanwhile the step's frame is shown with a note saying so.
import type { ScenarioOptions } from '../../src/browser.js';
import type { FrameList } from './frame-list.js';
import type { Frame } from './frames.js';
import type { WorkerReply, WorkerRequest } from './run-protocol.js';
import { startRunWorker } from './run-worker-start.js';

/**
 * A worker that ran again is ended at once when its wasm memory passed this
 * (the module starts at 16 MiB; the built-in scenarios take it to 66 MiB,
 * but for the contrast of high-water-mark-close: 237 MiB)...
 */
export const RECYCLE_HEAP_BYTES = 128 * 1024 * 1024;
/** ...or its run passed this many records (its JS heap grew with the run: a million-event run left a worker ~150 MB that V8 keeps). */
export const RECYCLE_EVENTS = 250_000;

/** Records taken per run again: the cursor's neighbours come with it. */
export const EXACT_WINDOW = 160;
/** A worker idle this long is ended (moving about a step keeps it; leaving it costs ~20 ms to start again). */
export const EXACT_IDLE_MS = 5000;
/**
 * Above this many events a run again takes long (about 3 s at a million):
 * it starts only once the cursor has rested EXACT_REST_MS, so moving
 * through a long run does not start (and drop) one per key press.
 */
export const EXACT_REST_ABOVE = 50_000;
export const EXACT_REST_MS = 250;
/** States kept per run (the oldest go first): five windows; a state of 40 connections is some 20 KB of objects. */
export const EXACT_KEPT = 5 * EXACT_WINDOW;

interface Job {
  id: number;
  from: number;
  to: number;
}

export class ExactFrames {
  /** The state up to each record taken; null: the simulation's setup, made before the run again could look (before the scenario's first action). */
  private readonly kept = new Map<number, Frame | null>();
  private worker: Worker | null = null;
  private running: Job | null = null;
  /** The latest window asked for while one ran (older asks are dropped: the cursor moved on). */
  private next: Job | null = null;
  private nextId = 1;
  /** A window waiting for the cursor to rest (EXACT_REST_ABOVE). */
  private resting: ReturnType<typeof setTimeout> | null = null;
  private restingFor: Job | null = null;
  /** Ends an idle worker (it holds the tab's memory): the next window starts a fresh one. */
  private idle: ReturnType<typeof setTimeout> | null = null;
  /** Why the state could not be computed (the worker failed, or the run again differed), or null. */
  failed: string | null = null;
  /** Runs again made so far and their total ms (the e2e test reads them). */
  runs = 0;
  runMs = 0;
  /** Called when frames arrive (the side shows its cursor again). */
  onReady: () => void = () => {};

  constructor(
    private readonly doc: unknown,
    private readonly knobs: Partial<ScenarioOptions>,
    private readonly frames: FrameList,
    private readonly n: number,
  ) {}

  /** The state after record `i`, if taken. */
  get(i: number): Frame | undefined {
    return this.kept.get(i) ?? undefined;
  }

  /** Whether the run again was made for record `i` and has no state for it (the simulation's setup, made before the scenario's first action). */
  unavailable(i: number): boolean {
    return this.kept.get(i) === null;
  }

  /** Whether the state after record `i` is being computed. */
  computing(i: number): boolean {
    const inside = (j: Job | null): boolean => j !== null && i >= j.from && i <= j.to;
    return this.failed === null && (inside(this.running) || inside(this.next));
  }

  /** Whether the state up to record `i` waits for the cursor to rest before it is computed (a long run). */
  waiting(i: number): boolean {
    const j = this.restingFor;
    return this.failed === null && j !== null && i >= j.from && i <= j.to;
  }

  /** Asks for the state after record `i` (and its neighbours), unless it is kept or on its way. */
  want(i: number): void {
    if (this.failed !== null || i < 0 || i >= this.n || this.kept.has(i) || this.computing(i) || this.waiting(i)) return;
    const from = Math.max(0, i - (EXACT_WINDOW >> 2));
    const job: Job = { id: this.nextId++, from, to: Math.min(this.n - 1, from + EXACT_WINDOW - 1) };
    if (this.n > EXACT_REST_ABOVE) {
      if (this.resting !== null) clearTimeout(this.resting);
      this.restingFor = job;
      this.resting = setTimeout(() => {
        this.resting = null;
        this.restingFor = null;
        this.ask(job);
      }, EXACT_REST_MS);
      return;
    }
    this.ask(job);
  }

  private ask(job: Job): void {
    if (this.failed !== null) return;
    if (this.running) this.next = job;
    else this.start(job);
  }

  private start(job: Job): void {
    if (this.idle !== null) clearTimeout(this.idle);
    this.idle = null;
    this.running = job;
    // Every step boundary from the one at or before the window to the one after it: the run again must meet each.
    const checks: Array<{ step: number; records: number }> = [];
    const last = Math.min(this.frames.length - 1, this.frames.frameAt(job.to) + 1);
    for (let k = this.frames.frameAt(job.from); k <= last; k++) checks.push({ step: this.frames.stepAt(k), records: this.frames.recordsAt(k) });
    const w = this.ensure();
    const req: WorkerRequest = { id: job.id, kind: 'exact', doc: this.doc, knobs: this.knobs, from: job.from, to: job.to, checks, records: this.n };
    w.postMessage(req);
  }

  private ensure(): Worker {
    if (this.worker) return this.worker;
    const w = startRunWorker(
      'edgeloop-exact',
      (m) => this.onMessage(m),
      (why) => this.fail(`the worker failed: ${why}`),
    );
    this.worker = w;
    return w;
  }

  private onMessage(m: WorkerReply): void {
    const job = this.running;
    if (!job || m.id !== job.id) return;
    if (m.type === 'error') {
      this.fail(m.message);
      return;
    }
    if (m.type !== 'exact') return;
    this.running = null;
    this.runs++;
    this.runMs += m.ms;
    const got = new Map(m.frames.map((f) => [f.records - 1, f]));
    // A record past the setup with no state: the run again was not the run shown.
    for (let i = Math.max(job.from, m.firstWatched); i <= job.to; i++) {
      if (!got.has(i)) {
        this.fail(`the run made again gave no state for event #${i + 1}`);
        return;
      }
    }
    // Every record of the window is answered, with its state or (the setup) with none: never asked again.
    for (let i = job.from; i <= job.to; i++) {
      this.kept.delete(i);
      this.kept.set(i, got.get(i) ?? null);
    }
    for (const old of this.kept.keys()) {
      if (this.kept.size <= EXACT_KEPT) break;
      this.kept.delete(old);
    }
    // A worker that ran far (or grew its wasm memory) is ended: a wasm memory never shrinks.
    if (m.heapBytes > RECYCLE_HEAP_BYTES || job.to > RECYCLE_EVENTS) this.stopWorker();
    const next = this.next;
    this.next = null;
    if (next) this.start(next);
    else if (this.worker) this.idle = setTimeout(() => this.stopWorker(), EXACT_IDLE_MS);
    this.onReady();
  }

  private fail(why: string): void {
    this.failed = why;
    this.running = null;
    this.next = null;
    this.stopWorker();
    this.onReady();
  }

  private stopWorker(): void {
    if (this.idle !== null) clearTimeout(this.idle);
    this.idle = null;
    this.worker?.terminate();
    this.worker = null;
  }

  /** Ends the worker (the session is gone). */
  dispose(): void {
    if (this.resting !== null) clearTimeout(this.resting);
    this.resting = null;
    this.restingFor = null;
    this.stopWorker();
    this.running = null;
    this.next = null;
    this.onReady = () => {};
  }
}
