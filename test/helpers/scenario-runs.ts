// The scenario runs the Linux-vs-sim suite compares (test/scenario-linux-vs-sim.test.ts),
// shared with the repeatability tool (test/differential/linux-repeatability.ts).
import { builtinScenario, listBuiltinScenarios, runScenario } from '../../src/index.js';
import type { Family, ScenarioDocument, ScenarioResult, TraceRecord } from '../../src/index.js';

/** SO_RCVBUF 65536 is Linux's unlocked start (131072), locked; SO_SNDBUF for peers that write. */
const LOCKED_RCVBUF = 65536;
const LOCKED_PEER_SNDBUF = 1048576;

export interface ScenarioRun {
  name: string;
  family: Family;
  own: boolean;
  variant?: string;
}

export function scenarioRuns(): ScenarioRun[] {
  const out: ScenarioRun[] = [];
  for (const s of listBuiltinScenarios()) {
    // Faults are injected by the simulated kernel: Linux gives them when it will.
    if (builtinScenario(s.name).faults?.length) continue;
    const other: Family = s.family === 'unix' ? 'tcp' : 'unix';
    out.push({ name: s.name, family: s.family, own: true }, { name: s.name, family: other, own: false });
    if (s.contrast) out.push({ name: s.name, family: s.family, own: true, variant: s.contrast.variant });
  }
  return out;
}

export function scenarioTitle(r: ScenarioRun): string {
  return `${r.name} on ${r.family}${r.own ? '' : ' (the other family)'}${r.variant ? `, variant ${r.variant}` : ''}`;
}

/** The document for a run: a unix document run on TCP locks every buffer Linux would autotune. */
export function documentFor(r: ScenarioRun): ScenarioDocument {
  const doc = builtinScenario(r.name);
  if (r.family === 'tcp' && !r.own) {
    doc.options.rcvbuf ??= LOCKED_RCVBUF;
    for (const p of doc.peers) {
      p.rcvbuf ??= LOCKED_RCVBUF;
      p.sndbuf ??= LOCKED_PEER_SNDBUF;
    }
  }
  return doc;
}

export async function runScenarioOn(r: ScenarioRun, engine: 'native' | 'linux'): Promise<ScenarioResult> {
  const options: Record<string, unknown> = { family: r.family };
  if (r.variant !== undefined) options.variant = r.variant;
  return runScenario(documentFor(r), { engine, options, timeLimitMs: 20_000 });
}

/**
 * A Linux run's longest stretch of real time with no record in its trace
 * (reactor, peers and scenario alike), its advance() sleeps left out (an
 * `advance` record covers [t, t + ms]): the scenario counterpart of the
 * differential suite's gap between two calls (test/differential/linux-run.ts).
 */
export function traceStallMs(records: readonly TraceRecord[]): number {
  const spans: Array<[number, number]> = records.map((x) => {
    const ms = x.call === 'advance' && typeof x.args.ms === 'number' ? x.args.ms : 0;
    return [x.t, x.t + ms];
  });
  spans.sort((a, b) => a[0] - b[0]);
  let longest = 0;
  let end = spans.length > 0 ? spans[0]![1] : 0;
  for (const [s, e] of spans) {
    if (s - end > longest) longest = s - end;
    if (e > end) end = e;
  }
  return longest;
}
