// Runs a scenario on the wasm engine off the page's thread, so a long run
// never freezes the page (and can be cancelled by ending the worker).
// Messages (run-protocol.ts): in a run { kind: 'run', id, doc, knobs }, out
// progress, done, invalid, error; or the same run again for the state after
// each record of a range { kind: 'exact', ..., from, to, check }, out exact
// (the simulation is deterministic: the same document, knobs and seed make
// the same trace, which `check` confirms at a step boundary).
import { runScenario, ScenarioError, type ScenarioOptions } from '../../src/browser.js';
import { wasmHeapBytes } from '../../src/backends/wasm.js';
import { FrameStoreBuilder, transferablesOf } from './frame-list.js';
import { captureFrame, type Frame } from './frames.js';
import { MAX_RUN_EVENTS, type WorkerReply, type WorkerRequest } from './run-protocol.js';

const post = (m: WorkerReply, transfer: Transferable[] = []): void => (self as unknown as Worker).postMessage(m, transfer);


/** limits.maxEvents for this document: its own when lower than the cap (or not a number: validation names it). */
function eventLimit(doc: unknown): { maxEvents: number } | undefined {
  const own = (doc as { limits?: { maxEvents?: unknown } } | null)?.limits?.maxEvents;
  if (own === undefined || (typeof own === 'number' && own > MAX_RUN_EVENTS)) return { maxEvents: MAX_RUN_EVENTS };
  return undefined;
}

/** Thrown from onStep once the range is taken: the rest of the run is not needed. */
class RangeTaken extends Error {}

async function exact(req: Extract<WorkerRequest, { kind: 'exact' }>): Promise<void> {
  const { id, doc, knobs, from, to, check } = req;
  const started = performance.now();
  const frames: Frame[] = [];
  const cap = eventLimit(doc);
  try {
    await runScenario(doc, {
      options: knobs as Partial<ScenarioOptions>,
      ...(cap ? { limits: cap } : {}),
      watch: { from, to, onRecord: (info) => frames.push(captureFrame(info.sim, info.step, info.record + 1, info.action)) },
      onStep: (info) => {
        if (info.step === check.step && info.records !== check.records) {
          throw new Error(`the run again made ${info.records} records by reactor step ${info.step}, the first ${check.records}: not the same run`);
        }
        if (info.records > to + 1) throw new RangeTaken();
      },
    });
  } catch (e) {
    if (!(e instanceof RangeTaken)) {
      post({ id, type: 'error', message: e instanceof Error ? e.message : String(e), heapBytes: wasmHeapBytes() });
      return;
    }
  }
  post({ id, type: 'exact', frames, ms: performance.now() - started, heapBytes: wasmHeapBytes() });
}

self.addEventListener('message', (ev: MessageEvent<WorkerRequest>) => {
  if (ev.data.kind === 'exact') {
    void exact(ev.data);
    return;
  }
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
