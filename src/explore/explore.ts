// Explore: a seeded search for reactor bugs nobody scripted. Each seed is a
// generated scenario (generate.ts) run untraced on a simulated engine with
// every invariant checked after every step; a seed that breaks one is
// shrunk (fast-check's shrinker, keeping only documents that break the SAME
// invariant) and re-run traced, so a failure is a small document that
// `edgeloop replay` fails on the same way, on both engines. Seed, filter and
// package version determine everything: the verdict is the same on native
// and wasm, run to run. Browser-safe: no node: imports (the CLI's worker
// threads are in src/cli/explore.ts).
import fc from 'fast-check';

import { describeValue, EdgeloopError } from '../errors.js';
import { FAMILIES, VARIANT_NAMES } from '../reactor-options.js';
import type { Family, SimulationEngineName, VariantName } from '../types.js';
import type { InvariantViolation } from '../simulation/invariants.js';
import type { ScenarioDocument } from '../simulation/scenario-schema.js';
import { runScenarioWith, type ScenarioResult, type SimulationFactory } from '../simulation/scenario-runner.js';
import { OptionChecker, UINT32_MAX, readOptionsSafely } from '../validate.js';
import { EXPLORE_APPS, type ExploreAppName, type GeneratorFilter, generateScenario, scenarioArbitrary } from './generate.js';
import type { ExploreJsApp } from '../simulation/js-apps.js';

export interface ExploreOptions {
  /** The reactor under test (default 'edgeloop'; the mutants need the test build). */
  variant?: VariantName;
  /** Seeds [from, to): half-open, like the CLI's --seeds A..B. */
  seeds: readonly [number, number];
  family?: Family;
  /** One app: a built-in one ('echo', 'discard', 'bulk') or a built-in JS-handler app ('line-server', 'producer'). */
  app?: ExploreAppName;
  /**
   * Your own JS handlers and their contract (what a peer must receive for
   * what it sent), explored instead of a built-in app: peers write your
   * message stream cut at random places. Replay a failure's document with
   * runScenario(doc, { jsApp }).
   */
  jsApp?: ExploreJsApp;
  /** 'native' (Node's default) or 'wasm'. */
  engine?: 'native' | 'wasm';
  /** Shrink each failure to the smallest document that breaks the same invariant (default true). */
  shrink?: boolean;
  /** Stop after this many failing seeds (default: run every seed). */
  maxFailures?: number;
  /** Wall-clock budget in ms: stop starting seeds after it (default none). */
  timeLimitMs?: number;
  /** Called after every seed. */
  onProgress?: (p: ExploreProgress) => void;
  /** Called with each failure once it is shrunk (the first of each invariant), before the search goes on. */
  onFailure?: (f: ExploreFailure) => void;
}

export interface ExploreProgress {
  seedsRun: number;
  seedsTotal: number;
  failures: number;
  elapsedMs: number;
}

export interface ExploreFailure {
  seed: number;
  invariant: InvariantViolation['invariant'];
  /** The violation in the shrunk document's traced run. */
  violation: InvariantViolation;
  /** The smallest document found that breaks the same invariant (the seed's own when not shrunk). */
  document: ScenarioDocument;
  /** The seed's document as generated. */
  original: ScenarioDocument;
  /** Shrink steps that made it smaller. */
  shrinks: number;
  /** The traced run of `document`: JSON Lines. */
  trace: string;
}

/** A seed that broke an invariant (every one of them; only the first per invariant is shrunk). */
export interface FailingSeed {
  seed: number;
  invariant: InvariantViolation['invariant'];
  message: string;
}

export interface ExploreResult {
  variant: VariantName;
  seeds: readonly [number, number];
  seedsRun: number;
  /** The first failing seed of each invariant broken, shrunk and re-run traced. */
  failures: ExploreFailure[];
  /** Every seed that broke an invariant, in seed order. */
  failingSeeds: FailingSeed[];
  /** Seeds whose script could not run to its end without any invariant broken (counted, not failures). */
  scriptErrors: number;
  elapsedMs: number;
}

