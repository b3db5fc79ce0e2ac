// Runs a scenario document (scenario-schema.ts) on the Simulation API and
// checks its expectations. Deterministic: the trace depends only on the
// document, the knobs and the engine's kernel (and is byte-identical on the
// native and wasm engines); expectations only read, so they never change it.
// Bounded: every action has a step limit, the whole scenario has one
// (limits.maxSteps), and an optional wall-clock limit is a last resort.
//
// The trace gets one record per action (actor 'scenario', call 'action'),
// so a reader of the trace sees which part of the script caused what.
import { TUNING_FIELDS } from '../reactor-options.js';
import { EdgeloopError } from '../errors.js';
import { formatTraceRecord, traceToJsonl } from '../trace.js';
import { TraceStore } from '../trace-store.js';
import type {
  ErrnoName,
  SimulationEngineName,
  SimulationOptions,
  SimulationSnapshot,
  CompactTrace,
  TraceRecord,
} from '../types.js';
import type { Peer } from './peer.js';
import {
  assertScenario,
  ScenarioError,
  validateScenario,
  validateScenarioOptions,
  type ActionRef,
  type ConnectionCheck,
  type OrderCheck,
  type PeerCheck,
  type Range,
  type ScenarioAction,
  type ScenarioDocument,
  type ScenarioExpectation,
  type ScenarioOptions,
  type ServerCheck,
  type StateCheck,
  type TraceCheck,
  type TraceMatch,
  SCENARIO_LIMITS,
} from './scenario-schema.js';
import type { Simulation } from './simulation.js';
import { InvariantChecker, type InvariantViolation } from './invariants.js';
import { describeFault, FAULT_FIELDS } from './faults.js';
import { CUSTOM_JS_APP, JS_APPS, type ExploreJsApp } from './js-apps.js';
import type { ScenarioFault } from './scenario-schema.js';

export interface RunScenarioOptions {
  /** Default: the entry's default ('native' in Node, 'wasm' in the browser); 'linux' (Node only): real sockets. */
  engine?: SimulationEngineName;
  /** Knobs that replace the document's options (variant, family, sndbuf, seed...), validated as `options`. */
  options?: Partial<ScenarioOptions>;
  /** Wall-clock limit in ms (default none): a safety net, not part of the deterministic result. */
  timeLimitMs?: number;
  /**
   * Called after every reactor step, with the simulation (to take a
   * snapshot, for a player's gauges). It must only look: anything it does to
   * the simulation ends up in the trace.
   */
  onStep?: (info: ScenarioStepInfo) => void;
  /** Record the trace (default true). Off, `trace` and `records` are empty and trace expectations fail as unchecked; invariants and state checks run as usual. */
  trace?: boolean;
  /** The app of a document whose `options.app` is `{ "js": "custom" }`: a user's own JS handlers and their contract (what explore() of them writes). */
  jsApp?: ExploreJsApp;
  /** Budgets that replace the document's `limits` (validated the same way): maxSteps, maxEvents, maxPeerBytes. */
  limits?: ScenarioDocument['limits'];
  /**
   * The state up to each trace record of a range, where onStep gives it
   * after each reactor step only: `onRecord` is called once for each record
   * index in [from, to] the run makes after the simulation's setup, in
   * order, with the simulation in the state up to that record
   * (Simulation.watchRecords says which moment that is). It must only look.
   * The run goes on after `to`. Not with `trace: false`.
   */
  watch?: { from: number; to: number; onRecord: (info: ScenarioRecordInfo) => void };
}

export interface ScenarioRecordInfo {
  /** The record (an index into `records`): the simulation is in the state up to it. */
  record: number;
  /** Reactor steps finished at that moment (the record may be inside the next one). */
  step: number;
  /** The action running at that moment (index into steps; -1 before the first): a record that ends an action may be reported once the next has begun. */
  action: number;
  sim: Simulation;
}

export interface ScenarioStepInfo {
  /** Steps run so far (1 after the first). */
  step: number;
  /** The action that ran the step (index into steps). */
  action: number;
  /** Trace records so far. */
  records: number;
  sim: Simulation;
}

export interface ScenarioFailure {
  /** Index into `expect`; null for a failure of the script itself (an action, a limit). */
  expectation: number | null;
  /** The field that failed: 'expect[2].receivedBytes', 'steps[4]', 'limits.maxSteps'. */
  path: string;
  message: string;
  /** The expectation's description, when it has one. */
  description?: string;
}

/** What one action did: its reactor steps [stepFrom, stepTo) and trace records [recordFrom, recordTo) (indexes into `records`, its own marker included). */
export interface ActionSpan {
  index: number;
  do: ScenarioAction['do'];
  label?: string;
  stepFrom: number;
  stepTo: number;
  recordFrom: number;
  recordTo: number;
}

export interface ScenarioResult {
  /** Every expectation held and the script ran to its end. */
  ok: boolean;
  name: string;
  engine: SimulationEngineName;
  /** The options the simulation ran with (the document's, with the knobs applied). */
  options: ScenarioOptions;
  failures: ScenarioFailure[];
  /** The trace, JSON Lines (header first); made the first time it is read. */
  trace: string;
  /** The trace's records; made the first time they are read. */
  records: readonly TraceRecord[];
  /**
   * The trace as the kernel kept it (src/trace-store.ts: seq, t and a
   * template per record), for a reader of a very long run that wants
   * neither the text nor an object per record; null with tracing off.
   * Not enumerable: a result written as JSON does not carry it.
   */
  readonly compactTrace?: CompactTrace | null;
  /** The state at the end. */
  snapshot: SimulationSnapshot;
  /** Reactor steps run. */
  steps: number;
  actions: ActionSpan[];
  /** The action the script stopped at (an action that could not run, a limit), or null. */
  stoppedAt: number | null;
  /** The first invariant broken (documents with `invariants`), or null. */
  violation: InvariantViolation | null;
}

