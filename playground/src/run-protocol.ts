// What the run worker answers (run-worker.ts) and how the page asks it (runner.ts).
import type { ActionSpan, CompactTrace, ScenarioFailure, ScenarioIssue, ScenarioOptions } from '../../src/browser.js';
import type { FrameStore } from './frame-list.js';
import type { Frame } from './frames.js';

/**
 * The most events a run made here keeps: the scenario's own limits.maxEvents
 * is lowered to this (a document may allow 50,000,000), so a larger run
 * stops at it and the page shows what ran, instead of running on and
 * throwing the lot away. The import limit (trace-model.ts) leaves room for
 * the step that passes it.
 */
export const MAX_RUN_EVENTS = 1_000_000;

export interface RunOutcome {
  /** The trace as the kernel kept it (the typed arrays transferred, not copied). */
  trace: CompactTrace;
  /** The state after each reactor step (frame-list.ts). */
  frames: FrameStore;
  ok: boolean;
  failures: ScenarioFailure[];
  steps: number;
  actions: ActionSpan[];
  options: ScenarioOptions;
  stoppedAt: number | null;
  /** The run reached the playground's event cap (MAX_RUN_EVENTS) and was stopped there: what ran is shown. */
  capped: boolean;
  /** Wall-clock ms the run took in the worker. */
  ms: number;
  /** Bytes of wasm memory the worker holds after the run (a wasm memory never shrinks). */
  heapBytes: number;
}

/** A run, or the same run again to take the state after each record of [from, to] (exact-frames.ts). */
export type WorkerRequest =
  | { id: number; kind: 'run'; doc: unknown; knobs: Partial<ScenarioOptions> }
  | {
      id: number;
      kind: 'exact';
      doc: unknown;
      knobs: Partial<ScenarioOptions>;
      from: number;
      to: number;
      /** The first run's step boundaries around the window: the run again must reach each step at the same record count, or it is not the same run. */
      checks: Array<{ step: number; records: number }>;
      /** The first run's records in all: a run again that ends (without the page's cap) must have made as many. */
      records: number;
    };

export type WorkerReply =
  | {
      id: number;
      type: 'exact';
      frames: Frame[];
      /** The first record the run again could look at (the ones before are the simulation's setup). */
      firstWatched: number;
      ms: number;
      heapBytes: number;
    }
  | { id: number; type: 'ready' }
  | { id: number; type: 'progress'; steps: number; records: number }
  | ({ id: number; type: 'done' } & RunOutcome)
  | { id: number; type: 'invalid'; errors: ScenarioIssue[] }
  | { id: number; type: 'error'; message: string; heapBytes: number };
