// `npm run repeatability:linux`: how repeatable is Linux itself where the
// suites compare timing-dependent byte counts? Runs the Linux side of every TCP case of the
// differential catalogue, and of every TCP run of the scenario Linux-vs-sim
// suite, N times, and reports per byte count (Observer.count, held exact, and
// Observer.approx, held within a tolerance) whether Linux gave the same value
// every run (and the spread when not), and whether the native and wasm sims
// give that value; per scenario run, whether Linux gave one reactor trace in
// every run and whether it is the sim's. This is the figure behind each count
// held exact and each tolerance that stays (docs/kernel-fidelity.md,
// "Tolerance rules"). Any other eq observation that varied is listed too. Runs inside scripts/linux-reference.mjs (a fresh network
// namespace), like npm test.
//
// Differential cases: only undisturbed runs are counted, by the suite's own
// rule (test/differential/linux-run.ts): a Linux run with an interval between
// two calls that took STALL_MS (4 ms) more than it asked to sleep, a drift of
// DRIFT_MS (8 ms), ksoftirqd running meanwhile, or the host's TCP memory
// pressure, is redone; how many were redone is reported,
// and how many of those gave another value. Scenarios: every run counts (the
// suite redoes a run only when it disagrees with the sim, which a measure of
// Linux cannot use); each run's longest stretch without a trace record
// (traceStallMs) is reported, and whether the runs with one of 4 ms or more
// disagreed.
//
//   npm run repeatability:linux -- --runs 30 [--cases tcp/et-out] [--scenarios high-water] [--no-cases|--no-scenarios] [--json out.json]
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';

import { describeTolerance, type Observation } from './observer.js';
import { cases } from './cases.js';
import { DRIFT_MS, runOnce, STALL_MS, undisturbed, type OneRun } from './linux-run.js';
import { linuxReferenceProblem } from '../helpers/backends.js';
import { compareReactorTraces, counts, foldDataLoops, reactorTrace, type ReactorRecord } from '../helpers/reactor-trace.js';
import { runScenarioOn, scenarioRuns, scenarioTitle, traceStallMs } from '../helpers/scenario-runs.js';
import { tcpUnderMemoryPressure, waitForNoMemoryPressure } from '../helpers/tcp-memory-pressure.js';

interface Options {
  runs: number;
  cases: string | null;
  scenarios: string | null;
  doCases: boolean;
  doScenarios: boolean;
  json: string | null;
}

const USAGE = `usage: npm run repeatability:linux -- [--runs N] [--cases SUBSTR] [--scenarios SUBSTR] [--no-cases] [--no-scenarios] [--json FILE]`;