/** What runScenario needs of a Simulation class (the entry's own, with its engines). */
export interface SimulationFactory {
  create(options?: SimulationOptions): Promise<Simulation>;
}

const CHUNK = 64 * 1024;
/** settle: the virtual time a quiet run must stay quiet through, in these waits. */
const QUIET_WAITS_MS = [50, 200, 1000, 5000, 30_000];
/** settle: steps each of its phases may take (default). */
const DEFAULT_SETTLE_STEPS = 5000;
const DEFAULT_WRITE_ALL_STEPS = 10_000;
/** readAll: more reads than any buffer can need. */
const MAX_READS = 1 << 16;

/** A stop of the whole script (the failure it reports). */
class Stop {
  constructor(readonly failure: ScenarioFailure) {}
}

// ---- formatting ----

export function formatRange(r: Range): string {
  if (typeof r === 'number') return String(r);
  if (r.min !== undefined && r.max !== undefined) return r.min === r.max ? String(r.min) : `between ${r.min} and ${r.max}`;
  return r.min !== undefined ? `at least ${r.min}` : `at most ${r.max}`;
}

function inRange(v: number, r: Range): boolean {
  if (typeof r === 'number') return v === r;
  return (r.min === undefined || v >= r.min) && (r.max === undefined || v <= r.max);
}

function describeMatch(m: TraceMatch): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(m)) {
    if (k === 'ret') parts.push(`ret ${formatRange(v as Range)}`);
    else if (Array.isArray(v)) parts.push(`${k} ${v.join('|')}`);
    else if (typeof v === 'object' && v !== null) parts.push(`${k} ${JSON.stringify(v)}`);
    else parts.push(`${k} ${typeof v === 'string' ? v : JSON.stringify(v)}`);
  }
  return `{ ${parts.join(', ')} }`;
}

/** `expect[2] ("EPOLLOUT is off once drained"): ...` or `steps[4]: ...`. */
export function formatScenarioFailure(f: ScenarioFailure): string {
  const where = f.expectation === null ? f.path : `expect[${f.expectation}]`;
  const what = f.description ? ` (${JSON.stringify(f.description)})` : '';
  return `${where}${what}: ${f.message}`;
}

// ---- the run ----

interface PeerState {
  written: number;
  lastWrite: number | ErrnoName | null;
}

class ScenarioRun {
  readonly failures: ScenarioFailure[] = [];
  readonly spans: ActionSpan[] = [];
  stoppedAt: number | null = null;
  private readonly peerState = new Map<string, PeerState>();
  /** action index -> connection id -> the largest send_buf_ seen after a step of that action. */
  private readonly maxSendBuf = new Map<number, Map<number, number>>();
  private readonly trackMax: boolean;
  private readonly stepLimit: number;
  private readonly eventLimit: number;
  private readonly peerByteLimit: number;
  private readonly deadline: number | null;
  private readonly groups: Map<string, string[]>;
  private readonly labels: Map<string, number>;
  private listenerName: string | null = null;
  /** The action running (-1 before the first). */
  current = -1;
  readonly checker: InvariantChecker | null;
  private readonly faultsAt = new Map<number, ScenarioFault[]>();
  /** Peers whose connect() failed (EMFILE under a lowered RLIMIT_NOFILE...): their later actions are skipped, not failed. */
  private readonly connectFailed = new Map<string, string>();

  constructor(
    private readonly doc: ScenarioDocument,
    private readonly sim: Simulation,
    timeLimitMs: number | undefined,
    private readonly onStep: RunScenarioOptions['onStep'],
    jsApp: ExploreJsApp | null,
  ) {
    this.stepLimit = doc.limits?.maxSteps ?? SCENARIO_LIMITS.defaultTotalSteps;
    this.eventLimit = doc.limits?.maxEvents ?? SCENARIO_LIMITS.defaultMaxEvents;
    this.peerByteLimit = doc.limits?.maxPeerBytes ?? SCENARIO_LIMITS.defaultMaxPeerBytes;
    this.deadline = timeLimitMs === undefined ? null : Date.now() + timeLimitMs;
    this.trackMax = doc.expect.some((e) => e.check === 'connection' && e.maxSendBuf !== undefined);
    this.groups = new Map();
    for (const p of doc.peers) {
      const names = p.count === undefined ? [p.name] : Array.from({ length: p.count }, (_, k) => `${p.name}${k + 1}`);
      this.groups.set(p.name, names);
      if (p.count !== undefined) for (const n of names) this.groups.set(n, [n]);
    }
    this.labels = new Map();
    doc.steps.forEach((s, i) => {
      if (s.label !== undefined) this.labels.set(s.label, i);
    });
    this.checker = doc.invariants ? new InvariantChecker({ sim, options: doc.options, enabled: new Set(doc.invariants), ...(jsApp ? { jsApp } : {}) }) : null;
    for (const f of doc.faults ?? []) {
      const k = this.index(f.at);
      this.faultsAt.set(k, [...(this.faultsAt.get(k) ?? []), f]);
    }
  }

  private index(ref: ActionRef): number {
    return typeof ref === 'number' ? ref : (this.labels.get(ref) as number);
  }

  private members(ref: string): string[] {
    return this.groups.get(ref) ?? [ref];
  }

  /** The members an action acts on: those whose connect failed are skipped (a trace record says so). */
  private acting(ref: string): string[] {
    const all = this.members(ref);
    if (this.connectFailed.size === 0) return all;
    return all.filter((n) => {
      const err = this.connectFailed.get(n);
      if (err === undefined || this.peer(n).fd !== null) return true;
      this.sim.kernel.ingestTrace([{ t: this.sim.kernel.now(), actor: 'scenario', call: 'skipped', args: { peer: n, why: `its connect failed: ${err}` } }]);
      return false;
    });
  }

  private peer(name: string): Peer {
    return this.sim.peer(name);
  }

