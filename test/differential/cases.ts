// The differential catalogue: every case is a kernel-API script written once
// and run on linux, sim/native and sim/wasm (test/kernel-differential.test.ts).
// The determinism test imports the same catalogue: `cases` and `runCase`.
import { ackCases } from './ack-cases.js';
import { addressCases } from './address-cases.js';
import { bufferCases } from './buffer-cases.js';
import { closeCases } from './close-cases.js';
import { epollCases } from './epoll-cases.js';
import { listenCases } from './listen-cases.js';
import type { DifferentialCase } from './observer.js';

export {
  ALL_POLL_BITS,
  compareObservations,
  describeTolerance,
  MAX_ADVANCE_MS,
  runCase,
  runCaseWithStats,
  withinTolerance,
  type ApproxOptions,
  type DifferentialCase,
  type FdOrErrno,
  type Json,
  type Observation,
  type Observer,
  type Tolerance,
} from './observer.js';

export const cases: DifferentialCase[] = [...epollCases, ...closeCases, ...listenCases, ...bufferCases, ...ackCases, ...addressCases];

{
  const seen = new Set<string>();
  for (const c of cases) {
    if (seen.has(c.name)) throw new Error(`differential case "${c.name}" is defined twice`);
    seen.add(c.name);
  }
}