function parse(argv: string[]): Options {
  const o: Options = { runs: 30, cases: null, scenarios: null, doCases: true, doScenarios: true, json: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value\n${USAGE}`);
      return v;
    };
    if (a === '--runs') o.runs = Number(next());
    else if (a === '--cases') o.cases = next();
    else if (a === '--scenarios') o.scenarios = next();
    else if (a === '--no-cases') o.doCases = false;
    else if (a === '--no-scenarios') o.doScenarios = false;
    else if (a === '--json') o.json = next();
    else throw new Error(`unknown argument ${a}\n${USAGE}`);
  }
  if (!Number.isSafeInteger(o.runs) || o.runs < 2) throw new Error(`--runs: an integer >= 2\n${USAGE}`);
  return o;
}

/** "49152 ×30" or "3 values over 30 runs, 49152..53248 (49152 ×20, 50000 ×7, 53248 ×3)". */
function spread(values: readonly number[]): { distinct: number; text: string; min: number; max: number; mode: number } {
  const tally = new Map<number, number>();
  for (const v of values) tally.set(v, (tally.get(v) ?? 0) + 1);
  const sorted = [...tally].sort((a, b) => a[0] - b[0]);
  const min = sorted[0]![0];
  const max = sorted[sorted.length - 1]![0];
  const mode = [...tally].sort((a, b) => b[1] - a[1])[0]![0];
  if (sorted.length === 1) return { distinct: 1, text: `${min} in all ${values.length} runs`, min, max, mode };
  return {
    distinct: sorted.length,
    text: `${sorted.length} values over ${values.length} runs, ${min}..${max} (${sorted.map(([v, n]) => `${v} ×${n}`).join(', ')})`,
    min,
    max,
    mode,
  };
}

/** A byte count of a TCP case: recorded with Observer.count (compared exactly) or Observer.approx (within a tolerance). */
interface ApproxReport {
  case: string;
  index: number;
  label: string;
  tolerance: string;
  why: string;
  linux: number[];
  distinct: number;
  spread: string;
  simNative: number | null;
  simWasm: number | null;
  /** Linux the same every run and both sims equal to it. */
  exact: boolean;
  /** Disturbed (redone) runs whose value differed from the undisturbed runs' most common one. */
  disturbedDiffer: number;
}

interface CaseReport {
  case: string;
  /** Redone runs by what disturbed them (gap, drift, ksoftirqd, a TCP timer outside advance(), combined), and how many of each were unlike every undisturbed run. */
  reasons: Record<string, { runs: number; unlike: number }>;
  runs: number;
  redone: number;
  pressureRedone: number;
  /** Largest gap (single excess) and drift of an undisturbed run, ms (watchGaps). */
  maxGapMs: number;
  maxDriftMs: number;
  /** Redone runs during which ksoftirqd ran. */
  softirqRedone: number;
  /** eq observations (other than counts) whose value varied between undisturbed Linux runs (labels). */
  eqVaried: string[];
  eqTotal: number;
  /** Disturbed (redone) runs whose observations match none of the undisturbed runs'. */
  disturbedUnlike: number;
  /** Runs whose observation labels differ from the first run's. */
  pathDiffers: number;
  approx: ApproxReport[];
}

async function measureCase(c: (typeof cases)[number], n: number): Promise<CaseReport> {
  const sims = { native: (await runOnce('sim-native', c)).observations, wasm: (await runOnce('sim-wasm', c)).observations };
  const good: OneRun[] = [];
  const disturbed: OneRun[] = [];
  let pressureRedone = 0;
  for (let attempts = 0; good.length < n; attempts++) {
    // A loaded host may give few undisturbed runs: report what there is.
    if (attempts >= n * 20 && good.length > 0) break;
    if (attempts >= n * 40) throw new Error(`${c.name}: no undisturbed Linux run in ${attempts} attempts`);
    const r = await runOnce('linux', c);
    if (r.pressure) pressureRedone++;
    else if (undisturbed('linux', c, r)) good.push(r);
    else disturbed.push(r);
  }
  const first = good[0]!.observations;
  const sameLabels = (o: Observation[]) => o.length === first.length && o.every((x, i) => x.label === first[i]!.label && x.kind === first[i]!.kind);
  const pathDiffers = good.filter((r) => !sameLabels(r.observations)).length;
  const runs = good.filter((r) => sameLabels(r.observations)).map((r) => r.observations);
  const eqVaried: string[] = [];
  const approx: ApproxReport[] = [];
  const shownRuns = new Set(runs.map((r) => JSON.stringify(r.map((x) => x.value))));
  const disturbedUnlike = disturbed.filter((r) => !shownRuns.has(JSON.stringify(r.observations.map((x) => x.value)))).length;
  for (let i = 0; i < first.length; i++) {
    const o = first[i]!;
    if (o.kind === 'eq' && !(o.count && typeof o.value === 'number')) {
      const shown = JSON.stringify(o.value);
      if (runs.some((r) => JSON.stringify(r[i]!.value) !== shown)) {
        const tally = new Map<string, number>();
        for (const r of runs) tally.set(JSON.stringify(r[i]!.value), (tally.get(JSON.stringify(r[i]!.value)) ?? 0) + 1);
        eqVaried.push(`#${i + 1} "${o.label}": ${[...tally].map(([v, k]) => `${v} ×${k}`).join(', ')} over ${runs.length} runs`);
      }
      continue;
    }
    const values = runs.map((r) => r[i]!.value as number);
    const s = spread(values);
    const simValue = (obs: Observation[]) => (obs[i]?.label === o.label && typeof obs[i]?.value === 'number' ? (obs[i]!.value as number) : null);
    const simNative = simValue(sims.native);
    const simWasm = simValue(sims.wasm);
    const disturbedDiffer = disturbed.filter((r) => sameLabels(r.observations) && r.observations[i]!.value !== s.mode).length;
    approx.push({
      case: c.name,
      index: i + 1,
      label: o.label,
      tolerance: o.kind === 'approx' ? describeTolerance(o.tolerance) : 'exact',
      why: o.kind === 'approx' ? o.why : '',
      linux: values,
      distinct: s.distinct,
      spread: s.text,
      simNative,
      simWasm,
      exact: s.distinct === 1 && simNative === s.min && simWasm === s.min,
      disturbedDiffer,
    });
  }
  const why = (r: OneRun) =>
    [r.gaps.longest >= STALL_MS ? 'gap' : '', r.gaps.drift >= DRIFT_MS ? 'drift' : '', r.gaps.ksoftirqd > 0 ? 'ksoftirqd' : '', r.gaps.timers !== '' ? 'timer' : '']
      .filter(Boolean)
      .join('+') || 'none';
  const reasons: Record<string, { runs: number; unlike: number }> = {};
  for (const r of disturbed) {
    const k = why(r);
    reasons[k] ??= { runs: 0, unlike: 0 };
    reasons[k].runs++;
    if (!shownRuns.has(JSON.stringify(r.observations.map((x) => x.value)))) reasons[k].unlike++;
  }
  return {
    case: c.name,
    reasons,
    runs: good.length,
    redone: disturbed.length,
    pressureRedone,
    maxGapMs: Math.max(...good.map((r) => r.gaps.longest)),
    maxDriftMs: Math.max(...good.map((r) => r.gaps.drift)),
    softirqRedone: disturbed.filter((r) => r.gaps.ksoftirqd > 0).length,
    eqVaried,
    eqTotal: first.length - approx.length,
    disturbedUnlike,
    pathDiffers,
    approx,
  };
}