  private state(name: string): PeerState {
    let s = this.peerState.get(name);
    if (!s) {
      s = { written: 0, lastWrite: null };
      this.peerState.set(name, s);
    }
    return s;
  }

  // ---- script ----

  run(): void {
    const { sim, doc } = this;
    const readRate = doc.options.peerReadRate;
    // Only the peers an expectation reads the bytes of (inOrder, text) keep them; the rest count them.
    const keepBytes = new Set<string>();
    for (const e of doc.expect) {
      if (e.check === 'peer' && (e.inOrder !== undefined || e.text !== undefined)) for (const n of this.members(e.peer)) keepBytes.add(n);
    }
    for (const p of doc.peers) {
      for (const name of this.members(p.name)) {
        const o: { sndbuf?: number; rcvbuf?: number; readPerStep?: number } = {};
        if (p.sndbuf !== undefined) o.sndbuf = p.sndbuf;
        if (p.rcvbuf !== undefined) o.rcvbuf = p.rcvbuf;
        const rate = p.readPerStep ?? readRate;
        if (rate !== undefined) o.readPerStep = rate;
        const peer = sim.peer(name, o);
        peer.keepReceived = keepBytes.has(name);
        if (p.reading === false) peer.stopReading();
      }
    }
    this.listenerName = sim.snapshot().listen.name;
    const at = new Map<number, number[]>();
    const atEnd: number[] = [];
    doc.expect.forEach((e, i) => {
      const ref = e.at ?? e.during;
      if (ref === undefined) atEnd.push(i);
      else {
        const k = this.index(ref);
        at.set(k, [...(at.get(k) ?? []), i]);
      }
    });

    for (let i = 0; i < doc.steps.length; i++) {
      const action = doc.steps[i] as ScenarioAction;
      this.current = i;
      const span: ActionSpan = { index: i, do: action.do, stepFrom: sim.steps, stepTo: sim.steps, recordFrom: sim.traceLength, recordTo: 0 };
      if (action.label !== undefined) span.label = action.label;
      this.spans.push(span);
      this.marker(i, action);
      if (this.checker) this.checker.action = i;
      try {
        for (const f of this.faultsAt.get(i) ?? []) this.arm(f);
        this.perform(i, action);
      } catch (e) {
        const failure =
          e instanceof Stop
            ? e.failure
            : { expectation: null, path: `steps[${i}]`, message: e instanceof EdgeloopError ? e.message : `failed: ${(e as Error)?.message ?? String(e)}` };
        if (!(e instanceof Stop) && !(e instanceof EdgeloopError)) throw e;
        this.failures.push(failure);
        this.stoppedAt = i;
      }
      span.stepTo = sim.steps;
      span.recordTo = sim.traceLength;
      if (this.stoppedAt !== null) break;
      for (const k of at.get(i) ?? []) this.evaluate(k);
    }
    if (this.stoppedAt !== null) {
      const stopped = this.stoppedAt;
      for (const [k, list] of [...at.entries()].sort((x, y) => x[0] - y[0])) {
        if (k < stopped) continue;
        for (const e of list) {
          this.fail(e, this.fieldOf(e), `not checked: the script stopped at steps[${stopped}] before steps[${k}] ran`);
        }
      }
    }
    for (const k of atEnd) this.evaluate(k);
    this.failures.sort((a, b) => order(a) - order(b));
  }

  private marker(i: number, action: ScenarioAction): void {
    const args: Record<string, unknown> = { index: i };
    for (const [k, v] of Object.entries(action)) {
      if (k === 'note' || k === 'until') continue;
      args[k] = v;
    }
    if ('until' in action && action.until !== undefined) args.until = action.until === 'idle' ? 'idle' : action.until.check;
    this.sim.kernel.ingestTrace([{ t: this.sim.kernel.now(), actor: 'scenario', call: 'action', args }]);
  }

  private stepOnce(): ReturnType<Simulation['step']> {
    const { sim } = this;
    if (sim.steps >= this.stepLimit) {
      throw new Stop({
        expectation: null,
        path: 'limits.maxSteps',
        message: `the scenario took more than ${this.stepLimit} reactor steps (at steps[${this.current}])`,
      });
    }
    if (sim.traceLength > this.eventLimit) {
      throw new Stop({
        expectation: null,
        path: 'limits.maxEvents',
        message: `the trace passed ${this.eventLimit} records (at steps[${this.current}], reactor step ${sim.steps}): raise limits.maxEvents (--max-events) or make the scenario smaller`,
      });
    }
    let kept = 0;
    for (const p of sim.peers) if (p.keepReceived) kept += p.receivedBytes;
    if (kept > this.peerByteLimit) {
      throw new Stop({
        expectation: null,
        path: 'limits.maxPeerBytes',
        message: `the peers hold ${kept} received bytes, more than ${this.peerByteLimit} (at steps[${this.current}], reactor step ${sim.steps}): raise limits.maxPeerBytes (--max-peer-bytes) or send less`,
      });
    }
    if (this.deadline !== null && Date.now() > this.deadline) {
      throw new Stop({ expectation: null, path: `steps[${this.current}]`, message: 'the wall-clock time limit ran out' });
    }
    let r: ReturnType<Simulation['step']>;
    try {
      r = sim.step();
    } catch (e) {
      // A reactor whose loop failed (epoll_wait gave up) is dead: under
      // invariants that is a liveness violation, with the binding's words.
      if (!this.checker || !(e instanceof EdgeloopError) || e.code !== 'ERR_BACKEND') throw e;
      this.checker.violation ??= { invariant: 'liveness', peer: null, conn: null, step: sim.steps, action: this.current, message: `the reactor stopped: ${e.message}` };
      throw this.violationStop();
    }
    if (this.checker) {
      // The reactor's state changes only in a step where it ran something: a
      // quiet step (no event, no app event) is not asked again (a large share
      // of an explored run's steps, and the state is a JSON document).
      const ran = r.reactorEvents > 0 || r.appEvents > 0;
      this.checker.afterStep(r.reactorEvents, r.appEvents, this.checker.needsHost && ran ? sim.hostState() : null);
      if (this.checker.violation) throw this.violationStop();
    }
    if (this.trackMax) this.sample();
    this.onStep?.({ step: sim.steps, action: this.current, records: sim.traceLength, sim });
    return r;
  }

