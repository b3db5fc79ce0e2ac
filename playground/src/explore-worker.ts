// Runs Explore (src/explore) on the wasm engine off the page's thread: seeds
// of generated scenarios with faults, every invariant after every step, each
// invariant's first failure shrunk. Stopping ends the worker (the only way
// to stop wasm mid-seed). Messages: in { id, options }; out progress,
// failure (each as it is shrunk), done, error.
import { explore, type ExploreFailure } from '../../src/browser.js';
import type { ExploreReply, ExploreRequest } from './explore-protocol.js';

const post = (m: ExploreReply): void => (self as unknown as Worker).postMessage(m);

function slim(f: ExploreFailure): ExploreReply & { type: 'failure' } {
  // The trace stays here: the page re-runs the document when it is opened.
  return { id: 0, type: 'failure', seed: f.seed, invariant: f.invariant, message: f.violation.message, shrinks: f.shrinks, document: f.document };
}

self.addEventListener('message', (ev: MessageEvent<ExploreRequest>) => {
  const { id, options } = ev.data;
  void (async () => {
    let last = 0;
    try {
      const r = await explore({
        ...options,
        onProgress: (p) => {
          const now = performance.now();
          if (now - last < 150 && p.seedsRun < p.seedsTotal) return;
          last = now;
          post({ id, type: 'progress', ...p });
        },
        onFailure: (f) => post({ ...slim(f), id }),
      });
      post({ id, type: 'done', seedsRun: r.seedsRun, failingSeeds: r.failingSeeds, elapsedMs: r.elapsedMs });
    } catch (e) {
      post({ id, type: 'error', message: e instanceof Error ? e.message : String(e) });
    }
  })();
});
