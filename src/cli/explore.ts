// `edgeloop explore --variant NAME --seeds A..B`: the seeded bug search on
// worker threads (src/explore/explore.ts does the work; explore-worker.ts
// runs a share of the seeds). Each worker takes every Nth seed, so the
// work spreads evenly whatever the range; a worker shrinks the first
// failure of each invariant it meets and sends it here, where it is written
// to --out as a scenario that `edgeloop replay` fails on the same way.
// Exit codes as replay's: 0 nothing found, 1 violations found, 2 bad input.
import { accessSync, constants as fsConstants, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { deflateRawSync } from 'node:zlib';

import type { ExploreFailure, FailingSeed } from '../explore/explore.js';
import { confirmOnLinux, resolveExploreOptions, type LinuxConfirmation } from '../explore/explore.js';
import { Simulation } from '../index.js';
import { EXPLORE_APPS } from '../explore/generate.js';
import { EdgeloopError } from '../errors.js';
import { FAMILIES, MUTANT_VARIANTS, VARIANTS } from '../reactor-options.js';
import { parseWholeNumber, wordList } from '../validate.js';
import type { Command } from './command.js';
import { packageVersion } from '../version.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, parseError, rejectNegativeValues, UsageError } from './command.js';

const USAGE = `Usage: edgeloop explore --seeds A..B [options]

Searches for reactor bugs nobody scripted: each seed is a generated scenario
(server knobs, peers with action schedules, faults Linux gives a process),
run on the simulated reactor with every invariant checked after every step.
The first failure of each invariant is shrunk to the smallest scenario that
still breaks it and written to --out, where 'edgeloop replay FILE' fails the
same way (docs/explore.md).

Options:
  --seeds A..B          seeds A to B-1 (half-open; B at most 4294967296)
  --variant V           the reactor under test (default edgeloop): ${VARIANTS.join(', ')};
                        the test build's mutants: mutant-* (scripts/build-mutants.sh)
  --family ${FAMILIES.join('|')}       only this socket family (default both)
  --app ${EXPLORE_APPS.join('|')}  only this app (default all)
  --engine native|wasm  the simulated kernel's build (default native)
  --workers N           worker threads (default: one per core, ${cpus().length} here)
  --time T              stop starting seeds after T (90s, 10m, 1h; default none)
  --max-failures N      stop after N failing seeds (default: run them all)
  --out DIR             where shrunk scenarios go (default explore-failures)
  --no-shrink           write the seed's document as generated
  --no-linux            do not replay fault-free failures on real Linux sockets
                        (by default each is, to see whether Linux breaks the same invariant)
  --json                print the result as JSON on stdout (progress stays on stderr)
  -h, --help            this text

Exit status: 0 no invariant broken, 1 violations found (each shrunk scenario
written to DIR), 2 a bad command line (or --out cannot be written), 3 the
search itself failed (a worker crashed): a bug to report with the seeds.
Example: edgeloop explore --variant day26-as-written --seeds 0..1000
`;

const FLAGS = {
  seeds: { type: 'string' },
  variant: { type: 'string' },
  family: { type: 'string' },
  app: { type: 'string' },
  engine: { type: 'string' },
  workers: { type: 'string' },
  time: { type: 'string' },
  'max-failures': { type: 'string' },
  out: { type: 'string' },
  'no-shrink': { type: 'boolean' },
  'no-linux': { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const MAX_WORKERS = 64;
/** The search itself failed (a worker crashed, a determinism bug): not a finding, not a bad command line. */
const EXIT_INTERNAL = 3;
const LINUX_VERDICTS: Readonly<Record<LinuxConfirmation['verdict'], string>> = {
  same: 'the same violation on real sockets',
  other: 'another violation on real sockets',
  holds: 'real sockets hold (the simulation and Linux differ here: a fidelity gap worth reporting)',
  skipped: 'not replayed',
};

/** The playground `npm start` serves (scripts/playground.mjs). */
const PLAYGROUND_URL = 'http://127.0.0.1:5173/';

export interface ExploreArgs {
  help: boolean;
  options: Record<string, unknown>;
  workers: number;
  timeMs: number | null;
  maxFailures: number | null;
  out: string;
  json: boolean;
  linux: boolean;
}

/** '1..5' -> [1, 5]. */
export function parseSeedRange(text: string): [number, number] {
  const m = /^(\d+)\.\.(\d+)$/.exec(text);
  if (!m) throw new UsageError(`--seeds must be a half-open range A..B of whole numbers (0..1000), got '${text}'`);
  const from = Number(m[1]);
  const to = Number(m[2]);
  if (from > 0xffffffff) throw new UsageError(`--seeds: A must be a uint32 (at most 4294967295), got ${m[1]}`);
  if (to > 0x100000000) throw new UsageError(`--seeds: B must be at most 4294967296, got ${m[2]}`);
  if (to <= from) throw new UsageError(`--seeds: the range ${text} is empty (B must be greater than A)`);
  return [from, to];
}

/** '90s', '10m', '1h', '500ms', or a bare number of seconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+)(ms|s|m|h)?$/.exec(text);
  const n = m ? Number(m[1]) : NaN;
  if (!m || !Number.isSafeInteger(n) || n === 0) throw new UsageError(`--time must be a positive duration (90s, 10m, 1h, 500ms), got '${text}'`);
  const unit = m[2] ?? 's';
  return n * (unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 3_600_000);
}

export function parseExploreArgs(args: string[]): ExploreArgs {
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; options: typeof FLAGS; strict: true; allowPositionals: false }>>;
  try {
    rejectNegativeValues(args, FLAGS);
    parsed = parseArgs({ args, options: FLAGS, strict: true, allowPositionals: false });
  } catch (e) {
    throw parseError('explore', e);
  }
  const v = parsed.values;
  if (v.help) return { help: true, options: {}, workers: 1, timeMs: null, maxFailures: null, out: '', json: false, linux: false };
  if (v.seeds === undefined) throw new UsageError('--seeds A..B is required (e.g. --seeds 0..1000)');
  const options: Record<string, unknown> = { seeds: parseSeedRange(v.seeds) };
  if (v.variant !== undefined) {
    if (!(VARIANTS as readonly string[]).includes(v.variant) && !(MUTANT_VARIANTS as readonly string[]).includes(v.variant)) {
      throw new UsageError(`--variant must be ${wordList([...VARIANTS, 'mutant-…'])}, got '${v.variant}' (mutants: ${MUTANT_VARIANTS.join(', ')})`);
    }
    options.variant = v.variant;
  }
  if (v.family !== undefined) {
    if (!(FAMILIES as readonly string[]).includes(v.family)) throw new UsageError(`--family must be ${wordList(FAMILIES)}, got '${v.family}'`);
    options.family = v.family;
  }
  if (v.app !== undefined) {
    if (!(EXPLORE_APPS as readonly string[]).includes(v.app)) throw new UsageError(`--app must be ${wordList(EXPLORE_APPS)}, got '${v.app}'`);
    options.app = v.app;
  }
  if (v.engine !== undefined) {
    if (v.engine !== 'native' && v.engine !== 'wasm') throw new UsageError(`--engine must be native or wasm, got '${v.engine}'`);
    options.engine = v.engine;
  }
  if (v['no-shrink']) options.shrink = false;
  let workers = Math.max(1, cpus().length);
  if (v.workers !== undefined) {
    const n = parseWholeNumber(v.workers);
    if (n === undefined || n < 1 || n > MAX_WORKERS) throw new UsageError(`--workers must be a whole number from 1 to ${MAX_WORKERS}, got '${v.workers}'`);
    workers = n;
  }
  let maxFailures: number | null = null;
  if (v['max-failures'] !== undefined) {
    const n = parseWholeNumber(v['max-failures']);
    if (n === undefined || n < 1) throw new UsageError(`--max-failures must be a positive whole number, got '${v['max-failures']}'`);
    maxFailures = n;
  }
  // The whole option set, checked as the API checks it (the same messages).
  try {
    resolveExploreOptions(options, 'native');
  } catch (e) {
    if (e instanceof EdgeloopError) throw new UsageError(e.message.replace(/^explore\(\): /, ''));
    throw e;
  }
  return {
    help: false,
    options,
    workers: Math.min(workers, (options.seeds as [number, number])[1] - (options.seeds as [number, number])[0]),
    timeMs: v.time === undefined ? null : parseDuration(v.time),
    maxFailures,
    out: v.out ?? 'explore-failures',
    json: v.json === true,
    linux: v['no-linux'] !== true && process.platform === 'linux',
  };
}

/** The playground link that opens `doc` (what its share button makes: #s=, deflate-raw JSON, base64url). */
export function playgroundLink(doc: unknown): string {
  const packed = deflateRawSync(Buffer.from(JSON.stringify({ v: 1, doc })));
  return `${PLAYGROUND_URL}#s=${packed.toString('base64url')}`;
}

/**
 * `dir` can hold the failures: a writable directory, or a path whose
 * nearest existing ancestor is one (it is made only when there is a failure
 * to write). Throws with the reason.
 */
function checkWritableDir(dir: string): void {
  let at = resolve(dir);
  for (;;) {
    let st;
    try {
      st = statSync(at);
    } catch {
      const up = dirname(at);
      if (up === at) throw new Error('no part of the path exists');
      at = up;
      continue;
    }
    if (!st.isDirectory()) throw new Error(`${at} is not a directory`);
    accessSync(at, fsConstants.W_OK);
    return;
  }
}

export interface ExploreIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** A progress line that replaces the last one (a TTY) or is printed now and then. */
  progress(text: string): void;
}

const processIo: ExploreIo = {
  stdout: (t) => void process.stdout.write(t),
  stderr: (t) => void process.stderr.write(t),
  progress: (t) => {
    if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${t}`);
    else process.stderr.write(`${t}\n`);
  },
};

type WorkerMessage =
  | { type: 'progress'; seedsRun: number; scriptErrors: number; failing: FailingSeed[] }
  | { type: 'failure'; failure: ExploreFailure }
  | { type: 'done' }
  | { type: 'error'; message: string; code: string | null };

function formatEta(ms: number): string {
  if (!Number.isFinite(ms)) return '?';
  const s = Math.round(ms / 1000);
  return s < 120 ? `${s}s` : s < 7200 ? `${Math.round(s / 60)}m` : `${(s / 3600).toFixed(1)}h`;
}

export async function exploreCli(args: string[], io: ExploreIo = processIo): Promise<number> {
  let a: ExploreArgs;
  try {
    a = parseExploreArgs(args);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr(`edgeloop explore: ${e.message}\n`);
    return EXIT_USAGE;
  }
  if (a.help) {
    io.stdout(USAGE);
    return EXIT_OK;
  }
  // The output directory first: finding out it cannot be written after the whole campaign is too late.
  try {
    checkWritableDir(a.out);
  } catch (e) {
    io.stderr(`edgeloop explore: --out ${a.out} cannot be written: ${(e as Error).message}\n`);
    return EXIT_USAGE;
  }
  const [from, to] = a.options.seeds as [number, number];
  const total = to - from;
  const start = Date.now();
  const deadline = a.timeMs === null ? null : start + a.timeMs;
  const failing: FailingSeed[] = [];
  const failures: ExploreFailure[] = [];
  const perWorker = new Map<number, { seedsRun: number; scriptErrors: number }>();
  let lastProgress = 0;
  const sums = (): { seedsRun: number; scriptErrors: number } => {
    let seedsRun = 0;
    let scriptErrors = 0;
    for (const w of perWorker.values()) {
      seedsRun += w.seedsRun;
      scriptErrors += w.scriptErrors;
    }
    return { seedsRun, scriptErrors };
  };
  const showProgress = (force: boolean): void => {
    const now = Date.now();
    if (!force && now - lastProgress < (process.stderr.isTTY ? 250 : 10_000)) return;
    lastProgress = now;
    const { seedsRun } = sums();
    const rate = seedsRun / Math.max((now - start) / 1000, 1e-3);
    const eta = (total - seedsRun) / rate;
    io.progress(`explore ${a.options.variant ?? 'edgeloop'}: ${seedsRun}/${total} seeds, ${rate.toFixed(0)} seeds/s, ${failing.length} failing, ETA ${formatEta(eta * 1000)}`);
  };
  const workerUrl = new URL('./explore-worker.js', import.meta.url);
  let stopping = false;
  const workers: Worker[] = [];
  const done = Array.from({ length: a.workers }, (_, k) =>
    new Promise<void>((resolveDone, reject) => {
      const w = new Worker(workerUrl, {
        workerData: { options: a.options, offset: k, stride: a.workers, deadline, maxFailures: a.maxFailures },
      });
      workers.push(w);
      perWorker.set(k, { seedsRun: 0, scriptErrors: 0 });
      w.on('message', (m: WorkerMessage) => {
        if (m.type === 'progress') {
          perWorker.set(k, { seedsRun: m.seedsRun, scriptErrors: m.scriptErrors });
          failing.push(...m.failing);
          showProgress(false);
          if (a.maxFailures !== null && failing.length >= a.maxFailures && !stopping) {
            stopping = true;
            for (const other of workers) other.postMessage('stop');
          }
        } else if (m.type === 'failure') {
          if (!failures.some((f) => f.invariant === m.failure.invariant && f.seed < m.failure.seed)) {
            const i = failures.findIndex((f) => f.invariant === m.failure.invariant);
            if (i >= 0) failures.splice(i, 1);
            failures.push(m.failure);
          }
        } else if (m.type === 'error') {
          reject(Object.assign(new Error(m.message), { usage: m.code === 'ERR_INVALID_ARG' }));
        } else {
          resolveDone();
        }
      });
      w.on('error', reject);
      w.on('exit', (code) => (code === 0 ? resolveDone() : reject(new Error(`a worker exited with code ${code}`))));
    }),
  );
  try {
    await Promise.all(done);
  } catch (e) {
    for (const w of workers) void w.terminate();
    const message = (e as Error).message;
    io.stderr(`\nedgeloop explore: ${message}\n`);
    return (e as { usage?: boolean }).usage ? EXIT_USAGE : EXIT_INTERNAL;
  }
  for (const w of workers) void w.terminate();
  showProgress(true);
  if (process.stderr.isTTY) io.stderr('\n');
  failing.sort((x, y) => x.seed - y.seed);
  failures.sort((x, y) => x.seed - y.seed);
  const { seedsRun, scriptErrors } = sums();
  const elapsedMs = Date.now() - start;
  const files: string[] = [];
  if (failures.length > 0) {
    mkdirSync(a.out, { recursive: true });
    for (const f of failures) {
      const file = join(a.out, `${f.document.name}-${f.invariant}.json`);
      writeFileSync(file, `${JSON.stringify(f.document, null, 2)}\n`);
      files.push(resolve(file));
    }
  }
  // Seed, filter and version are the whole bug report: say which version found it.
  let version = 'unknown';
  try {
    version = packageVersion();
  } catch {
    // A CLI run from outside its package (a test's copy): the report still has the seeds.
  }
  const confirmations: Array<LinuxConfirmation | null> = [];
  for (const f of failures) {
    if (!a.linux) {
      confirmations.push(null);
      continue;
    }
    try {
      confirmations.push(await confirmOnLinux(Simulation, f));
    } catch (e) {
      confirmations.push({ verdict: 'skipped', detail: `the Linux replay failed: ${(e as Error).message}` });
    }
  }
  if (a.json) {
    io.stdout(
      `${JSON.stringify(
        {
          version,
          variant: a.options.variant ?? 'edgeloop',
          filter: { family: a.options.family ?? null, app: a.options.app ?? null },
          seeds: [from, to],
          seedsRun,
          elapsedMs,
          seedsPerSecond: Math.round((seedsRun / Math.max(elapsedMs, 1)) * 1000),
          scriptErrors,
          failingSeeds: failing,
          failures: failures.map((f, i) => ({ seed: f.seed, invariant: f.invariant, violation: f.violation, shrinks: f.shrinks, file: files[i], linux: confirmations[i] })),
        },
        null,
        2,
      )}\n`,
    );
  } else {
    const lines = [
      `edgeloop ${version}, variant ${String(a.options.variant ?? 'edgeloop')}${a.options.family ? `, family ${String(a.options.family)}` : ''}${a.options.app ? `, app ${String(a.options.app)}` : ''}: ` +
        `${seedsRun} seeds in ${(elapsedMs / 1000).toFixed(1)} s (${Math.round((seedsRun / Math.max(elapsedMs, 1)) * 1000)} seeds/s, ${a.workers} worker${a.workers === 1 ? '' : 's'}): ` +
        (failing.length === 0 ? 'no invariant broken' : `${failing.length} seed${failing.length === 1 ? '' : 's'} broke an invariant`) +
        (scriptErrors > 0 ? ` (${scriptErrors} stopped at a limit without a violation)` : ''),
    ];
    failures.forEach((f, i) => {
      const seeds = failing.filter((x) => x.invariant === f.invariant).map((x) => x.seed);
      lines.push(
        '',
        `${f.invariant}: seed ${f.seed}${seeds.length > 1 ? ` (and ${seeds.length - 1} more: ${seeds.slice(1, 9).join(', ')}${seeds.length > 9 ? ', ...' : ''})` : ''}`,
        `  ${f.violation.message}`,
        `  shrunk in ${f.shrinks} steps to ${f.document.peers.length} peer${f.document.peers.length === 1 ? '' : 's'}, ${f.document.steps.length} actions, ${f.document.faults?.length ?? 0} faults: ${files[i]}`,
        `  replay:     edgeloop replay ${files[i]}`,
        `  playground: ${playgroundLink(f.document)}`,
      );
      const c = confirmations[i];
      if (c) lines.push(`  linux:      ${LINUX_VERDICTS[c.verdict]}: ${c.detail}`);
    });
    io.stdout(`${lines.join('\n')}\n`);
  }
  return failing.length === 0 ? EXIT_OK : EXIT_FAILURE;
}

export const exploreCommand: Command = { usage: USAGE, run: (args) => exploreCli(args) };