  private violationStop(): Stop {
    const v = this.checker?.violation as InvariantViolation;
    return new Stop({ expectation: null, path: `invariants.${v.invariant}`, message: `${v.message} (after step ${v.step}, in steps[${v.action}])` });
  }

  /** Arms one fault of the document (a peer's: on each member's server-side connection that is open now). */
  private arm(f: ScenarioFault): void {
    const { at: _at, peer, note: _note, ...spec } = f;
    if (!FAULT_FIELDS[f.fault].target) {
      this.sim.armFault(spec, null);
      return;
    }
    for (const n of this.members(peer as string)) {
      const id = this.sim.peers.find((p) => p.name === n)?.connection?.id;
      const conn = id === undefined ? undefined : this.sim.connection(id);
      if (!conn || conn.closed) {
        const args = { fault: describeFault({ ...spec, peer: n }), reason: 'the peer has no open connection' };
        this.sim.kernel.ingestTrace([{ t: this.sim.kernel.now(), actor: 'scenario', call: 'faultSkipped', args }]);
        continue;
      }
      this.sim.armFault(spec, conn.fd);
    }
  }

  private sample(): void {
    let per = this.maxSendBuf.get(this.current);
    if (!per) {
      per = new Map();
      this.maxSendBuf.set(this.current, per);
    }
    for (const c of this.sim.snapshot().connections) per.set(c.id, Math.max(per.get(c.id) ?? 0, c.sendBuf));
  }

  private write(name: string, data: Uint8Array | string | number): number | ErrnoName {
    const r = this.peer(name).write(data);
    this.checker?.wrote(this.peer(name), data, r);
    const s = this.state(name);
    s.lastWrite = r;
    if (typeof r === 'number') s.written += r;
    return r;
  }

  private perform(i: number, a: ScenarioAction): void {
    const path = `steps[${i}]`;
    switch (a.do) {
      case 'connect':
        for (const n of this.members(a.peer)) {
          const r = this.peer(n).connect();
          if (r === 0) this.checker?.connected(this.peer(n));
          else this.connectFailed.set(n, r);
        }
        return;
      case 'write':
        for (const n of this.acting(a.peer)) this.write(n, a.data ?? (a.bytes as number));
        return;
      case 'writeAll': {
        const maxSteps = a.maxSteps ?? DEFAULT_WRITE_ALL_STEPS;
        const names = this.acting(a.peer);
        const left = new Map(names.map((n) => [n, a.bytes]));
        for (let steps = 0; ; steps++) {
          for (const n of names) {
            let rest = left.get(n) as number;
            while (rest > 0) {
              const r = this.write(n, Math.min(CHUNK, rest));
              if (typeof r === 'string') {
                if (r === 'EAGAIN') break;
                throw new Stop({ expectation: null, path, message: `peer "${n}": write failed with ${r} after ${a.bytes - rest} of ${a.bytes} bytes` });
              }
              rest -= r;
            }
            left.set(n, rest);
          }
          const pending = names.filter((n) => (left.get(n) as number) > 0);
          if (pending.length === 0) return;
          if (steps >= maxSteps) {
            const n = pending[0] as string;
            this.failures.push({
              expectation: null,
              path,
              message: `peer "${n}" wrote ${a.bytes - (left.get(n) as number)} of ${a.bytes} bytes within maxSteps ${maxSteps}`,
            });
            return;
          }
          this.stepOnce();
        }
      }
      case 'flood':
        for (let k = 0; k < a.steps; k++) {
          for (const n of this.acting(a.peer)) {
            for (;;) {
              const r = this.write(n, CHUNK);
              if (typeof r === 'string' || r === 0) break;
            }
          }
          this.stepOnce();
        }
        return;
      case 'read':
        for (const n of this.acting(a.peer)) this.peer(n).read(a.max);
        return;
      case 'readAll':
        for (const n of this.acting(a.peer)) {
          const p = this.peer(n);
          for (let k = 0; k < MAX_READS; k++) {
            const r = p.read(CHUNK);
            if (typeof r === 'string' || r.length === 0) break;
          }
        }
        return;
      case 'stopReading':
        for (const n of this.acting(a.peer)) this.peer(n).stopReading();
        return;
      case 'resumeReading':
        for (const n of this.acting(a.peer)) this.peer(n).resume();
        return;
      case 'shutdown':
        for (const n of this.acting(a.peer)) {
          this.peer(n).shutdown(a.how);
          this.checker?.shut(this.peer(n), a.how);
        }
        return;
      case 'close':
        for (const n of this.acting(a.peer)) this.peer(n).close();
        return;
      case 'closeWithUnread':
        for (const n of this.acting(a.peer)) this.peer(n).closeWithUnread();
        return;
      case 'step':
        for (let k = 0; k < (a.count ?? 1); k++) this.stepOnce();
        return;
      case 'run': {
        const until = a.until ?? 'idle';
        for (let k = 0; k < a.maxSteps; k++) {
          if (until !== 'idle' && this.stateFailure(until, -1, 'steps') === null) return;
          const r = this.stepOnce();
          if (until === 'idle' && r.idle) return;
        }
        if (until !== 'idle' && this.stateFailure(until, -1, 'steps') === null) return;
        if (a.mustReach !== false) {
          const why = until === 'idle' ? 'the reactor did not go idle' : `until did not hold: ${this.stateFailure(until, -1, 'steps')?.message}`;
          this.failures.push({ expectation: null, path, message: `${why} within maxSteps ${a.maxSteps}` });
        }
        return;
      }
      case 'advance':
        this.sim.advance(a.ms);
        return;
      case 'stopAccepting':
        this.checker?.stoppedAccepting();
        this.sim.stopAccepting();
        return;
      case 'shutdownAll':
        this.checker?.serverShutdown();
        this.sim.shutdownAll();
        return;
      case 'closeAll':
        this.checker?.serverClosedAll();
        this.sim.closeAll(a.reason);
        return;
      case 'settle':
        this.settle(a.maxSteps ?? DEFAULT_SETTLE_STEPS);
        return;
    }
  }

