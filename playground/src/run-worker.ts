// Runs a scenario on the wasm engine off the page's thread, so a long run
// never freezes the page (and can be cancelled by ending the worker).
// Messages: in { id, doc, knobs }; out progress, done, invalid, error.
import { runScenario, ScenarioError, type ScenarioOptions } from '../../src/browser.js';
import { wasmHeapBytes } from '../../src/backends/wasm.js';
import { captureFrame, sameInterest, type Frame } from './frames.js';
import { TRACE_LIMITS } from './trace-model.js';
import type { WorkerReply } from './run-protocol.js';

interface RunRequest {
  id: number;
  doc: unknown;
  knobs: Partial<ScenarioOptions>;
}

const post = (m: WorkerReply): void => (self as unknown as Worker).postMessage(m);

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
    const frames: Frame[] = [{ step: 0, records: 0, action: -1, time: 0, ready: [], interest: [], conns: [] }];
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
          const f = captureFrame(info.sim, info.step, info.records, info.action);
          // Consecutive steps mostly share their interest list: keep one copy (structured clone keeps the sharing).
          const prev = frames[frames.length - 1] as Frame;
          if (sameInterest(prev.interest, f.interest)) f.interest = prev.interest;
          frames.push(f);
          const now = performance.now();
          if (now - lastPost > 150) {
            lastPost = now;
            post({ id, type: 'progress', steps: info.step, records: info.records });
          }
        },
      });
      post({
        id,
        type: 'done',
        trace: r.trace,
        frames,
        ok: r.ok,
        failures: r.failures,
        steps: r.steps,
        actions: r.actions,
        options: r.options,
        stoppedAt: r.stoppedAt,
        ms: performance.now() - started,
        heapBytes: wasmHeapBytes(),
      });
    } catch (e) {
      if (e instanceof ScenarioError) post({ id, type: 'invalid', errors: [...e.errors] });
      else post({ id, type: 'error', message: e instanceof Error ? e.message : String(e), heapBytes: wasmHeapBytes() });
    }
  })();
});
post({ id: 0, type: 'ready' });
