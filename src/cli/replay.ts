// `edgeloop replay scenario.json | builtin:NAME`: runs a scenario on the
// simulated reactor (or, with --engine linux, the same reactor on real
// Linux sockets), prints its trace and whether its expectations held.
// Exit codes: 0 every expectation held; 1 one failed (the first is named on
// the last line); 2 the command line or the scenario document is wrong (each
// validation error printed with its JSON path).
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { parseArgs } from 'node:util';

import { EdgeloopError } from '../errors.js';
import { runScenario } from '../index.js';
import { DEFAULT_VARIANT, FAMILIES, VARIANTS } from '../reactor-options.js';
import { builtinScenario, listBuiltinScenarios } from '../simulation/catalogue.js';
import { DEFAULT_SEED, SIMULATION_ENGINES } from '../simulation/options.js';
import { formatScenarioFailure, type ScenarioResult } from '../simulation/scenario-runner.js';
import { formatScenarioIssue, parseScenario, SCENARIO_LIMITS, ScenarioError, type ScenarioDocument, type ScenarioOptions } from '../simulation/scenario-schema.js';
import { formatTraceRecord } from '../trace.js';
import type { SimulationEngineName, TraceRecord } from '../types.js';
import { parseWholeNumber, wordList } from '../validate.js';
import type { Command } from './command.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, parseError, rejectNegativeValues, UsageError } from './command.js';

/** The CLI runs in Node: the addon's simulated kernel. */
const DEFAULT_ENGINE: SimulationEngineName = 'native';

const USAGE = `Usage: edgeloop replay <scenario.json | builtin:NAME> [options]
       edgeloop replay --list

Runs a scenario (a JSON document of peer actions and expectations) on the
simulated reactor, prints the trace and checks every expectation.

Options:
  --engine ${SIMULATION_ENGINES.join('|')}  the simulated kernel's build (default ${DEFAULT_ENGINE}), or
                              linux: the same reactor on real epoll, its peers
                              real sockets (127.0.0.1, or a unique abstract name)
  --jsonl                     print the trace as raw JSON Lines (the summary goes to stderr)
  --quiet                     print no trace, only the summary
  --json                      print no trace, the result as one JSON object (ok, name,
                              engine, options, steps, records, failures...); with --list,
                              the list as a JSON array
  --list                      list the built-in scenarios
  --variant V                 run with another reactor variant (${VARIANTS.join(', ')})
  --family ${FAMILIES.join('|')}           run with another socket family
  --seed N                    run with another seed
  --sndbuf N, --rcvbuf N      the server's socket buffer sizes
  --peer-read-rate N          bytes per step for peers without their own rate
  --max-steps N, --max-events N, --max-peer-bytes N
                              the run's budgets (reactor steps, trace records, bytes
                              the peers keep), over the document's limits; past one
                              the run stops with a failure (defaults 200000, 2000000, 1 GiB)
  -h, --help                  this text

Exit status: 0 every expectation held, 1 one failed (the first is named on
the last line), 2 a bad command line or an invalid scenario (every error is
listed with its JSON path).
Example: edgeloop replay builtin:epollout-left-on --variant edgeloop
`;