interface ScenarioReport {
  run: string;
  /** Byte counts in the sim's reactor trace (read/write results, a write's length, message and high-water-mark sizes). */
  byteCounts: number;
  /** Every run counts (the suite redoes a TCP run only when it disagrees with the sim): a scenario's runs have JS work between steps, and stretches of 4 ms and more without a record are common in runs that agree. */
  runs: number;
  pressureRedone: number;
  /** Runs with a stretch of STALL_MS or more without a record (advance() sleeps left out), and how many of those gave a trace other than the sim's. */
  gapped: number;
  gappedDiffer: number;
  /** Distinct reactor traces Linux gave over its undisturbed runs. */
  linuxDistinct: number;
  /** Undisturbed Linux runs whose reactor trace equals the sim's, record for record, byte counts included. */
  equalToSim: number;
  /** The others: how they compare (record for record within tolerance, loop for loop, or neither). */
  others: string[];
  /** Where Linux runs differ from each other in byte counts only: per count, its spread. */
  linuxSpread: string[];
  maxGapMs: number;
}

const hash = (t: readonly ReactorRecord[]) => createHash('sha1').update(JSON.stringify(t)).digest('hex');

async function measureScenario(r: ReturnType<typeof scenarioRuns>[number], n: number): Promise<ScenarioReport> {
  // Any difference in byte counts only is described (how many, how far), none is accepted.
  const REL = Number.POSITIVE_INFINITY;
  const sim = reactorTrace((await runScenarioOn(r, 'native')).records);
  const simHash = hash(sim);
  const byteCounts = sim.reduce((a, x) => a + Object.keys(counts(x)).length, 0);
  const traces: ReactorRecord[][] = [];
  const hashes: string[] = [];
  let gapped = 0;
  let gappedDiffer = 0;
  let maxGapMs = 0;
  let pressureRedone = 0;
  while (traces.length < n) {
    await waitForNoMemoryPressure();
    const res = await runScenarioOn(r, 'linux');
    if (tcpUnderMemoryPressure() && ++pressureRedone <= 100) continue;
    const gap = traceStallMs(res.records);
    const t = reactorTrace(res.records);
    maxGapMs = Math.max(maxGapMs, gap);
    if (gap >= STALL_MS) {
      gapped++;
      if (hash(t) !== simHash) gappedDiffer++;
    }
    traces.push(t);
    hashes.push(hash(t));
  }
  const others: string[] = [];
  let equalToSim = 0;
  for (const t of traces) {
    if (hash(t) === simHash) {
      equalToSim++;
      continue;
    }
    const c = compareReactorTraces('tcp', t, sim, REL);
    if (c.problems.length === 0) {
      others.push(`record for record, ${c.approximate} counts differ, at most ${(c.maxRel * 100).toFixed(2)}%`);
      continue;
    }
    const f = compareReactorTraces('tcp', foldDataLoops(t), foldDataLoops(sim), REL);
    others.push(
      f.problems.length === 0
        ? `loop for loop, ${f.approximate} loops' bytes differ, at most ${(f.maxRel * 100).toFixed(2)}%`
        : `no: ${c.problems[0]!.split('\n')[0]}`,
    );
  }
  // Linux against Linux: the byte counts where its traces differ (same shape only).
  const linuxSpread: string[] = [];
  const base = traces[0]!;
  if (new Set(hashes).size > 1) {
    const sameLength = traces.every((t) => t.length === base.length);
    if (!sameLength) {
      const lengths = spread(traces.map((t) => t.length));
      linuxSpread.push(`trace lengths: ${lengths.text}`);
    } else {
      for (let i = 0; i < base.length; i++) {
        for (const k of Object.keys(counts(base[i]!))) {
          const values = traces.map((t) => counts(t[i]!)[k]).filter((v): v is number => typeof v === 'number');
          const s = spread(values);
          if (s.distinct > 1) linuxSpread.push(`record #${i} ${base[i]!.call} ${k}: ${s.text}`);
        }
      }
      if (linuxSpread.length === 0) linuxSpread.push('traces differ beyond byte counts');
    }
  }
  return {
    run: scenarioTitle(r),
    byteCounts,
    runs: traces.length,
    pressureRedone,
    gapped,
    gappedDiffer,
    linuxDistinct: new Set(hashes).size,
    equalToSim,
    others,
    linuxSpread,
    maxGapMs,
  };
}