  /**
   * Steps until the run is quiet, at most maxSteps: whether it got there.
   * Quiet means a step that did nothing, then again after each of these
   * waits of virtual time (36 s in all): TCP's timers fire in between (the
   * 40 ms delayed ACK that reopens a window, the persist timer's probes from
   * 204 ms, backing off), and what they set going counts as not quiet.
   */
  private runQuiet(maxSteps: number): boolean {
    // Real Linux runs its timers in real time while the run sleeps: the first two waits cover them.
    const waits = this.sim.engine === 'linux' ? QUIET_WAITS_MS.slice(0, 2) : QUIET_WAITS_MS;
    let quiet = 0;
    for (let k = 0; k < maxSteps; k++) {
      if (!this.stepOnce().idle) {
        quiet = 0;
        continue;
      }
      if (quiet === waits.length) return true;
      this.sim.advance(waits[quiet] as number);
      quiet++;
    }
    return false;
  }

  /** The end of an explored run: everyone reads, then finishes writing, then leaves; the invariants that need an end are checked after each. */
  private settle(maxSteps: number): void {
    const peers = this.sim.peers;
    for (const p of peers) if (p.fd !== null) p.readFreely().resume();
    const c = this.checker;
    c?.afterDrain(this.runQuiet(maxSteps), maxSteps);
    if (c?.violation) throw this.violationStop();
    for (const p of peers) {
      if (p.fd !== null && p.error === null) p.shutdown('WR');
    }
    c?.afterShutdown(this.runQuiet(maxSteps), maxSteps);
    if (c?.violation) throw this.violationStop();
    for (const p of peers) if (p.fd !== null) p.close();
    c?.afterClose(this.runQuiet(maxSteps), maxSteps);
    if (c?.violation) throw this.violationStop();
  }

  // ---- expectations ----

  private fieldOf(k: number): string {
    return `expect[${k}]`;
  }

  private fail(k: number, path: string, message: string): void {
    const e = this.doc.expect[k] as ScenarioExpectation;
    const f: ScenarioFailure = { expectation: k, path, message };
    if (e.description !== undefined) f.description = e.description;
    this.failures.push(f);
  }

  private evaluate(k: number): void {
    const e = this.doc.expect[k] as ScenarioExpectation;
    let failure: { field: string | null; message: string } | null;
    try {
      if (e.check === 'trace' || e.check === 'order') failure = this.traceFailure(e, e.during === undefined ? null : this.index(e.during));
      else failure = this.stateFailure(e, e.during === undefined ? null : this.index(e.during), 'expect');
    } catch (err) {
      if (!(err instanceof EdgeloopError)) throw err;
      failure = { field: null, message: `could not be checked: ${err.message}` };
    }
    if (failure) this.fail(k, failure.field === null ? `expect[${k}]` : `expect[${k}].${failure.field}`, failure.message);
  }

  private connectionNames(peerRef: string): Set<string> {
    const ids = new Set<number>();
    const members = new Set(this.members(peerRef));
    for (const c of this.sim.connections) if (c.peer !== null && members.has(c.peer)) ids.add(c.id);
    const names = new Set<string>();
    for (const r of this.sim.trace.records) {
      if (r.actor === 'app' && r.call === 'connection' && ids.has(Number(r.args.conn)) && typeof r.name === 'string') names.add(r.name);
    }
    return names;
  }

  /** null when the check holds; otherwise the first field that failed and why. `during`: -1 for none (a run's until). */
  private stateFailure(c: StateCheck, during: number | null, _ctx: 'expect' | 'steps'): { field: string | null; message: string } | null {
    if (c.check === 'peer') {
      for (const n of this.members(c.peer)) {
        const f = this.peerFailure(c, n);
        if (f) return f;
      }
      return null;
    }
    const snap = this.sim.snapshot();
    if (c.check === 'server') return serverFailure(c, snap);
    for (const n of this.members(c.peer)) {
      const f = this.connectionFailure(c, n, snap, during);
      if (f) return f;
    }
    return null;
  }

