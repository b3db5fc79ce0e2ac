// One worker thread of `edgeloop explore`: seeds offset, offset + stride, ...
// of the range, each run untraced; the first failure of each invariant is
// shrunk here and sent whole. Progress goes out in batches (every 200 ms) so
// messaging never costs more than the seeds.
import { parentPort, workerData } from 'node:worker_threads';

import { resolveExploreOptions, runSeed, shrinkFailure } from '../explore/explore.js';
import type { FailingSeed } from '../explore/explore.js';
import { EdgeloopError, Simulation } from '../index.js';

interface Job {
  options: Record<string, unknown>;
  offset: number;
  stride: number;
  deadline: number | null;
  maxFailures: number | null;
}

const job = workerData as Job;
const port = parentPort;
if (!port) throw new Error('explore-worker.js runs as a worker thread of edgeloop explore');

let stop = false;
port.on('message', (m) => {
  if (m === 'stop') stop = true;
});

async function main(): Promise<void> {
  const o = resolveExploreOptions(job.options, 'native');
  const [from, to] = o.seeds;
  let seedsRun = 0;
  let scriptErrors = 0;
  let failing: FailingSeed[] = [];
  let failed = 0;
  const shrunk = new Set<string>();
  let last = Date.now();
  const flush = (): void => {
    port?.postMessage({ type: 'progress', seedsRun, scriptErrors, failing });
    failing = [];
    last = Date.now();
  };
  for (let seed = from + job.offset; seed < to; seed += job.stride) {
    if (stop || (job.deadline !== null && Date.now() > job.deadline)) break;
    const v = await runSeed(Simulation, o, seed);
    seedsRun++;
    if (v.scriptError !== null) scriptErrors++;
    if (v.violation) {
      failed++;
      failing.push({ seed, invariant: v.violation.invariant, message: v.violation.message });
      if (!shrunk.has(v.violation.invariant)) {
        shrunk.add(v.violation.invariant);
        flush();
        port?.postMessage({ type: 'failure', failure: await shrinkFailure(Simulation, o, v) });
      }
      if (job.maxFailures !== null && failed >= job.maxFailures) break;
    }
    if (Date.now() - last > 200) {
      flush();
      // Lets a 'stop' from the main thread in between seeds.
      await new Promise((r) => setImmediate(r));
    }
  }
  flush();
  port?.postMessage({ type: 'done' });
  // The 'stop' listener would keep the thread alive.
  port?.close();
}

main().catch((e: unknown) => {
  // The code tells the main thread whether the command line was wrong (a mutant name without the test build).
  const code = e instanceof EdgeloopError ? e.code : null;
  port.postMessage({ type: 'error', message: e instanceof Error ? e.message : String(e), code });
  port.close();
});