export interface SeedVerdict {
  seed: number;
  document: ScenarioDocument;
  violation: InvariantViolation | null;
  /** The run stopped on something that is not an invariant (a limit): not a finding. */
  scriptError: string | null;
}

export interface ResolvedExploreOptions {
  filter: GeneratorFilter;
  seeds: readonly [number, number];
  engine: 'native' | 'wasm';
  shrink: boolean;
  maxFailures: number;
  timeLimitMs: number | null;
}

const ENGINES = ['native', 'wasm'] as const;
/**
 * Shrinking stops trying candidates after this many runs (per failure). A
 * count, never a time: the shrunk document must be the same on every
 * machine and engine, run to run.
 */
export const SHRINK_MAX_RUNS = 500;

/**
 * A user's app whose answers are checked as they are used: handlers() must
 * give an object of handlers, respond() a Uint8Array, message() a string;
 * anything else is an ERR_INVALID_ARG naming the function, not a bogus
 * finding.
 */
function checkedJsApp(app: ExploreJsApp): ExploreJsApp {
  const wrong = (what: string, expected: string, got: unknown): never => {
    throw new EdgeloopError('ERR_INVALID_ARG', `explore(): "jsApp.${what}" must return ${expected}, got ${describeValue(got)}`, { argument: `jsApp.${what}` });
  };
  const out: ExploreJsApp = {
    handlers: () => {
      const h = app.handlers();
      if (typeof h !== 'object' || h === null || Array.isArray(h)) wrong('handlers', 'an object of handlers (onConnection, onMessage, ...)', h);
      return h;
    },
    respond: (sent) => {
      const r = app.respond(sent);
      if (!(r instanceof Uint8Array)) wrong('respond', 'a Uint8Array (the bytes the peer is owed)', r);
      return r;
    },
  };
  if (app.message) {
    const message = app.message.bind(app);
    out.message = (i) => {
      const m = message(i);
      if (typeof m !== 'string') wrong('message', 'a string', m);
      return m;
    };
  }
  return out;
}

/** Checks explore()'s options: EdgeloopError ERR_INVALID_ARG naming the field. */
export function resolveExploreOptions(options: unknown, defaultEngine: 'native' | 'wasm'): ResolvedExploreOptions {
  return readOptionsSafely('explore()', () => resolveExploreOptionsUnchecked(options, defaultEngine));
}

function resolveExploreOptionsUnchecked(options: unknown, defaultEngine: 'native' | 'wasm'): ResolvedExploreOptions {
  const c = new OptionChecker('explore()');
  const o = c.object(options, [], ['variant', 'seeds', 'family', 'app', 'jsApp', 'engine', 'shrink', 'maxFailures', 'timeLimitMs', 'onProgress', 'onFailure'], ['seeds']);
  const variant = o.variant === undefined ? 'edgeloop' : c.oneOf(o.variant, ['variant'], VARIANT_NAMES);
  if (!Array.isArray(o.seeds) || o.seeds.length !== 2) c.invalid(['seeds'], 'a pair [from, to) of uint32 seeds', o.seeds);
  const seeds = o.seeds as unknown[];
  const from = c.int(seeds[0], ['seeds', 0], 0, UINT32_MAX);
  const to = c.int(seeds[1], ['seeds', 1], 0, UINT32_MAX + 1);
  if (to <= from) c.invalid(['seeds'], `a non-empty range [from, to) (to greater than from)`, o.seeds);
  const filter: GeneratorFilter = { variant };
  if (o.family !== undefined) filter.family = c.oneOf(o.family, ['family'], FAMILIES);
  if (o.app !== undefined && o.jsApp !== undefined) c.invalid(['app'], 'left out when "jsApp" is given (the app is yours)', o.app);
  if (o.app !== undefined) filter.app = c.oneOf(o.app, ['app'], EXPLORE_APPS);
  if (o.jsApp !== undefined) {
    const j = c.object(o.jsApp, ['jsApp'], ['handlers', 'respond', 'message'], ['handlers', 'respond'], 'an object { handlers(), respond(sent), message?(i) }');
    for (const k of ['handlers', 'respond', 'message']) if (j[k] !== undefined && typeof j[k] !== 'function') c.invalid(['jsApp', k], 'a function', j[k]);
    filter.app = 'custom';
    filter.jsApp = checkedJsApp(o.jsApp as ExploreJsApp);
  }
  const engine = o.engine === undefined ? defaultEngine : c.oneOf(o.engine, ['engine'], ENGINES);
  const shrink = o.shrink === undefined ? true : c.bool(o.shrink, ['shrink']);
  const maxFailures = o.maxFailures === undefined ? Infinity : c.int(o.maxFailures, ['maxFailures'], 1, Number.MAX_SAFE_INTEGER);
  const timeLimitMs = o.timeLimitMs === undefined ? null : c.int(o.timeLimitMs, ['timeLimitMs'], 1, Number.MAX_SAFE_INTEGER);
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function') c.invalid(['onProgress'], 'a function', o.onProgress);
  if (o.onFailure !== undefined && typeof o.onFailure !== 'function') c.invalid(['onFailure'], 'a function', o.onFailure);
  return { filter, seeds: [from, to], engine, shrink, maxFailures, timeLimitMs };
}

