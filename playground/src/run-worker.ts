// Runs a scenario on the wasm engine off the page's thread, so a long run
// never freezes the page (and can be cancelled by ending the worker).
// Messages: in { id, doc, knobs }; out progress, done, invalid, error.
import { runScenario, ScenarioError, type ScenarioOptions } from '../../src/browser.js';
import { wasmHeapBytes } from '../../src/backends/wasm.js';
import { FrameStoreBuilder, transferablesOf } from './frame-list.js';
import { captureFrame } from './frames.js';
import { MAX_RUN_EVENTS, type WorkerReply } from './run-protocol.js';

interface RunRequest {
  id: number;
  doc: unknown;
  knobs: Partial<ScenarioOptions>;
}

const post = (m: WorkerReply, transfer: Transferable[] = []): void => (self as unknown as Worker).postMessage(m, transfer);


/** limits.maxEvents for this document: its own when lower than the cap (or not a number: validation names it). */
function eventLimit(doc: unknown): { maxEvents: number } | undefined {
  const own = (doc as { limits?: { maxEvents?: unknown } } | null)?.limits?.maxEvents;
  if (own === undefined || (typeof own === 'number' && own > MAX_RUN_EVENTS)) return { maxEvents: MAX_RUN_EVENTS };
  return undefined;
}

self.addEventListener('message', (ev: MessageEvent<RunRequest>) => {
  const { id, doc, knobs } = ev.data;
  void (async () => {
    const started = performance.now();
    const frames = new FrameStoreBuilder();
    frames.push({ step: 0, records: 0, action: -1, time: 0, ready: [], interest: [], conns: [] });
    let lastPost = started;
    try {
      const cap = eventLimit(doc);
      const r = await runScenario(doc, {
        options: knobs,
        ...(cap ? { limits: cap } : {}),
        onStep: (info) => {
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
      // Stopped by the page's cap, not by the document's own limit: say so in the page's words.
      const capped = cap !== undefined && r.failures.some((f) => f.path === 'limits.maxEvents');
      const failures = r.failures.map((f) =>
        capped && f.path === 'limits.maxEvents'
          ? { ...f, message: `the run reached the playground's cap of ${MAX_RUN_EVENTS.toLocaleString('en-US')} events here and was stopped; what ran until then is shown (lower the scenario's byte counts or steps to see its end)` }
          : f,
      );
      post(
        {
          id,
          type: 'done',
          trace,
          frames: store,
          ok: r.ok,
          failures,
          capped,
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
