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
  const { id, doc, knobs, from, to, checks, records } = req;
  const started = performance.now();
  const frames: Frame[] = [];
  const cap = eventLimit(doc);
  const want = new Map(checks.map((c) => [c.step, c.records]));
  let firstWatched = -1;
  const fail = (message: string): void => post({ id, type: 'error', message, heapBytes: wasmHeapBytes() });
  try {
    const r = await runScenario(doc, {
      options: knobs as Partial<ScenarioOptions>,
      ...(cap ? { limits: cap } : {}),
      watch: {
        from,
        to,
        onRecord: (info) => {
          if (firstWatched < 0) firstWatched = info.record;
          frames.push(captureFrame(info.sim, info.step, info.record + 1, info.action));
        },
      },
      onStep: (info) => {
        const first = want.get(info.step);
        if (first !== undefined && info.records !== first) {
          throw new Error(`not the same run: the run made again had ${info.records} events after reactor step ${info.step}, the first run ${first}`);
        }
        if (info.records > to + 1 && info.step >= Math.max(0, ...want.keys())) throw new RangeTaken();
      },
    });
    // It ran to its end: as far as the first run did.
    const made = r.compactTrace?.columns.seq.length ?? 0;
    if (made !== records) {
      fail(`not the same run: the run made again ended after ${made} events, the first run after ${records}`);
      return;
    }
  } catch (e) {
    if (!(e instanceof RangeTaken)) {
      fail(e instanceof Error ? e.message : String(e));
      return;
    }
  }
  if (firstWatched < 0) firstWatched = from;
  post({ id, type: 'exact', frames, firstWatched, ms: performance.now() - started, heapBytes: wasmHeapBytes() });
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