async function main(): Promise<void> {
  const o = parse(process.argv.slice(2));
  const problem = linuxReferenceProblem();
  if (problem) throw new Error(`the Linux reference is not fresh: ${problem}`);
  const out: { runs: number; stallMs: number; cases: CaseReport[]; scenarios: ScenarioReport[] } = { runs: o.runs, stallMs: STALL_MS, cases: [], scenarios: [] };
  const log = (s: string) => process.stdout.write(`${s}\n`);
  log(`Linux repeatability: ${o.runs} undisturbed Linux runs each (a case's run with a gap >= ${STALL_MS} ms, a drift >= ${DRIFT_MS} ms, ksoftirqd running, a TCP timer firing outside advance(), or TCP memory pressure, is redone)`);

  if (o.doCases) {
    const selected = cases.filter((c) => c.family === 'tcp' && (o.cases === null || c.name.includes(o.cases)));
    log(`\n== differential cases: ${selected.length} TCP cases ==`);
    for (const c of selected) {
      const r = await measureCase(c, o.runs);
      out.cases.push(r);
      const flags = [
        r.redone
          ? `${r.redone} redone (${Object.entries(r.reasons)
              .map(([k, v]) => `${k} ${v.runs}${v.unlike ? `, ${v.unlike} unlike` : ''}`)
              .join('; ')}; ${r.disturbedUnlike} unlike every undisturbed run)`
          : '',
        r.pressureRedone ? `${r.pressureRedone} under memory pressure` : '',
        r.eqVaried.length ? `EQ VARIED: ${r.eqVaried.join(', ')}` : '',
        r.pathDiffers ? `PATH DIFFERS in ${r.pathDiffers} runs` : '',
      ].filter(Boolean);
      if (r.approx.length === 0 && flags.length === 0) continue;
      log(`${c.name}: ${r.runs} runs, longest gap ${r.maxGapMs.toFixed(2)} ms, drift ${r.maxDriftMs.toFixed(2)} ms${flags.length ? `; ${flags.join('; ')}` : ''}`);
      for (const a of r.approx) {
        const sims = a.simNative === a.simWasm ? `sims ${a.simNative}` : `sim-native ${a.simNative}, sim-wasm ${a.simWasm}`;
        const disturbedNote = a.disturbedDiffer ? ` [${a.disturbedDiffer} disturbed runs gave another value]` : '';
        log(`  #${a.index} "${a.label}" (${a.tolerance}): Linux ${a.spread}; ${sims}: ${a.exact ? 'EXACT' : 'APPROX'}${disturbedNote}`);
      }
    }
    const all = out.cases.flatMap((c) => c.approx);
    const exact = all.filter((a) => a.exact).length;
    const reproducible = all.filter((a) => a.distinct === 1).length;
    const redone = out.cases.reduce((a, c) => a + c.redone, 0);
    const differ = all.reduce((a, x) => a + x.disturbedDiffer, 0);
    log(
      `\ncases: ${all.length} byte counts (${all.filter((a) => a.tolerance !== 'exact').length} approx) in ${out.cases.filter((c) => c.approx.length).length} cases; ` +
        `${reproducible} the same in every Linux run, ${exact} of them equal on both sims too; ` +
        `${out.cases.reduce((a, c) => a + c.eqVaried.length, 0)} other eq observations varied (of ${out.cases.reduce((a, c) => a + c.eqTotal, 0)}); ` +
        `${redone} Linux runs redone as disturbed (ksoftirqd ran in ${out.cases.reduce((a, c) => a + c.softirqRedone, 0)}; ${out.cases.reduce((a, c) => a + c.disturbedUnlike, 0)} of them unlike every undisturbed run; ${differ} byte counts differed in them)`,
    );
  }

  if (o.doScenarios) {
    const selected = scenarioRuns().filter((r) => r.family === 'tcp' && (o.scenarios === null || scenarioTitle(r).includes(o.scenarios)));
    log(`\n== scenario Linux-vs-sim: ${selected.length} TCP runs ==`);
    for (const r of selected) {
      const s = await measureScenario(r, o.runs);
      out.scenarios.push(s);
      log(
        `${s.run}: ${s.byteCounts} byte counts; Linux ${s.linuxDistinct} distinct trace${s.linuxDistinct === 1 ? '' : 's'} over ${s.runs} runs; ` +
          `equal to the sim in ${s.equalToSim}/${s.runs}; longest gap ${s.maxGapMs.toFixed(2)} ms, ${s.gapped} runs with a gap >= ${STALL_MS} ms` +
          `${s.gapped ? ` (${s.gappedDiffer} of them unlike the sim)` : ''}${s.pressureRedone ? `; ${s.pressureRedone} redone under memory pressure` : ''}`,
      );
      const tallyOthers = new Map<string, number>();
      for (const x of s.others) tallyOthers.set(x, (tallyOthers.get(x) ?? 0) + 1);
      for (const [x, k] of tallyOthers) log(`    ${k}× ${x}`);
      for (const x of s.linuxSpread.slice(0, 12)) log(`    Linux vs Linux: ${x}`);
      if (s.linuxSpread.length > 12) log(`    ... ${s.linuxSpread.length - 12} more`);
    }
    const exact = out.scenarios.filter((s) => s.equalToSim === s.runs).length;
    log(
      `\nscenarios: ${out.scenarios.length} TCP runs, ${out.scenarios.reduce((a, s) => a + s.byteCounts, 0)} byte counts; ` +
        `${exact} equal to the sim in every Linux run; ${out.scenarios.reduce((a, s) => a + s.gapped, 0)} Linux runs with a gap >= ${STALL_MS} ms ` +
        `(${out.scenarios.reduce((a, s) => a + s.gappedDiffer, 0)} of them unlike the sim)`,
    );
  }
  if (o.json) writeFileSync(o.json, `${JSON.stringify(out, null, 1)}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`linux-repeatability: ${(e as Error)?.stack ?? String(e)}\n`);
  process.exit(1);
});
