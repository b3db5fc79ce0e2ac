// Starts a run worker (run-worker.ts): for a lane's runs (runner.ts) and for
// the runs again that give the state at any event (exact-frames.ts). Vite
// bundles the worker from this one `new URL(...)`.
import type { WorkerReply } from './run-protocol.js';

/** A new run worker; `onFail` gets what made it fail (its script threw, or could not load). */
export function startRunWorker(name: string, onReply: (m: WorkerReply) => void, onFail: (message: string) => void): Worker {
  const w = new Worker(new URL('./run-worker.ts', import.meta.url), { type: 'module', name });
  w.addEventListener('message', (ev: MessageEvent<WorkerReply>) => onReply(ev.data));
  w.addEventListener('error', (ev) => {
    ev.preventDefault();
    onFail(ev.message || 'unknown error');
  });
  return w;
}