const FLAGS = {
  engine: { type: 'string' },
  jsonl: { type: 'boolean' },
  quiet: { type: 'boolean' },
  json: { type: 'boolean' },
  list: { type: 'boolean' },
  variant: { type: 'string' },
  family: { type: 'string' },
  seed: { type: 'string' },
  sndbuf: { type: 'string' },
  rcvbuf: { type: 'string' },
  'peer-read-rate': { type: 'string' },
  'max-steps': { type: 'string' },
  'max-events': { type: 'string' },
  'max-peer-bytes': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Where output goes: the process's streams, or a test's buffers. */
export interface ReplayIo {
  stdout(text: string): void;
  stderr(text: string): void;
  readFile(path: string): string;
}

/** The most a scenario file may hold: a document's character limit, at 3 UTF-8 bytes a character. */
export const MAX_SCENARIO_FILE_BYTES = SCENARIO_LIMITS.maxDocumentChars * 3;

/**
 * Reads a scenario file without trusting its size: a regular file larger
 * than the limit is refused from its stat, before anything is read; any
 * other file (a FIFO, /dev/zero) is read only up to the limit. A UTF-8
 * byte-order mark is dropped (editors on some systems write one).
 */
export function readScenarioFile(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new Error('it is a directory');
    if (st.isFile() && st.size > MAX_SCENARIO_FILE_BYTES) {
      throw new Error(`it is ${st.size} bytes, more than a scenario may be (${MAX_SCENARIO_FILE_BYTES})`);
    }
    const buf = Buffer.alloc(Math.min(st.isFile() ? st.size : MAX_SCENARIO_FILE_BYTES, MAX_SCENARIO_FILE_BYTES) + 1);
    let n = 0;
    for (;;) {
      const got = readSync(fd, buf, n, buf.length - n, null);
      if (got === 0) break;
      n += got;
      if (n === buf.length) {
        if (n > MAX_SCENARIO_FILE_BYTES) throw new Error(`it holds more than ${MAX_SCENARIO_FILE_BYTES} bytes, more than a scenario may be`);
        break;
      }
    }
    const text = buf.subarray(0, n).toString('utf8');
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  } finally {
    closeSync(fd);
  }
}

let pipeGuard = false;
/** `edgeloop replay ... | head`: a reader that goes away ends the output, not with a crash. */
function guardPipe(): void {
  if (pipeGuard) return;
  pipeGuard = true;
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    process.exit(process.exitCode ?? 0);
  });
}

const processIo: ReplayIo = {
  stdout: (t) => {
    guardPipe();
    process.stdout.write(t);
  },
  stderr: (t) => void process.stderr.write(t),
  readFile: (p) => readScenarioFile(p),
};

interface ReplayArgs {
  source: string | null;
  engine: SimulationEngineName;
  jsonl: boolean;
  quiet: boolean;
  json: boolean;
  list: boolean;
  help: boolean;
  knobs: Partial<ScenarioOptions>;
  limits: NonNullable<ScenarioDocument['limits']>;
}

function whole(flag: string, text: string): number {
  const n = parseWholeNumber(text);
  if (n === undefined) throw new UsageError(`--${flag} must be a whole number, got '${text}'`);
  return n;
}

function parseReplayArgs(args: string[]): ReplayArgs {
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; options: typeof FLAGS; strict: true; allowPositionals: true }>>;
  try {
    rejectNegativeValues(args, FLAGS);
    parsed = parseArgs({ args, options: FLAGS, strict: true, allowPositionals: true });
  } catch (e) {
    throw parseError('replay', e);
  }
  const v = parsed.values;
  if (parsed.positionals.length > 1) throw new UsageError(`one scenario at a time, got ${parsed.positionals.length}: ${parsed.positionals.join(' ')}`);
  const engine = (v.engine ?? DEFAULT_ENGINE) as SimulationEngineName;
  if (!SIMULATION_ENGINES.includes(engine)) throw new UsageError(`--engine must be ${wordList(SIMULATION_ENGINES)}, got '${engine}'`);
  const outputs = (['jsonl', 'quiet', 'json'] as const).filter((f) => v[f] === true);
  if (outputs.length > 1) throw new UsageError(`--${outputs[0]} and --${outputs[1]} do not go together`);
  const knobs: Record<string, unknown> = {};
  if (v.variant !== undefined) knobs.variant = v.variant;
  if (v.family !== undefined) knobs.family = v.family;
  if (v.seed !== undefined) knobs.seed = whole('seed', v.seed);
  if (v.sndbuf !== undefined) knobs.sndbuf = whole('sndbuf', v.sndbuf);
  if (v.rcvbuf !== undefined) knobs.rcvbuf = whole('rcvbuf', v.rcvbuf);
  if (v['peer-read-rate'] !== undefined) knobs.peerReadRate = whole('peer-read-rate', v['peer-read-rate']);
  const limits: NonNullable<ScenarioDocument['limits']> = {};
  if (v['max-steps'] !== undefined) limits.maxSteps = whole('max-steps', v['max-steps']);
  if (v['max-events'] !== undefined) limits.maxEvents = whole('max-events', v['max-events']);
  if (v['max-peer-bytes'] !== undefined) limits.maxPeerBytes = whole('max-peer-bytes', v['max-peer-bytes']);
  return {
    source: parsed.positionals[0] ?? null,
    engine,
    jsonl: v.jsonl === true,
    quiet: v.quiet === true,
    json: v.json === true,
    list: v.list === true,
    help: v.help === true,
    knobs: knobs as Partial<ScenarioOptions>,
    limits,
  };
}