/** One document, untraced (fast) or traced: its first violation, or what stopped it. */
export async function checkDocument(
  Sim: SimulationFactory,
  doc: ScenarioDocument,
  engine: SimulationEngineName,
  trace: boolean,
  jsApp?: ExploreJsApp,
): Promise<{ violation: InvariantViolation | null; scriptError: string | null; result: ScenarioResult }> {
  const custom = typeof doc.options.app === 'object' && 'js' in doc.options.app && doc.options.app.js === 'custom';
  const result = await runScenarioWith(Sim, doc, { engine, trace, ...(custom && jsApp ? { jsApp } : {}) });
  const scriptError = result.violation === null && result.failures.length > 0 ? (result.failures[0]?.message ?? null) : null;
  return { violation: result.violation, scriptError, result };
}

/** Runs one seed's document untraced. */
export async function runSeed(Sim: SimulationFactory, o: ResolvedExploreOptions, seed: number): Promise<SeedVerdict> {
  const document = generateScenario(o.filter, seed);
  document.name = `explore-${o.filter.variant}-${seed}`.slice(0, 64).replace(/-+$/, '');
  const { violation, scriptError } = await checkDocument(Sim, document, o.engine, false, o.filter.jsApp);
  return { seed, document, violation, scriptError };
}

/**
 * The smallest document fast-check's shrinker finds from the seed's that
 * still breaks `invariant` (untraced runs), then its traced run.
 */
export async function shrinkFailure(Sim: SimulationFactory, o: ResolvedExploreOptions, verdict: SeedVerdict): Promise<ExploreFailure> {
  const first = verdict.violation as InvariantViolation;
  let best = verdict.document;
  let shrinks = 0;
  if (o.shrink) {
    // A budget: a liveness failure runs every settle phase to its bound, and
    // the shrink tree can be wide. Past it every candidate passes unrun, so
    // fast-check ends with the smallest failing document found so far.
    let runs = 0;
    const prop = fc.asyncProperty(scenarioArbitrary(o.filter), async (doc) => {
      if (runs >= SHRINK_MAX_RUNS) return true;
      runs++;
      const r = await checkDocument(Sim, doc, o.engine, false, o.filter.jsApp);
      return r.violation?.invariant !== first.invariant;
    });
    const out = await fc.check(prop, { seed: verdict.seed, numRuns: 1 });
    if (out.failed && out.counterexample) {
      best = out.counterexample[0];
      shrinks = out.numShrinks;
    }
  }
  best = { ...best, name: verdict.document.name, title: `Explore: ${first.invariant} (seed ${verdict.seed}, variant ${o.filter.variant})` };
  best.explanation = `Found by edgeloop explore --variant ${o.filter.variant}, seed ${verdict.seed}${shrinks ? `, shrunk in ${shrinks} steps` : ''}. Invariant ${first.invariant}: ${first.message}`.slice(0, 4000);
  const traced = await checkDocument(Sim, best, o.engine, true, o.filter.jsApp);
  if (traced.violation === null || traced.violation.invariant !== first.invariant) {
    // Untraced and traced runs take the same path (tracing only records): a mismatch is a determinism bug.
    throw new EdgeloopError('ERR_BACKEND', `explore(): seed ${verdict.seed} broke ${first.invariant} untraced but its traced re-run ${traced.violation ? `broke ${traced.violation.invariant}` : 'passed'}: a determinism bug, please report it with the seed`);
  }
  return { seed: verdict.seed, invariant: first.invariant, violation: traced.violation, document: best, original: verdict.document, shrinks, trace: traced.result.trace };
}

