// Runs a scenario on the wasm engine off the page's thread, so a long run
// never freezes the page (and can be cancelled by ending the worker).
// Messages: in { id, doc, knobs }; out progress, done, invalid, error.
import { runScenario, ScenarioError, type ScenarioOptions } from '../../src/browser.js';
import { wasmHeapBytes } from '../../src/backends/wasm.js';
import { FrameStoreBuilder, transferablesOf } from './frame-list.js';
import { captureFrame } from './frames.js';
import { TRACE_LIMITS } from './trace-model.js';
import type { WorkerReply } from './run-protocol.js';

interface RunRequest {
  id: number;
  doc: unknown;
  knobs: Partial<ScenarioOptions>;
}

const post = (m: WorkerReply, transfer: Transferable[] = []): void => (self as unknown as Worker).postMessage(m, transfer);

/**
 * A page holds the whole trace and a frame per step: past this many events a
 * run is stopped (a scenario may legally take 2,000,000 steps, more than a
 * tab's memory can show). Matches the import limit (trace-model.ts).
 */
export const MAX_RUN_EVENTS = TRACE_LIMITS.maxRecords;

class TooLarge extends Error {}

self.addEventListener('message', (ev: MessageEvent<RunRequest>) => {
  const { id, doc, knobs } = ev.data;
  void (async () => {
    const started = performance.now();
    const frames = new FrameStoreBuilder();
    frames.push({ step: 0, records: 0, action: -1, time: 0, ready: [], interest: [], conns: [] });
    let lastPost = started;
    try {
      const r = await runScenario(doc, {
        options: knobs,
        onStep: (info) => {
          if (info.records > MAX_RUN_EVENTS) {
            throw new TooLarge(
              `the run passed ${MAX_RUN_EVENTS.toLocaleString('en-US')} events at reactor step ${info.step}, more than the playground shows: lower limits.maxSteps or the byte counts`,
            );
          }
          frames.push(captureFrame(info.sim, info.step, info.records, info.action));
          const now = performance.now();
          if (now - lastPost > 150) {
            lastPost = now;
            post({ id, type: 'progress', steps: info.step, records: info.records });
          }
        },
      });
      const store = frames.finish();
      // The trace as the kernel kept it: no text, no object per record (a million-event run's text is over 100 MB).
      const trace = r.compactTrace;
      if (!trace) throw new Error('the run kept no trace');
      const { columns } = trace;
      post(
        {
          id,
          type: 'done',
          trace,
          frames: store,
          ok: r.ok,
          failures: r.failures,
          steps: r.steps,
          actions: r.actions,
          options: r.options,
          stoppedAt: r.stoppedAt,
          ms: performance.now() - started,
          heapBytes: wasmHeapBytes(),
        },
        [...transferablesOf(store), columns.seq.buffer, columns.t.buffer, columns.template.buffer],
      );
    } catch (e) {
      if (e instanceof ScenarioError) post({ id, type: 'invalid', errors: [...e.errors] });
      else post({ id, type: 'error', message: e instanceof Error ? e.message : String(e), heapBytes: wasmHeapBytes() });
    }
  })();
});
post({ id: 0, type: 'ready' });