const KNOB_FLAGS: Readonly<Record<string, string>> = {
  'options.variant': '--variant',
  'options.family': '--family',
  'options.seed': '--seed',
  'options.sndbuf': '--sndbuf',
  'options.rcvbuf': '--rcvbuf',
  'options.peerReadRate': '--peer-read-rate',
  'limits.maxSteps': '--max-steps',
  'limits.maxEvents': '--max-events',
  'limits.maxPeerBytes': '--max-peer-bytes',
};

function list(io: ReplayIo, json: boolean): number {
  const all = listBuiltinScenarios();
  if (json) {
    io.stdout(`${JSON.stringify(all.map((s) => ({ ...s, source: `builtin:${s.name}` })))}\n`);
    return EXIT_OK;
  }
  const width = Math.max(...all.map((s) => s.name.length));
  const lines = all.map((s) => {
    const tags = [s.family, s.variant, s.contrast ? `contrast: ${s.contrast.variant}` : null].filter(Boolean).join(', ');
    return `builtin:${s.name.padEnd(width)}  ${s.title} (${tags})`;
  });
  io.stdout(`${lines.join('\n')}\n`);
  return EXIT_OK;
}

/** The trace as readable lines; each scenario action as a heading. */
export function formatScenarioTrace(records: readonly TraceRecord[], doc: ScenarioDocument): string {
  let out = '';
  for (const r of records) {
    if (r.actor === 'scenario' && r.call === 'action') {
      const i = Number(r.args.index);
      const action = doc.steps[i];
      const params = Object.entries(r.args)
        .filter(([k]) => k !== 'index' && k !== 'do' && k !== 'label')
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(' ');
      const label = action?.label !== undefined ? ` [${action.label}]` : '';
      const note = action?.note !== undefined ? `  -- ${action.note}` : '';
      out += `-- steps[${i}] ${String(r.args.do)}${params ? ` ${params}` : ''}${label}${note}\n`;
    } else {
      out += `${formatTraceRecord(r)}\n`;
    }
  }
  return out;
}

function summary(result: ScenarioResult, doc: ScenarioDocument, source: string): string {
  const o = result.options;
  const how =
    result.engine === 'linux'
      ? `linux, ${o.family}, ${o.variant ?? DEFAULT_VARIANT}`
      : `sim/${result.engine}, ${o.family}, ${o.variant ?? DEFAULT_VARIANT}, seed ${o.seed ?? DEFAULT_SEED}`;
  const counts = `${result.steps} steps, ${result.records.length} trace records`;
  const invariants = doc.invariants ? ` and ${doc.invariants.length} invariant${doc.invariants.length === 1 ? '' : 's'}` : '';
  if (result.ok) {
    return `PASS ${source} (${how}): ${doc.expect.length} expectation${doc.expect.length === 1 ? '' : 's'}${invariants} held; ${counts}\n`;
  }
  const expectations = new Set(result.failures.filter((f) => f.expectation !== null).map((f) => f.expectation)).size;
  const script = result.failures.filter((f) => f.expectation === null).length;
  const what = [
    expectations > 0 ? `${expectations} of ${doc.expect.length} expectation${doc.expect.length === 1 ? '' : 's'} failed` : null,
    script > 0 ? `${script} script step${script === 1 ? '' : 's'} failed` : null,
  ].filter(Boolean).join(', ');
  const lines = [`FAIL ${source} (${how}): ${what}; ${counts}`];
  for (const f of result.failures) lines.push(`  ${formatScenarioFailure(f)}`);
  lines.push(`first failure: ${formatScenarioFailure(result.failures[0] as ScenarioResult['failures'][number])}`);
  return `${lines.join('\n')}\n`;
}

