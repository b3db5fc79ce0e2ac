// `npm run fuzz:kernel`: a campaign of the randomized differential tester.
// Each seed is one random program (fast-check, test/differential/random/),
// run on Linux twice and on the simulated engines; a program where a sim
// differs from a Linux that agreed with itself (or native from wasm) is
// shrunk to the smallest program that still does, and reported with its
// first differing line and class. Runs inside scripts/linux-reference.mjs
// (a fresh network namespace), like npm test.
//
//   npm run fuzz:kernel -- --family tcp --seeds 0..1000 --workers 2 --json out.json
import { availableParallelism } from 'node:os';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

import fc from 'fast-check';

import { describeProgram, programArb, type Program, type Regime } from './random/program.js';
import { judge, type Backend, type Judged } from './random/verdict.js';

interface Options {
  family: 'unix' | 'tcp';
  regime: Regime;
  from: number;
  to: number;
  workers: number;
  backends: Backend[];
  json: string | null;
  /** Exit 0 only if a divergence was found (a mutant's campaign). */
  expectDivergence: boolean;
  shrink: boolean;
}

interface SeedResult {
  seed: number;
  kind: Judged['verdict']['kind'];
  class?: string;
  /** Linux noise that only a run made to confirm a divergence showed. */
  confirmation?: boolean;
  /** For a divergence: the shrunk program and its first difference. */
  example?: { steps: string; at: number; expected: string; got: string; class: string; who: string };
  /** For Linux no reference: which rule, and how many of the steps came before it (compared). */
  noReference?: { why: 'time' | 'timer'; compared: number; steps: number };
  /** For a TCP divergence: its first difference on a Linux run's own clock, and whether a Linux run was disturbed before that step. */
  onLinuxClock?: { at: number; expected: string; got: string; afterDisturbance: boolean };
  /** For agreement on Linux's clock: the Linux runs so judged, and how many steps came before real time decided. */
  linuxClock?: { runs: number; compared: number; steps: number };
}

const USAGE = `usage: npm run fuzz:kernel -- [options]
  --family unix|tcp       socket family of the programs (default unix)
  --regime claimed|unlocked|any
                          TCP: only the regime docs/kernel-fidelity.md claims (both buffers set
                          before connect, SO_RCVBUF >= 8192, never changed), unlocked buffers (none
                          ever set: Linux autotunes them), or any buffers (default claimed)
  --seeds A..B            half-open seed range (default 0..1000)
  --workers N             worker threads (default: the cores)
  --backends list         comma-separated: linux,sim-native,sim-wasm (default all three)
  --json FILE             write the results as JSON
  --no-shrink             report failing programs as generated
  --expect-divergence     exit 0 only if a divergence is found (a planted mutant must be caught)
exit codes: 0 no divergence (or, with --expect-divergence, one found), 1 the opposite, 2 bad input`;

