// The page's side of the run worker: one worker per lane (compare mode runs
// two scenarios at once), a run at a time per worker; cancel() ends the
// worker (the only way to stop wasm mid-run) and the next run starts a new one.
// So does every run, once it is over: an idle worker held on to about
// 100 MiB of the tab (its V8 heap and a wasm memory, which never shrinks:
// after a day-26 flood or a 256 MiB bulk response, hundreds of MiB more),
// while a fresh worker for the next run costs one instantiation of the
// module (about 20 ms).
import type { ScenarioIssue, ScenarioOptions } from '../../src/browser.js';
import type { RunOutcome, WorkerReply, WorkerRequest } from './run-protocol.js';
import { startRunWorker } from './run-worker-start.js';

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
    const w = startRunWorker(
      'edgeloop-run',
      (m) => this.onMessage(m),
      (why) => {
        this.fail(new Error(`the simulation worker failed: ${why}`));
        this.stop();
      },
    );
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
        this.stop();
        p.resolve(outcome);
        return;
      }
      case 'invalid':
        this.pending = null;
        this.stop();
        p.reject(new RunInvalid(m.errors));
        return;
      case 'error':
        this.pending = null;
        this.stop();
        p.reject(new Error(m.message));
        return;
      case 'exact':
        return;
    }
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