/** --json: the result without its trace (--jsonl gives that), one object. */
function jsonResult(result: ScenarioResult, doc: ScenarioDocument, source: string): Record<string, unknown> {
  return {
    ok: result.ok,
    source,
    name: result.name,
    engine: result.engine,
    options: result.options,
    steps: result.steps,
    records: result.records.length,
    expectations: doc.expect.length,
    failures: result.failures,
    stoppedAt: result.stoppedAt,
    violation: result.violation,
  };
}

/** The command with its streams given (the tests' entry). */
export async function replay(args: string[], io: ReplayIo = processIo): Promise<number> {
  let a: ReplayArgs;
  try {
    a = parseReplayArgs(args);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr(`edgeloop replay: ${e.message}\n`);
    return EXIT_USAGE;
  }
  if (a.help) {
    io.stdout(USAGE);
    return EXIT_OK;
  }
  if (a.list) return list(io, a.json);
  if (a.source === null) {
    io.stderr('edgeloop replay: name a scenario file or builtin:NAME (edgeloop replay --list shows the built-in ones)\n');
    return EXIT_USAGE;
  }
  let doc: ScenarioDocument;
  if (a.source.startsWith('builtin:')) {
    try {
      doc = builtinScenario(a.source.slice('builtin:'.length));
    } catch (e) {
      if (!(e instanceof EdgeloopError)) throw e;
      io.stderr(`edgeloop replay: ${e.message.replace(/^builtinScenario\(\): /, '')}\n`);
      return EXIT_USAGE;
    }
  } else {
    let text: string;
    try {
      text = io.readFile(a.source);
    } catch (e) {
      io.stderr(`edgeloop replay: cannot read ${a.source}: ${(e as Error).message}\n`);
      return EXIT_USAGE;
    }
    const v = parseScenario(text);
    if (!v.ok) {
      const lines = v.errors.map((err) => `  ${formatScenarioIssue(err)}`);
      io.stderr(`edgeloop replay: ${a.source} is not a valid scenario (${v.errors.length} error${v.errors.length === 1 ? '' : 's'}):\n${lines.join('\n')}\n`);
      return EXIT_USAGE;
    }
    doc = v.scenario;
  }
  let result: ScenarioResult;
  try {
    result = await runScenario(doc, { engine: a.engine, options: a.knobs, ...(Object.keys(a.limits).length > 0 ? { limits: a.limits } : {}) });
  } catch (e) {
    if (e instanceof ScenarioError) {
      const lines = e.errors.map((err) => `  ${KNOB_FLAGS[err.path] ?? err.path}: ${err.message}`);
      const knobs = e.errors.every((err) => err.path.startsWith('options') || err.path.startsWith('limits'));
      io.stderr(`edgeloop replay: ${knobs ? 'invalid option' : `cannot run ${a.source} on engine ${a.engine}`}:\n${lines.join('\n')}\n`);
      return EXIT_USAGE;
    }
    if (e instanceof EdgeloopError) {
      io.stderr(`edgeloop replay: ${e.message}\n`);
      return EXIT_FAILURE;
    }
    throw e;
  }
  if (a.json) {
    io.stdout(`${JSON.stringify(jsonResult(result, doc, a.source))}\n`);
    return result.ok ? EXIT_OK : EXIT_FAILURE;
  }
  if (a.jsonl) io.stdout(result.trace);
  else if (!a.quiet) io.stdout(formatScenarioTrace(result.records, doc));
  (a.jsonl ? io.stderr : io.stdout)(summary(result, doc, a.source));
  return result.ok ? EXIT_OK : EXIT_FAILURE;
}

export const replayCommand: Command = { usage: USAGE, run: (args) => replay(args) };