function fail(message: string): never {
  process.stderr.write(`fuzz:kernel: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function parse(argv: string[]): Options {
  const o: Options = {
    family: 'unix',
    regime: 'claimed',
    from: 0,
    to: 1000,
    workers: Math.max(1, availableParallelism()),
    backends: ['linux', 'sim-native', 'sim-wasm'],
    json: null,
    expectDivergence: false,
    shrink: true,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) fail(`${a} needs a value`);
      return v;
    };
    switch (a) {
      case '--help':
      case '-h':
        process.stdout.write(`${USAGE}\n`);
        process.exit(0);
      case '--family': {
        const v = value();
        if (v !== 'unix' && v !== 'tcp') fail(`--family must be unix or tcp, got '${v}'`);
        o.family = v;
        break;
      }
      case '--regime': {
        const v = value();
        if (v !== 'claimed' && v !== 'unlocked' && v !== 'any') fail(`--regime must be claimed, unlocked or any, got '${v}'`);
        o.regime = v;
        break;
      }
      case '--seeds': {
        const v = value();
        const m = /^(\d+)\.\.(\d+)$/.exec(v);
        if (!m || Number(m[1]) >= Number(m[2]) || Number(m[2]) > 2 ** 31) fail(`--seeds must be A..B with 0 <= A < B <= 2^31 (half-open), got '${v}'`);
        o.from = Number(m[1]);
        o.to = Number(m[2]);
        break;
      }
      case '--workers': {
        const v = value();
        if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 64) fail(`--workers must be an integer from 1 to 64, got '${v}'`);
        o.workers = Number(v);
        break;
      }
      case '--backends': {
        const list = value().split(',');
        for (const b of list) if (b !== 'linux' && b !== 'sim-native' && b !== 'sim-wasm') fail(`--backends: unknown backend '${b}'`);
        o.backends = list as Backend[];
        break;
      }
      case '--json':
        o.json = value();
        break;
      case '--no-shrink':
        o.shrink = false;
        break;
      case '--expect-divergence':
        o.expectDivergence = true;
        break;
      default:
        fail(`unknown option '${a}'`);
    }
  }
  return o;
}

function isFailure(j: Judged): boolean {
  return j.verdict.kind === 'diverge' || j.verdict.kind === 'engines-differ';
}

/** One seed: one program; shrunk if it fails. */
async function runSeed(o: Options, seed: number): Promise<SeedResult> {
  const seen = new Map<Program, Judged>();
  let first: Judged | undefined;
  const r = await fc.check(
    fc.asyncProperty(programArb(o.family, o.regime), async (p) => {
      const j = await judge(p, o.backends, seed);
      seen.set(p, j);
      first ??= j;
      return !isFailure(j);
    }),
    { seed, numRuns: 1, endOnFailure: !o.shrink },
  );
  const verdict = (first as Judged).verdict;
  const out: SeedResult = { seed, kind: verdict.kind };
  if (verdict.kind === 'diverge' || verdict.kind === 'engines-differ') out.class = verdict.difference.class;
  if (verdict.kind === 'diverge' && verdict.onLinuxClock) {
    const d = verdict.difference;
    out.onLinuxClock = { at: d.at, expected: d.expected, got: d.got, afterDisturbance: verdict.afterDisturbance === true };
  }
  if (verdict.kind === 'linux-noise') {
    out.class = verdict.linux.class;
    out.confirmation = verdict.by === 'confirmation';
  }
  if (verdict.kind === 'linux-slow') {
    out.noReference = { why: verdict.why, compared: verdict.compared, steps: verdict.steps };
  }
  if (verdict.kind === 'linux-clock') out.linuxClock = { runs: verdict.runs, compared: verdict.compared, steps: verdict.steps };
  if (r.failed && r.counterexample) {
    const p = r.counterexample[0];
    const j = seen.get(p) ?? (await judge(p, o.backends, seed));
    const v = j.verdict;
    if (v.kind === 'diverge' || v.kind === 'engines-differ') {
      const who = v.kind === 'diverge' ? `linux vs ${v.engine}${v.onLinuxClock ? " on Linux's clock" : ''}` : 'sim-native vs sim-wasm';
      out.example = { steps: describeProgram(p), at: v.difference.at, expected: v.difference.expected, got: v.difference.got, class: v.difference.class, who };
    }
  }
  return out;
}

async function workerMain(): Promise<void> {
  const { options, seeds } = workerData as { options: Options; seeds: number[] };
  for (const seed of seeds) parentPort?.postMessage(await runSeed(options, seed));
}

async function main(): Promise<void> {
  const o = parse(process.argv.slice(2));
  const seeds: number[] = [];
  for (let s = o.from; s < o.to; s++) seeds.push(s);
  const workers = Math.min(o.workers, seeds.length);
  const results: SeedResult[] = [];
  const started = Date.now();
  let shown = 0;
  const progress = (): void => {
    const done = results.length;
    // A few times a second, and at the end.
    // On a terminal the line redraws itself; into a file or a pipe, a line every 15 s.
    const tty = process.stderr.isTTY === true;
    if (done < seeds.length && Date.now() - shown < (tty ? 250 : 15_000)) return;
    shown = Date.now();
    const secs = (Date.now() - started) / 1000;
    const rate = done / Math.max(secs, 0.001);
    const failures = results.filter((r) => r.kind === 'diverge' || r.kind === 'engines-differ').length;
    const noise = results.filter((r) => r.kind === 'linux-noise').length;
    const slow = results.filter((r) => r.kind === 'linux-slow').length;
    const clock = results.filter((r) => r.kind === 'linux-clock').length;
    const eta = rate > 0 ? Math.round((seeds.length - done) / rate) : 0;
    const line = `fuzz:kernel ${o.family}: ${done}/${seeds.length} programs, ${rate.toFixed(1)}/s, ${failures} diverging, ${noise} Linux noise, ${slow} Linux no reference, ${clock} agreeing on Linux's clock, ETA ${eta}s`;
    process.stderr.write(tty ? `\r${line}   ` : `${line}\n`);
  };
  await Promise.all(
    Array.from({ length: workers }, (_, w) => {
      const mine = seeds.filter((_, i) => i % workers === w);
      return new Promise<void>((resolve, reject) => {
        const worker = new Worker(fileURLToPath(import.meta.url), { workerData: { options: o, seeds: mine } });
        worker.on('message', (r: SeedResult) => {
          results.push(r);
          progress();
        });
        worker.on('error', reject);
        worker.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`worker ${w} exited with ${code}`))));
      });
    }),
  );
  if (process.stderr.isTTY === true) process.stderr.write('\n');
  results.sort((a, b) => a.seed - b.seed);
  const count = (k: SeedResult['kind']) => results.filter((r) => r.kind === k).length;
  const byClass = (k: SeedResult['kind']): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const r of results) if (r.kind === k) out[r.class ?? '?'] = (out[r.class ?? '?'] ?? 0) + 1;
    return out;
  };
  const summary = {
    family: o.family,
    regime: o.family === 'tcp' ? o.regime : 'any',
    seeds: `${o.from}..${o.to}`,
    backends: o.backends,
    programs: results.length,
    agree: count('agree'),
    linuxNoise: count('linux-noise'),
    linuxNoiseByClass: byClass('linux-noise'),
    /** Of the noise: programs where the two Linux runs agreed, the sim differed, and a confirming Linux run did not give the same lines up to there. */
    linuxNoiseByConfirmation: results.filter((r) => r.kind === 'linux-noise' && r.confirmation === true).length,
    linuxSlow: count('linux-slow'),
    /**
     * What the no-reference programs still say: which rule disturbed Linux
     * first (ran STALL_MS too long / a timer fired), and how many of their
     * steps came before the Linux runs differed (compared: the sims, on each
     * run's clock, agreed with Linux on each).
     */
    linuxSlowDetail: (() => {
      const slow = results.flatMap((r) => (r.noReference ? [r.noReference] : []));
      return {
        ranTooLong: slow.filter((x) => x.why === 'time').length,
        timerFired: slow.filter((x) => x.why === 'timer').length,
        stepsCompared: slow.reduce((a, x) => a + x.compared, 0),
        steps: slow.reduce((a, x) => a + x.steps, 0),
      };
    })(),
    /**
     * The frozen sim differed (or, after a disturbance, the Linux runs did),
     * and the sims, run on each Linux run's own clock, gave that run's lines
     * to the end (verdict.ts): agreement, on the time Linux had.
     */
    linuxClock: count('linux-clock'),
    /** Of them, the Linux runs judged that way: 2 (the two runs differed), 4 (with the confirming runs). */
    linuxClockByRuns: (() => {
      const out: Record<string, number> = {};
      for (const r of results) if (r.linuxClock) out[r.linuxClock.runs] = (out[r.linuxClock.runs] ?? 0) + 1;
      return out;
    })(),
    diverge: count('diverge'),
    divergeByClass: byClass('diverge'),
    /** Of the divergences (TCP: each judged on the Linux runs' own clocks), those at or after the step where a Linux run was disturbed. */
    divergeAfterDisturbance: results.filter((r) => r.onLinuxClock?.afterDisturbance === true).length,
    /** Every TCP divergence: its first difference on a Linux run's own clock. */
    divergeOnLinuxClockSeeds: results.flatMap((r) => (r.onLinuxClock ? [{ seed: r.seed, class: r.class, ...r.onLinuxClock }] : [])),
    enginesDiffer: count('engines-differ'),
    seconds: Math.round((Date.now() - started) / 100) / 10,
    // Every shrunk program goes to --json (the work list of a campaign); the
    // first five are printed.
    examples: results.filter((r) => r.example).map((r) => ({ seed: r.seed, ...r.example })),
  };
  const linuxClean = summary.programs - summary.linuxNoise - summary.linuxSlow;
  process.stdout.write(
    [
      `${summary.programs} ${o.family} programs (seeds ${summary.seeds}, ${summary.seconds}s): ${summary.agree} agree, ` +
        `${summary.diverge} where a sim differs from a Linux that agrees with itself (${((100 * summary.diverge) / Math.max(1, linuxClean)).toFixed(1)}% of ${linuxClean}), ` +
        `(${summary.divergeAfterDisturbance} of them after a Linux run was disturbed; TCP divergences are judged on the Linux runs' own clocks), ` +
        `${summary.linuxClock} where the frozen sim (or, after a disturbance, Linux) differed but the sims on each Linux run's own clock gave its lines (${JSON.stringify(summary.linuxClockByRuns)} by Linux runs), ` +
        `${summary.linuxNoise} where Linux differs from itself (${summary.linuxNoiseByConfirmation} of them seen only by a run confirming a divergence), ${summary.linuxSlow} where Linux is no reference (disturbed: it ran too long or a TCP timer fired between advance() calls, and from there the Linux runs differed in a way the sims on their clocks did not each follow), ` +
        `${summary.enginesDiffer} where native and wasm differ`,
      `  divergences by class: ${JSON.stringify(summary.divergeByClass)}`,
      `  Linux no reference: ${summary.linuxSlowDetail.ranTooLong} ran too long, ${summary.linuxSlowDetail.timerFired} saw a timer fire first; ` +
        `${summary.linuxSlowDetail.stepsCompared} of their ${summary.linuxSlowDetail.steps} steps came before the Linux runs differed (the sims, on each run's clock, agreed on each)`,
      `  Linux's own noise by class: ${JSON.stringify(summary.linuxNoiseByClass)}`,
      ...summary.examples.slice(0, 5).flatMap((e) => [
        `\nseed ${e.seed}: ${e.who}, first difference at step ${e.at} (${e.class})`,
        `  expected: ${e.expected}`,
        `  got:      ${e.got}`,
        e.steps ?? '',
      ]),
      '',
    ].join('\n'),
  );
  if (o.json) writeFileSync(o.json, `${JSON.stringify(summary, null, 1)}\n`);
  const found = summary.diverge + summary.enginesDiffer > 0;
  process.exitCode = found === o.expectDivergence ? 0 : 1;
}

if (isMainThread) {
  main().catch((e: unknown) => {
    process.stderr.write(`fuzz:kernel: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(2);
  });
} else {
  workerMain().catch((e: unknown) => {
    throw e;
  });
}