  private peerFailure(c: PeerCheck, name: string): { field: string; message: string } | null {
    const p = this.peer(name);
    const s = this.state(name);
    const who = `peer "${name}"`;
    const cmp = (field: string, got: unknown, want: unknown) =>
      got === want ? null : { field, message: `${who}: ${field} is ${JSON.stringify(got)}, expected ${JSON.stringify(want)}` };
    if (c.receivedBytes !== undefined && !inRange(p.receivedBytes, c.receivedBytes)) {
      return { field: 'receivedBytes', message: `${who} received ${p.receivedBytes} bytes, expected ${formatRange(c.receivedBytes)}` };
    }
    if (c.writtenBytes !== undefined && !inRange(s.written, c.writtenBytes)) {
      return { field: 'writtenBytes', message: `${who} wrote ${s.written} bytes, expected ${formatRange(c.writtenBytes)}` };
    }
    if (c.receivedAllWritten !== undefined && (p.receivedBytes === s.written) !== c.receivedAllWritten) {
      return {
        field: 'receivedAllWritten',
        message: `${who} received ${p.receivedBytes} bytes and wrote ${s.written}: expected ${c.receivedAllWritten ? 'all of them back' : 'a difference'}`,
      };
    }
    if (c.inOrder !== undefined) {
      const bytes = p.received;
      let bad = -1;
      for (let i = 0; i < bytes.length; i++) {
        if (bytes[i] !== (i & 0xff)) {
          bad = i;
          break;
        }
      }
      if ((bad === -1) !== c.inOrder) {
        return {
          field: 'inOrder',
          message: c.inOrder
            ? `${who}: byte ${bad} of ${bytes.length} is ${bytes[bad]}, expected ${bad & 0xff} (bytes lost or out of order)`
            : `${who}: all ${bytes.length} bytes arrived in order, expected a hole`,
        };
      }
    }
    if (c.text !== undefined && p.text !== c.text) {
      return { field: 'text', message: `${who} received ${JSON.stringify(p.text.slice(0, 80))}, expected ${JSON.stringify(c.text.slice(0, 80))}` };
    }
    return (
      (c.eof !== undefined ? cmp('eof', p.eof, c.eof) : null) ??
      (c.error !== undefined ? cmp('error', p.error, c.error) : null) ??
      (c.lastWriteErr !== undefined ? cmp('lastWriteErr', typeof s.lastWrite === 'string' ? s.lastWrite : null, c.lastWriteErr) : null) ??
      (c.accepted !== undefined ? cmp('accepted', p.connection !== null, c.accepted) : null) ??
      (c.dropped !== undefined ? cmp('dropped', p.dropped, c.dropped) : null) ??
      (c.refused !== undefined ? cmp('refused', p.refused, c.refused) : null)
    );
  }

  private connectionFailure(c: ConnectionCheck, name: string, snap: SimulationSnapshot, during: number | null): { field: string | null; message: string } | null {
    const who = `the connection of "${name}"`;
    const conn = snap.connections.find((x) => x.peer === name);
    if (!conn) return { field: null, message: `${who}: not accepted (yet)` };
    const has = (mask: string, f: string) => mask !== '' && mask.split('|').includes(f);
    const cmp = (field: keyof ConnectionCheck, got: unknown) => {
      const want = c[field];
      return want === undefined || got === want ? null : { field, message: `${who}: ${field} is ${JSON.stringify(got)}, expected ${JSON.stringify(want)}` };
    };
    const range = (field: keyof ConnectionCheck, got: number | null, what: string) => {
      const want = c[field] as Range | undefined;
      if (want === undefined) return null;
      if (got === null) return { field, message: `${who}: ${what} is unknown (no peer socket), expected ${formatRange(want)}` };
      return inRange(got, want) ? null : { field, message: `${who}: ${what} is ${got}, expected ${formatRange(want)}` };
    };
    const f =
      cmp('state', conn.state) ??
      cmp('closed', conn.state === 'disconnected') ??
      cmp('closeReason', conn.closeReason) ??
      cmp('peerHalfClosed', conn.peerHalfClosed) ??
      cmp('reading', conn.reading) ??
      cmp('writing', conn.writing) ??
      range('sendBuf', conn.sendBuf, 'send_buf_') ??
      range('readBuf', conn.readBuf, 'the read buffer') ??
      range('kernelSendQueue', conn.kernelSendQueue, 'the kernel send queue (SIOCOUTQ)') ??
      range('peerReceiveQueue', conn.peerReceiveQueue, "the peer's receive queue (SIOCINQ)") ??
      cmp('interest', conn.interest) ??
      cmp('registered', conn.fd !== null && snap.interest.some((i) => i.fd === conn.fd));
    if (f) return f;
    for (const flag of c.interestHas ?? []) {
      if (!has(conn.interest, flag)) return { field: 'interestHas', message: `${who}: interest is ${conn.interest || '(none)'}, expected it to have ${flag}` };
    }
    for (const flag of c.interestLacks ?? []) {
      if (has(conn.interest, flag)) return { field: 'interestLacks', message: `${who}: interest is ${conn.interest}, expected it to lack ${flag}` };
    }
    if (c.maxSendBuf !== undefined && during !== -1) {
      let max = 0;
      for (const [action, per] of this.maxSendBuf) {
        if (during === null ? action <= this.current : action === during) max = Math.max(max, per.get(conn.id) ?? 0);
      }
      if (!inRange(max, c.maxSendBuf)) {
        return { field: 'maxSendBuf', message: `${who}: send_buf_ reached ${max} bytes${during === null ? '' : ` during steps[${during}]`}, expected ${formatRange(c.maxSendBuf)}` };
      }
    }
    return null;
  }

  private records(during: number | null): readonly TraceRecord[] {
    const all = this.sim.trace.records;
    if (during === null) return all;
    const span = this.spans[during];
    return span ? all.slice(span.recordFrom, span.recordTo) : [];
  }

  private matcher(m: TraceMatch): (r: TraceRecord) => boolean {
    const actors = m.actor === undefined ? null : new Set(this.groups.has(m.actor) ? this.members(m.actor) : [m.actor]);
    const conn = m.conn === undefined ? null : this.connectionNames(m.conn);
    const listener = m.listener === true ? this.listenerName : null;
    const about = conn ?? (listener !== null ? new Set([listener]) : null);
    const flagsOk = (mask: string) => {
      const set = new Set(mask === '' ? [] : mask.split('|'));
      return (m.eventsHas ?? []).every((f) => set.has(f)) && !(m.eventsLacks ?? []).some((f) => set.has(f));
    };
    const flagged = m.eventsHas !== undefined || m.eventsLacks !== undefined;
    return (r) => {
      if (actors ? !actors.has(r.actor) : r.actor === 'scenario') return false;
      if (m.call !== undefined && r.call !== m.call) return false;
      if (m.op !== undefined && r.args.op !== m.op) return false;
      if (m.wakeup !== undefined && (r.call !== 'epollWait' || (typeof r.ret === 'number' && r.ret > 0) !== m.wakeup)) return false;
      if (m.err !== undefined && (m.err === null ? r.err !== undefined : m.err === 'any' ? r.err === undefined : r.err !== m.err)) return false;
      if (m.ret !== undefined && (typeof r.ret !== 'number' || !inRange(r.ret, m.ret))) return false;
      if (m.args !== undefined) for (const [k, v] of Object.entries(m.args)) if (r.args[k] !== v) return false;
      if (r.call === 'epollWait' && (about !== null || flagged)) {
        return (r.events ?? []).some((e) => (about === null || (e.name !== null && about.has(e.name))) && flagsOk(e.events));
      }
      if (about !== null) {
        const name = r.call === 'epollCtl' ? r.args.name : r.name;
        if (typeof name !== 'string' || !about.has(name)) return false;
      }
      if (flagged) return r.call === 'epollCtl' && flagsOk(String(r.args.events ?? ''));
      return true;
    };
  }