/** The search: every seed of the range (in order), each failure shrunk. */
export async function exploreWith(Sim: SimulationFactory, options: ExploreOptions, defaultEngine: 'native' | 'wasm'): Promise<ExploreResult> {
  const o = resolveExploreOptions(options, defaultEngine);
  const start = Date.now();
  const [from, to] = o.seeds;
  const failures: ExploreFailure[] = [];
  const failingSeeds: FailingSeed[] = [];
  let scriptErrors = 0;
  let seedsRun = 0;
  for (let seed = from; seed < to; seed++) {
    if (o.timeLimitMs !== null && Date.now() - start > o.timeLimitMs) break;
    const v = await runSeed(Sim, o, seed);
    seedsRun++;
    if (v.scriptError !== null) scriptErrors++;
    if (v.violation) {
      failingSeeds.push({ seed, invariant: v.violation.invariant, message: v.violation.message });
      if (!failures.some((f) => f.invariant === v.violation?.invariant)) {
        const f = await shrinkFailure(Sim, o, v);
        failures.push(f);
        options.onFailure?.(f);
      }
    }
    options.onProgress?.({ seedsRun, seedsTotal: to - from, failures: failingSeeds.length, elapsedMs: Date.now() - start });
    if (failingSeeds.length >= o.maxFailures) break;
  }
  return { variant: o.filter.variant, seeds: o.seeds, seedsRun, failures, failingSeeds, scriptErrors, elapsedMs: Date.now() - start };
}

/** What real Linux showed for a failure's document (engine 'linux'). */
export interface LinuxConfirmation {
  /** same: Linux breaks the same invariant; other: another one; holds: none; skipped: the document cannot run there (`why`). */
  verdict: 'same' | 'other' | 'holds' | 'skipped';
  /** The violation on Linux, or why it was skipped. */
  detail: string;
}

/**
 * Replays a failure's shrunk document on real Linux sockets (engine
 * 'linux'), when it uses no fault (only the simulation injects them) and
 * no user app: whether Linux shows the same violation.
 */
export async function confirmOnLinux(Sim: SimulationFactory, f: ExploreFailure, timeLimitMs = 60_000): Promise<LinuxConfirmation> {
  const doc = f.document;
  if (doc.faults && doc.faults.length > 0) return { verdict: 'skipped', detail: `it has ${doc.faults.length} fault${doc.faults.length === 1 ? '' : 's'}, which only the simulation injects` };
  if (typeof doc.options.app === 'object' && 'js' in doc.options.app && doc.options.app.js === 'custom') return { verdict: 'skipped', detail: 'its app is your own handlers' };
  const r = await runScenarioWith(Sim, doc, { engine: 'linux', trace: false, timeLimitMs });
  if (r.violation === null) {
    // Only a run that went to its end says Linux holds; one that stopped (a
    // limit, the time limit, a connect that failed) says nothing either way.
    if (r.failures.length > 0) return { verdict: 'skipped', detail: `the Linux run stopped before its end: ${r.failures[0]?.message}` };
    return { verdict: 'holds', detail: 'no invariant broken on Linux' };
  }
  return { verdict: r.violation.invariant === f.invariant ? 'same' : 'other', detail: `${r.violation.invariant}: ${r.violation.message}` };
}