  private traceFailure(c: TraceCheck | OrderCheck, during: number | null): { field: string | null; message: string } | null {
    const records = this.records(during);
    const scope = during === null ? 'the trace' : `the trace of steps[${during}]`;
    if (c.check === 'order') {
      const first = records.findIndex(this.matcher(c.first));
      const then = records.findIndex(this.matcher(c.then));
      if (first === -1) return { field: 'first', message: `no record in ${scope} matches ${describeMatch(c.first)}` };
      if (then === -1) return { field: 'then', message: `no record in ${scope} matches ${describeMatch(c.then)}` };
      if (first < then) return null;
      return {
        field: 'then',
        message: `${describeMatch(c.then)} came first: ${line(records[then])}, before ${line(records[first])}`,
      };
    }
    const test = this.matcher(c.match);
    const hits = records.filter(test);
    const count = c.count ?? { min: 1 };
    if (!inRange(hits.length, count)) {
      const example = hits.length > 0 && (typeof count === 'number' || count.max !== undefined) ? `; the first: ${line(hits[0])}` : '';
      return { field: 'count', message: `${hits.length} record${hits.length === 1 ? '' : 's'} in ${scope} match ${describeMatch(c.match)}, expected ${formatRange(count)}${example}` };
    }
    if (c.sumRet !== undefined) {
      const sum = hits.reduce((n, r) => n + (typeof r.ret === 'number' ? r.ret : 0), 0);
      if (!inRange(sum, c.sumRet)) return { field: 'sumRet', message: `the ${hits.length} records matching ${describeMatch(c.match)} add up to ${sum}, expected ${formatRange(c.sumRet)}` };
    }
    return null;
  }
}

function line(r: TraceRecord | undefined): string {
  return r === undefined ? '(none)' : `#${r.seq} ${formatTraceRecord(r).trim().replace(/\s+/g, ' ')}`;
}

function order(f: ScenarioFailure): number {
  return f.expectation === null ? -1 : f.expectation;
}

function serverFailure(c: ServerCheck, snap: SimulationSnapshot): { field: string; message: string } | null {
  const values: Array<[keyof ServerCheck, number, string]> = [
    ['accepted', snap.connections.length, 'connections accepted'],
    ['open', snap.connections.filter((x) => x.state !== 'disconnected').length, 'connections open'],
    ['dropped', snap.dropped, 'connections dropped (EMFILE)'],
    ['refused', snap.refused, 'connections refused (maxConnections open)'],
    ['interestCount', snap.interest.length, "entries in the reactor's interest list"],
    ['readyCount', snap.ready.length, "entries on the reactor's ready list"],
  ];
  if (c.accepting !== undefined && c.accepting !== snap.accepting) {
    return { field: 'accepting', message: snap.accepting ? 'the server is still accepting' : 'the server has stopped accepting' };
  }
  for (const [field, got, what] of values) {
    const want = c[field] as Range | undefined;
    if (want !== undefined && field === 'readyCount' && !snap.readyKnown) {
      return { field, message: "could not be checked: real Linux does not show an epoll's ready list (engine 'linux')" };
    }
    if (want !== undefined && !inRange(got, want)) return { field, message: `the server has ${got} ${what}, expected ${formatRange(want)}` };
  }
  return null;
}

/** The JS app a document names (a built-in one, or 'custom': the caller's), or null for a built-in app. */
function resolveJsApp(o: ScenarioOptions, given: ExploreJsApp | undefined): ExploreJsApp | null {
  if (given !== undefined && (typeof given !== 'object' || given === null || typeof given.handlers !== 'function' || typeof given.respond !== 'function')) {
    throw new EdgeloopError('ERR_INVALID_ARG', 'runScenario(): "jsApp" must be an object { handlers(), respond(sent), message?(i) }', { argument: 'jsApp' });
  }
  const app = o.app;
  if (typeof app !== 'object' || !('js' in app)) {
    if (given !== undefined) {
      throw new EdgeloopError('ERR_INVALID_ARG', `runScenario(): "jsApp" is for a document whose app is { "js": "custom" }; this one's is ${JSON.stringify(app)}`, { argument: 'jsApp' });
    }
    return null;
  }
  if (app.js !== CUSTOM_JS_APP) return JS_APPS[app.js];
  if (given === undefined) {
    throw new ScenarioError(
      [{ path: 'options.app.js', segments: ['options', 'app', 'js'], message: `"custom" is an app passed to runScenario() as { jsApp } (a user's own handlers, what explore() of them writes); none was given` }],
      'runScenario()',
    );
  }
  return given;
}

function checkWatch(watch: unknown): void {
  const bad = (field: string, what: string): never => {
    throw new EdgeloopError('ERR_INVALID_ARG', `runScenario(): "${field}" must be ${what}`, { argument: field });
  };
  if (typeof watch !== 'object' || watch === null) bad('watch', 'an object { from, to, onRecord }');
  const w = watch as Record<string, unknown>;
  for (const key of Object.keys(w)) if (!['from', 'to', 'onRecord'].includes(key)) bad(`watch.${key}`, 'absent (known: from, to, onRecord)');
  for (const key of ['from', 'to']) {
    const v = w[key];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) bad(`watch.${key}`, 'a non-negative integer (a record index)');
  }
  if ((w.to as number) < (w.from as number)) bad('watch.to', `at least watch.from (${String(w.from)})`);
  if (typeof w.onRecord !== 'function') bad('watch.onRecord', 'a function');
}

/**
 * Validates `doc`, runs it on `Sim` and checks every expectation. An invalid
 * document (or invalid knobs) throws a ScenarioError listing every problem;
 * everything the scenario itself gets wrong is in `failures`.
 */
export async function runScenarioWith(Sim: SimulationFactory, doc: unknown, options: RunScenarioOptions = {}): Promise<ScenarioResult> {
  if (typeof options !== 'object' || options === null) {
    throw new EdgeloopError('ERR_INVALID_ARG', 'runScenario(): "options" must be an object { engine?, options?, timeLimitMs? }', { argument: 'options' });
  }
  for (const key of Object.keys(options)) {
    if (!['engine', 'options', 'timeLimitMs', 'onStep', 'trace', 'jsApp', 'limits', 'watch'].includes(key)) {
      throw new EdgeloopError('ERR_INVALID_ARG', `runScenario(): unknown option "${key}" (known: engine, options, timeLimitMs, onStep, trace, jsApp, limits, watch)`, { argument: key });
    }
  }
  let scenario = assertScenario(doc, 'runScenario()');
  if (options.limits !== undefined) {
    // The same checks as the document's own limits, reported at `limits.<name>`.
    const v = validateScenario({ ...scenario, limits: { ...scenario.limits, ...(options.limits as object) } });
    if (!v.ok) throw new ScenarioError(v.errors, 'runScenario(): limits');
    scenario = v.scenario;
  }
  let knobs: Partial<ScenarioOptions> = {};
  if (options.options !== undefined) {
    const v = validateScenarioOptions(options.options);
    if (!v.ok) throw new ScenarioError(v.errors, 'runScenario(): options.options');
    knobs = v.options;
  }
  if (options.timeLimitMs !== undefined && (typeof options.timeLimitMs !== 'number' || !(options.timeLimitMs > 0))) {
    throw new EdgeloopError('ERR_INVALID_ARG', 'runScenario(): "timeLimitMs" must be a positive number of ms', { argument: 'timeLimitMs' });
  }
  if (options.onStep !== undefined && typeof options.onStep !== 'function') {
    throw new EdgeloopError('ERR_INVALID_ARG', 'runScenario(): "onStep" must be a function', { argument: 'onStep' });
  }
  if (options.watch !== undefined) checkWatch(options.watch);
  if (options.watch !== undefined && options.trace === false) {
    throw new EdgeloopError('ERR_INVALID_ARG', 'runScenario(): "watch" needs the trace: with "trace": false there are no records to watch', { argument: 'watch' });
  }
  if (options.trace !== undefined && typeof options.trace !== 'boolean') {
    throw new EdgeloopError('ERR_INVALID_ARG', 'runScenario(): "trace" must be true or false', { argument: 'trace' });
  }
  if (options.engine === 'linux' && scenario.faults && scenario.faults.length > 0) {
    const f = scenario.faults[0] as ScenarioFault;
    throw new ScenarioError(
      [{ path: 'faults[0]', segments: ['faults', 0], message: `${describeFault(f)} is injected by the simulated kernel: engine 'linux' cannot replay a document with faults` }],
      'runScenario()',
    );
  }
  const o: ScenarioOptions = { ...scenario.options, ...knobs };
  const doc2: ScenarioDocument = { ...scenario, options: o };
  const jsApp = resolveJsApp(o, options.jsApp);
  const simOptions: SimulationOptions = {
    family: o.family,
    variant: o.variant ?? 'edgeloop',
    app: jsApp ? jsApp.handlers() : (o.app as Exclude<ScenarioOptions['app'], { js: string }>),
    seed: o.seed ?? 1,
  };
  if (options.engine !== undefined) simOptions.engine = options.engine;
  if (options.trace === false) simOptions.trace = false;
  // The reactor's tuning passes through as given (one list: src/reactor-options.ts).
  for (const key of TUNING_FIELDS) if (o[key] !== undefined) Object.assign(simOptions, { [key]: o[key] });
  const sim = await Sim.create(simOptions);
  try {
    const run = new ScenarioRun(doc2, sim, options.timeLimitMs, options.onStep, jsApp);
    const watch = options.watch;
    if (watch) sim.watchRecords(watch, (record) => watch.onRecord({ record, step: sim.steps, action: run.current, sim }));
    run.run();
    const snapshot = sim.snapshot();
    // The trace as it stands now (disposing adds records), made into text
    // and objects only when read: a page that takes traceColumns() from the
    // simulation never pays for either.
    const compact = sim.kernel.compactTrace();
    const header = compact?.header ?? { type: 'header' as const, version: 1 as const, kernel: 'sim' as const, seed: sim.seed };
    let text: string | undefined;
    let records: TraceRecord[] | undefined;
    const result = {
      ok: run.failures.length === 0,
      name: scenario.name,
      engine: sim.engine,
      options: o,
      failures: run.failures,
      snapshot,
      steps: sim.steps,
      actions: run.spans,
      stoppedAt: run.stoppedAt,
      violation: run.checker?.violation ?? null,
    } as ScenarioResult;
    Object.defineProperties(result, {
      compactTrace: { enumerable: false, value: compact },
      trace: { enumerable: true, get: () => (text ??= compact ? new TraceStore(compact.columns).toJsonl(header) : traceToJsonl({ header, records: [] })) },
      records: { enumerable: true, get: () => (records ??= compact ? [...new TraceStore(compact.columns)] : []) },
    });
    return result;
  } finally {
    sim.dispose();
  }
}
