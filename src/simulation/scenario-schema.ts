// Scenarios: JSON documents that script peers against the simulated reactor
// and carry their own expectations, so a scenario is a deterministic test.
// This file is the schema: the types and a validator with no dependencies
// (browser-safe, no node: imports). The validator walks plain data, never
// executes anything from the document (no eval, no regular expressions built
// from it), builds a fresh copy of what it accepts, and reports every problem
// it finds with the JSON path of the field, so an editor can show each error
// next to its field. It never throws on bad input: validateScenario() returns
// the errors, assertScenario() throws one ScenarioError (an EdgeloopError,
// code ERR_SCENARIO) carrying all of them. The reactor's options are checked
// by src/reactor-options.ts, with the same lists and bounds as
// Simulation.create() and createServer().
import { EdgeloopError } from '../errors.js';
import {
  DEFAULT_VARIANT,
  FAMILIES,
  HIGH_WATER_MARK_MAX,
  readApp,
  readTuning,
  REACTOR_OPTION_FIELDS,
  SOCKET_BUFFER_MAX,
  SOCKET_BUFFER_MIN,
  VARIANT_NAMES,
} from '../reactor-options.js';
import type { BuiltinApp, ErrnoName, FaultSpec, Family, ReactorOptions, ShutdownHow, VariantName } from '../types.js';
import { FAULT_FIELDS, FAULT_NAMES, readFaultFields } from './faults.js';
import { CUSTOM_JS_APP, JS_APP_NAMES, type JsAppName } from './js-apps.js';
import { FieldChecker, type FieldPath, pathText, quotedList, UINT32_MAX, UINT32_PHRASE } from '../validate.js';

export const SCENARIO_VERSION = 1;

// ---- the document ----

/** A number means exactly that; `{ min, max }` (either or both) an inclusive range. Non-negative integers. */
export type Range = number | { min?: number; max?: number };

/**
 * A scenario's app: a built-in one (a bulk response of at most
 * SCENARIO_LIMITS.maxBytes), or a JS-handler app by name (js-apps.ts):
 * 'line-server', 'producer', or 'custom' for one passed to runScenario()
 * as `jsApp` (what explore() of a user's own handlers writes).
 */
export type ScenarioApp = BuiltinApp | { js: JsAppName | 'custom' };

/** The knobs: the reactor's options (what Simulation.create() gets, and the playground exposes), family and app required. */
export interface ScenarioOptions extends ReactorOptions {
  family: Family;
  app: ScenarioApp;
  /** uint32, default 1. */
  seed?: number;
  /** Bytes a reading peer takes per step, for peers that set no readPerStep (default: all there is). */
  peerReadRate?: number;
}

/**
 * A scripted client. With `count`, a group: members `${name}1` ... `${name}${count}`;
 * an action or expectation naming the group applies to each member in order.
 */
export interface ScenarioPeer {
  name: string;
  count?: number;
  sndbuf?: number;
  rcvbuf?: number;
  /** Overrides options.peerReadRate. */
  readPerStep?: number;
  /** Reads automatically after each step (default true). */
  reading?: boolean;
}

/** An action is an action index in `steps`, or the label of one. */
export type ActionRef = number | string;

interface ActionBase {
  /** A unique name for expectations to point at (`at`, `during`). */
  label?: string;
  /** Shown beside the action in traces and the playground. */
  note?: string;
}

export type ScenarioAction =
  | (ActionBase & { do: 'connect'; peer: string })
  /** One write(2): `bytes` filler bytes (the per-socket counting pattern) or `data` as UTF-8. */
  | (ActionBase & { do: 'write'; peer: string; bytes?: number; data?: string })
  /** `bytes` filler bytes in 64 KiB writes, stepping the reactor whenever the socket is full. */
  | (ActionBase & { do: 'writeAll'; peer: string; bytes: number; maxSteps?: number })
  /** `steps` times: write 64 KiB chunks until EAGAIN, then one reactor step (a peer that never stops writing). */
  | (ActionBase & { do: 'flood'; peer: string; steps: number })
  /** One read(2) of up to `max` bytes. */
  | (ActionBase & { do: 'read'; peer: string; max: number })
  /** Reads now (64 KiB at a time) until EAGAIN, end of file or an error. */
  | (ActionBase & { do: 'readAll'; peer: string })
  | (ActionBase & { do: 'stopReading'; peer: string })
  | (ActionBase & { do: 'resumeReading'; peer: string })
  | (ActionBase & { do: 'shutdown'; peer: string; how: ShutdownHow })
  | (ActionBase & { do: 'close'; peer: string })
  /** Stops reading and closes with bytes unread: a RST on tcp. */
  | (ActionBase & { do: 'closeWithUnread'; peer: string })
  /** `count` reactor steps (default 1). */
  | (ActionBase & { do: 'step'; count?: number })
  /**
   * Steps until `until` holds ('idle', the default: after a step where nothing
   * happened), at most `maxSteps`. Not reaching it is a failure unless
   * `mustReach` is false.
   */
  | (ActionBase & { do: 'run'; until?: 'idle' | StateCheck; maxSteps: number; mustReach?: boolean })
  /** Virtual time passes (timers: SYN retransmissions). */
  | (ActionBase & { do: 'advance'; ms: number })
  /** The server closes its listening socket; open connections carry on (a graceful close's first step). */
  | (ActionBase & { do: 'stopAccepting' })
  /** The server shuts down every open connection once its output has drained (SHUT_WR). */
  | (ActionBase & { do: 'shutdownAll' })
  /** The server closes every open connection now (`reason`, default 'server-stopped'). */
  | (ActionBase & { do: 'closeAll'; reason?: string })
  /**
   * The end of an explored run, where the invariants that need one are
   * checked (liveness, every byte delivered, no fd left): every peer reads
   * again, all there is after each step, and the run goes quiet; every
   * connected peer shuts down its writing side, the run goes quiet; every
   * peer closes, the run goes quiet. Quiet: a step that does nothing, again
   * after each of 50 ms, 200 ms, 1 s, 5 s and 30 s of time passing (TCP's
   * timers). Each of the three at most `maxSteps` (default 5000) reactor steps.
   */
  | (ActionBase & { do: 'settle'; maxSteps?: number });

export type ActionName = ScenarioAction['do'];

/** Which records a trace expectation looks at. Every field given must hold. */
export interface TraceMatch {
  /** 'reactor', 'app', 'peers', 'sim', 'scenario', or a peer (a group: any member). */
  actor?: string;
  /** 'epollWait', 'epollCtl', 'write', 'read', 'accept', 'close', 'shutdown', app events ('highWaterMark'...). */
  call?: string;
  /** About this peer's server-side connection: the record's fd, or the fd an epollCtl registers. */
  conn?: string;
  /** About the listening socket. */
  listener?: boolean;
  /** epollCtl: 'ADD' | 'MOD' | 'DEL'. */
  op?: 'ADD' | 'MOD' | 'DEL';
  /** epollCtl: flags in the mask; epollWait: flags of some returned event (of `conn`, if given). */
  eventsHas?: string[];
  /** The same, flags that must be absent. */
  eventsLacks?: string[];
  /** An epollWait that returned at least one event (true) or none (false). */
  wakeup?: boolean;
  /** The errno name of a failed call, 'any' for any failure, null for success. */
  err?: ErrnoName | 'any' | null;
  /** A numeric result in this range. */
  ret?: Range;
  /** Arguments that must be equal ({ bytes: 0 }, { how: 'WR' }). */
  args?: Record<string, string | number | boolean | null>;
}

interface ExpectationBase {
  /** Shown in failures, so a failed expectation reads as a sentence. */
  description?: string;
  /** Check right after this action (default: at the end). */
  at?: ActionRef;
  /** Trace checks (and maxSendBuf) look only at what this action did; checked right after it unless `at` says otherwise. */
  during?: ActionRef;
}

export interface PeerCheck {
  check: 'peer';
  peer: string;
  /** Bytes read so far. */
  receivedBytes?: Range;
  /** Bytes written by this peer so far. */
  writtenBytes?: Range;
  /** Received exactly as many bytes as the peer wrote (an echo that lost nothing). */
  receivedAllWritten?: boolean;
  /** Every byte i received is i & 0xff: the bulk app's pattern, and an echo of filler writes. */
  inOrder?: boolean;
  /** The received bytes, as UTF-8. */
  text?: string;
  /** A read returned 0. */
  eof?: boolean;
  /** The errno of a failed read, or null for none. */
  error?: ErrnoName | null;
  /** The errno of the peer's last write (EAGAIN: it is throttled), or null if it succeeded. */
  lastWriteErr?: ErrnoName | null;
  /** The server accepted this peer's connection. */
  accepted?: boolean;
  /** The acceptor closed it at once (EMFILE). */
  dropped?: boolean;
  /** The server closed it at once: maxConnections were open. */
  refused?: boolean;
}

export interface ConnectionCheck {
  check: 'connection';
  /** The server's connection for this peer. */
  peer: string;
  state?: 'connecting' | 'connected' | 'disconnecting' | 'disconnected';
  closed?: boolean;
  /** 'peer-closed', 'EPIPE', 'ECONNRESET', 'high-water-mark', ...; null while open. */
  closeReason?: string | null;
  peerHalfClosed?: boolean;
  /** EPOLLIN wanted (false: reading paused). */
  reading?: boolean;
  /** EPOLLOUT wanted. */
  writing?: boolean;
  /** Bytes in the reactor's send_buf_ now. */
  sendBuf?: Range;
  /** The largest send_buf_ seen after any step so far (or `during` the action). */
  maxSendBuf?: Range;
  readBuf?: Range;
  /** SIOCOUTQ of the server's socket. */
  kernelSendQueue?: Range;
  /** SIOCINQ of the peer's socket. */
  peerReceiveQueue?: Range;
  /** The reactor's interest mask, exactly ('EPOLLIN|EPOLLPRI|EPOLLET'; '' once closed). */
  interest?: string;
  interestHas?: string[];
  interestLacks?: string[];
  /** Its fd is in the reactor's epoll interest list. */
  registered?: boolean;
}

export interface ServerCheck {
  check: 'server';
  /** Connections accepted so far. */
  accepted?: Range;
  /** Accepted and not closed. */
  open?: Range;
  /** Closed at once by the acceptor (EMFILE). */
  dropped?: Range;
  /** Accepted and closed at once: maxConnections were open. */
  refused?: Range;
  /** The listening socket is open (false after stopAccepting). */
  accepting?: boolean;
  /** Entries in the reactor's epoll interest list (its eventfds and the listener included). */
  interestCount?: Range;
  /** Entries on the reactor's epoll ready list. */
  readyCount?: Range;
}

export interface TraceCheck {
  check: 'trace';
  match: TraceMatch;
  /** How many records match (default { min: 1 }: "the trace contains"; 0: "never"). */
  count?: Range;
  /** The sum of the matching records' numeric results (bytes moved by reads or writes). */
  sumRet?: Range;
}

export interface OrderCheck {
  check: 'order';
  /** The first record matching `first` comes before the first matching `then`; both must exist. */
  first: TraceMatch;
  then: TraceMatch;
}

/** A check on state at one moment: what `run` can wait for. */
export type StateCheck = PeerCheck | ConnectionCheck | ServerCheck;
export type ScenarioCheck = StateCheck | TraceCheck | OrderCheck;
export type ScenarioExpectation = ScenarioCheck & ExpectationBase;

export interface ScenarioDocument {
  version: 1;
  /** kebab-case id: 'large-response-slow-reader'. */
  name: string;
  /**
   * For the playground and `replay --list`. Optional in a document (a test's
   * private scenario needs none): a validated document has the name here
   * when it had no title. The built-in scenarios all have one.
   */
  title: string;
  /** One paragraph, for a person learning epoll. Optional in a document, as title ('' when absent). */
  explanation: string;
  options: ScenarioOptions;
  peers: ScenarioPeer[];
  steps: ScenarioAction[];
  expect: ScenarioExpectation[];
  /**
   * The other side of the story: run with this variant, the expectations
   * fail, and `explanation` says why (the playground's compare mode).
   */
  contrast?: { variant: VariantName; explanation: string };
  /**
   * Phrases of `explanation` (or of the contrast's) that name a moment of
   * the run: the playground shows each as a link to that moment
   * (playground/src/moments.ts finds them in the trace).
   */
  momentLinks?: MomentLink[];
  /**
   * Budgets, each ending the run with a failure at `limits.<name>` rather
   * than exhausting memory: reactor steps (default 200000), trace records
   * (default 2000000: about 1 GiB of trace), bytes the peers keep of what
   * they received (default 1 GiB).
   */
  limits?: { maxSteps?: number; maxEvents?: number; maxPeerBytes?: number };
  /** Faults injected into the reactor's syscalls, each armed just before its action (simulated engines only). */
  faults?: ScenarioFault[];
  /** Invariants checked after every step (and at a `settle`): a violation fails the run like an expectation. */
  invariants?: InvariantName[];
}

/** A fault of the document: the fault's fields (FaultSpec), the action it is armed before, and for shortWrite/spuriousWakeup the peer whose server-side connection it hits. */
export type ScenarioFault = Omit<FaultSpec, 'conn'> & {
  at: ActionRef;
  /** shortWrite, spuriousWakeup: this peer's server-side connection (a group: each member's). Not accepted yet when armed: the fault is skipped, and the trace says so. */
  peer?: string;
  note?: string;
};

/**
 * The moments the playground marks in any run's trace (playground/src/moments.ts):
 * the first of each kind is a stop of "next moment", and a scenario's
 * explanation can link a phrase to one (`momentLinks`).
 */
export type MomentName =
  | 'write-eagain'
  | 'partial-write'
  | 'epollout-added'
  | 'epollout-reported'
  | 'epollout-removed'
  | 'data-dropped'
  | 'wakeup-no-progress'
  | 'reset'
  | 'eof'
  | 'peer-eof'
  | 'read-drained'
  | 'accept-drained'
  | 'peer-eagain'
  | 'high-water-mark'
  | 'closed';

export const MOMENT_NAMES: readonly MomentName[] = Object.freeze([
  'write-eagain',
  'partial-write',
  'epollout-added',
  'epollout-reported',
  'epollout-removed',
  'data-dropped',
  'wakeup-no-progress',
  'reset',
  'eof',
  'peer-eof',
  'read-drained',
  'accept-drained',
  'peer-eagain',
  'high-water-mark',
  'closed',
]);

/** A phrase of a scenario's explanation (or its contrast's), shown as a link to the first moment of that kind. */
export interface MomentLink {
  /** Words that occur verbatim in `explanation` or `contrast.explanation`. */
  text: string;
  moment: MomentName;
}

/** What Explore checks after every step; docs/explore.md defines each. */
export type InvariantName = 'bytes-intact' | 'liveness' | 'no-busy-loop' | 'bounded-memory' | 'no-fd-leak' | 'handler-isolation';

export const INVARIANT_NAMES: readonly InvariantName[] = Object.freeze([
  'bytes-intact',
  'liveness',
  'no-busy-loop',
  'bounded-memory',
  'no-fd-leak',
  'handler-isolation',
]);

// ---- errors ----

export interface ScenarioIssue {
  /** JSON path of the field: 'steps[3].bytes', 'options.app.bulk'; '' for the document itself. */
  path: string;
  /** The same path as keys and indexes, for an editor to locate the field. */
  segments: Array<string | number>;
  /** What is wrong: 'must be a non-negative integer, got -1'. */
  message: string;
}

/** A scenario that failed validation: ERR_SCENARIO, with every problem found. */
export class ScenarioError extends EdgeloopError {
  readonly errors: readonly ScenarioIssue[];

  constructor(errors: readonly ScenarioIssue[], where = 'scenario') {
    const lines = errors.slice(0, 20).map((e) => `  ${formatScenarioIssue(e)}`);
    if (errors.length > 20) lines.push(`  ... and ${errors.length - 20} more`);
    super('ERR_SCENARIO', `${where}: ${errors.length} validation error${errors.length === 1 ? '' : 's'}:\n${lines.join('\n')}`, {
      argument: errors[0]?.path || undefined,
    });
    this.name = 'ScenarioError';
    this.errors = errors;
  }
}

/** `steps[3].bytes: must be a non-negative integer, got -1` (the document itself: `(document)`). */
export function formatScenarioIssue(e: ScenarioIssue): string {
  return `${e.path === '' ? '(document)' : e.path}: ${e.message}`;
}

// ---- limits and names ----

export const SCENARIO_LIMITS = Object.freeze({
  /** Bytes in one write, writeAll or bulk response (the runner keeps what peers receive). */
  maxBytes: 256 * 1024 * 1024,
  /** SO_SNDBUF / SO_RCVBUF: the reactor's bound (reactor-options.ts). */
  maxBufferSize: SOCKET_BUFFER_MAX,
  maxHighWaterMark: HIGH_WATER_MARK_MAX,
  maxPeers: 1000,
  maxActions: 10_000,
  maxExpectations: 1_000,
  maxFaults: 1_000,
  /** Steps of one action (step, run, writeAll, flood). */
  maxActionSteps: 1_000_000,
  /** Steps of the whole scenario. */
  maxTotalSteps: 2_000_000,
  defaultTotalSteps: 200_000,
  /** Trace records a run may keep (limits.maxEvents): the default, and the most a document may ask for. */
  defaultMaxEvents: 2_000_000,
  maxEventsCeiling: 50_000_000,
  /** Bytes the peers may keep of what they received (limits.maxPeerBytes). */
  defaultMaxPeerBytes: 1024 * 1024 * 1024,
  maxPeerBytesCeiling: 16 * 1024 * 1024 * 1024,
  maxAdvanceMs: 86_400_000,
  maxWriteText: 65_536,
  maxExplanation: 4_000,
  maxTitle: 120,
  maxNote: 500,
  /** momentLinks: entries, and the characters of one phrase. */
  maxMomentLinks: 50,
  maxMomentLinkText: 200,
  maxDocumentChars: 4 * 1024 * 1024,
});

const RESERVED_NAMES = ['reactor', 'app', 'peers', 'sim', 'scenario'];
const SHUTDOWN_HOWS: readonly ShutdownHow[] = ['RD', 'WR', 'RDWR'];
const STATES = ['connecting', 'connected', 'disconnecting', 'disconnected'] as const;
const EPOLL_OPS = ['ADD', 'MOD', 'DEL'] as const;
export const EPOLL_FLAG_NAMES: readonly string[] = [
  'EPOLLIN', 'EPOLLPRI', 'EPOLLOUT', 'EPOLLERR', 'EPOLLHUP', 'EPOLLRDNORM', 'EPOLLRDBAND', 'EPOLLWRNORM',
  'EPOLLWRBAND', 'EPOLLMSG', 'EPOLLRDHUP', 'EPOLLEXCLUSIVE', 'EPOLLWAKEUP', 'EPOLLONESHOT', 'EPOLLET',
];
export const ACTION_NAMES: readonly ActionName[] = [
  'connect', 'write', 'writeAll', 'flood', 'read', 'readAll', 'stopReading', 'resumeReading',
  'shutdown', 'close', 'closeWithUnread', 'step', 'run', 'advance', 'stopAccepting', 'shutdownAll', 'closeAll', 'settle',
];
const CHECK_NAMES = ['peer', 'connection', 'server', 'trace', 'order'] as const;

function isIdent(s: string, max: number): boolean {
  if (s.length === 0 || s.length > max) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const letter = (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
    const digit = c >= 48 && c <= 57;
    if (i === 0 ? !letter : !(letter || digit || c === 45 || c === 95)) return false;
  }
  return true;
}

function isKebab(s: string): boolean {
  if (s.length === 0 || s.length > 64 || s.startsWith('-') || s.endsWith('-') || s.includes('--')) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45)) return false;
  }
  return true;
}

function isErrnoName(s: string): boolean {
  if (s.length < 2 || s.length > 16 || s[0] !== 'E') return false;
  for (let i = 1; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 65 && c <= 90) || (c >= 48 && c <= 57))) return false;
  }
  return true;
}

// ---- the walker ----

type Path = FieldPath;
type Obj = Record<string, unknown>;

function show(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v.length > 40 ? `${v.slice(0, 37)}...` : v);
    case 'number':
      return Object.is(v, -0) ? '-0' : String(v);
    case 'boolean':
      return String(v);
    case 'undefined':
      return 'nothing';
    case 'object':
      return v === null ? 'null' : Array.isArray(v) ? 'an array' : 'an object';
    default:
      return `a ${typeof v}`;
  }
}

const quoted = quotedList;

/** The document's checker: records every problem with its path and goes on. */
class Walker extends FieldChecker {
  readonly issues: ScenarioIssue[] = [];

  fail(path: Path, message: string): undefined {
    if (this.issues.length < 1000) this.issues.push({ path: pathText(path), segments: [...path], message });
    return undefined;
  }

  invalid(path: Path, expected: string, got: unknown): undefined {
    return this.fail(path, `must be ${expected}, got ${show(got)}`);
  }

  unknownField(path: Path, known: readonly string[]): undefined {
    return this.fail(path, `unknown field (known: ${known.join(', ')})`);
  }

  override missing(path: Path): undefined {
    return this.fail(path, 'is required');
  }

  protected override choices(allowed: readonly string[]): string {
    return `one of ${quoted(allowed)}`;
  }

  array(v: unknown, path: Path, max: number): unknown[] | undefined {
    if (!Array.isArray(v)) return this.fail(path, `must be an array, got ${show(v)}`);
    if (v.length > max) return this.fail(path, `must have at most ${max} entries, got ${v.length}`);
    return v;
  }

  str(v: unknown, path: Path, max: number, nonEmpty = true): string | undefined {
    if (typeof v !== 'string') return this.fail(path, `must be a string, got ${show(v)}`);
    if (nonEmpty && v.trim() === '') return this.fail(path, 'must not be empty');
    if (v.length > max) return this.fail(path, `must be at most ${max} characters, got ${v.length}`);
    return v;
  }

  range(v: unknown, path: Path): Range | undefined {
    if (typeof v === 'number') return this.int(v, path, 0, Number.MAX_SAFE_INTEGER, 'a non-negative integer or { min, max }');
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      return this.fail(path, `must be a non-negative integer or { min, max }, got ${show(v)}`);
    }
    const o = this.object(v, path, ['min', 'max']);
    if (!o) return undefined;
    const out: { min?: number; max?: number } = {};
    if (o.min !== undefined) out.min = this.int(o.min, [...path, 'min'], 0, Number.MAX_SAFE_INTEGER);
    if (o.max !== undefined) out.max = this.int(o.max, [...path, 'max'], 0, Number.MAX_SAFE_INTEGER);
    if (o.min === undefined && o.max === undefined) this.fail(path, 'must give min, max or both');
    if (out.min !== undefined && out.max !== undefined && out.min > out.max) this.fail(path, `min (${out.min}) must not exceed max (${out.max})`);
    return out;
  }

  flags(v: unknown, path: Path): string[] | undefined {
    const a = this.array(v, path, EPOLL_FLAG_NAMES.length);
    if (!a) return undefined;
    if (a.length === 0) return this.fail(path, 'must list at least one flag');
    const out: string[] = [];
    a.forEach((f, i) => {
      const name = this.oneOf(f, [...path, i], EPOLL_FLAG_NAMES);
      if (name !== undefined) out.push(name);
    });
    return out;
  }

  errno(v: unknown, path: Path, extra: readonly string[] = []): string | null | undefined {
    if (v === null) return null;
    if (typeof v === 'string' && (extra.includes(v) || isErrnoName(v))) return v;
    return this.fail(path, `must be an errno name ('EAGAIN', 'ECONNRESET'...)${extra.length ? `, ${quoted(extra)}` : ''} or null, got ${show(v)}`);
  }
}

/** Copies the fields of `o` listed in `keys` that are present, each through `check`. */
function copyFields<T>(o: Obj, keys: readonly string[], check: (key: string, v: unknown) => unknown): T {
  const out: Obj = {};
  for (const key of keys) {
    if (o[key] === undefined) continue;
    const v = check(key, o[key]);
    if (v !== undefined) out[key] = v;
  }
  return out as T;
}

// ---- sections ----

const OPTION_KEYS = [...REACTOR_OPTION_FIELDS, 'seed', 'peerReadRate'];

/**
 * The reactor's options (reactor-options.ts checks them), then the
 * scenario's own. `partial`: knobs over a document's options, where the
 * variant a trigger is checked against may be the document's.
 */
function options(w: Walker, v: unknown, path: Path, partial: boolean): Partial<ScenarioOptions> | undefined {
  const o = w.object(v, path, OPTION_KEYS, partial ? [] : ['family', 'app']);
  if (!o) return undefined;
  const out: Partial<ScenarioOptions> = {};
  if (o.family !== undefined) out.family = w.oneOf(o.family, [...path, 'family'], FAMILIES);
  if (o.variant !== undefined) out.variant = w.oneOf(o.variant, [...path, 'variant'], VARIANT_NAMES);
  if (o.app !== undefined && typeof o.app === 'object' && o.app !== null && 'js' in o.app) {
    const a = w.object(o.app, [...path, 'app'], ['js'], ['js']);
    const js = a && w.oneOf(a.js, [...path, 'app', 'js'], [...JS_APP_NAMES, CUSTOM_JS_APP] as const);
    if (js !== undefined) out.app = { js };
  } else if (o.app !== undefined) {
    const app = readApp(w, o.app, [...path, 'app'], { handlers: false, maxBulk: SCENARIO_LIMITS.maxBytes });
    if (app) out.app = app.app === 'bulk' ? { bulk: app.bulkBytes as number } : (app.app as 'echo' | 'discard');
  }
  const variant = partial || o.variant !== undefined ? out.variant : DEFAULT_VARIANT;
  Object.assign(out, readTuning(w, o, path, variant));
  if (o.seed !== undefined) out.seed = w.int(o.seed, [...path, 'seed'], 0, UINT32_MAX, UINT32_PHRASE);
  if (o.peerReadRate !== undefined) out.peerReadRate = w.int(o.peerReadRate, [...path, 'peerReadRate'], 1, SCENARIO_LIMITS.maxBytes);
  for (const key of Object.keys(out) as Array<keyof ScenarioOptions>) if (out[key] === undefined) delete out[key];
  return out;
}

const PEER_KEYS = ['name', 'count', 'sndbuf', 'rcvbuf', 'readPerStep', 'reading'];

interface PeerTable {
  /** Every name an action may target (peers, groups, group members) -> the peers it stands for. */
  byName: Map<string, string[]>;
  /** The names as declared, for messages. */
  declared: string[];
  total: number;
}

function peers(w: Walker, v: unknown, path: Path): { list: ScenarioPeer[]; table: PeerTable } {
  const table: PeerTable = { byName: new Map(), declared: [], total: 0 };
  const list: ScenarioPeer[] = [];
  const a = w.array(v, path, SCENARIO_LIMITS.maxPeers);
  if (!a) return { list, table };
  const members = new Set<string>();
  a.forEach((entry, i) => {
    const p = [...path, i];
    const o = w.object(entry, p, PEER_KEYS, ['name']);
    if (!o) return;
    const peer = copyFields<ScenarioPeer>(o, PEER_KEYS, (key, x) => {
      const q = [...p, key];
      switch (key) {
        case 'name':
          if (typeof x !== 'string' || !isIdent(x, 32)) {
            return w.fail(q, `must be a name of letters, digits, '-' or '_', starting with a letter (at most 32), got ${show(x)}`);
          }
          if (RESERVED_NAMES.includes(x)) return w.fail(q, `must not be a reserved actor name (${quoted(RESERVED_NAMES)})`);
          return x;
        case 'count':
          return w.int(x, q, 1, SCENARIO_LIMITS.maxPeers);
        case 'sndbuf':
        case 'rcvbuf':
          return w.int(x, q, SOCKET_BUFFER_MIN, SOCKET_BUFFER_MAX);
        case 'readPerStep':
          return w.int(x, q, 1, SCENARIO_LIMITS.maxBytes);
        case 'reading':
          return w.bool(x, q);
      }
      return undefined;
    });
    list.push(peer);
    if (peer.name === undefined || (o.count !== undefined && peer.count === undefined)) return;
    const names = peer.count === undefined ? [peer.name] : Array.from({ length: peer.count }, (_, k) => `${peer.name}${k + 1}`);
    if (table.declared.includes(peer.name)) {
      w.fail([...p, 'name'], `duplicates the peer ${show(peer.name)}`);
      return;
    }
    const clash = [peer.name, ...names].find((n) => members.has(n));
    if (clash !== undefined) {
      w.fail([...p, 'name'], `the name ${show(clash)} is already taken by another peer`);
      return;
    }
    table.total += names.length;
    if (table.total > SCENARIO_LIMITS.maxPeers) {
      w.fail([...p, 'count'], `makes more than ${SCENARIO_LIMITS.maxPeers} peers in all`);
      return;
    }
    table.byName.set(peer.name, names);
    table.declared.push(peer.name);
    for (const n of names) members.add(n);
    if (peer.count !== undefined) {
      members.add(peer.name);
      for (const n of names) table.byName.set(n, [n]);
    }
  });
  return { list, table };
}

interface Refs {
  peers: PeerTable;
  labels: Map<string, number>;
  actions: number;
}

function peerRef(w: Walker, v: unknown, path: Path, refs: Refs): string | undefined {
  if (typeof v !== 'string') return w.fail(path, `must be the name of a peer, got ${show(v)}`);
  if (!refs.peers.byName.has(v)) {
    const known = refs.peers.declared;
    return w.fail(path, `is not a peer of this scenario (peers: ${known.length ? known.join(', ') : 'none'})`);
  }
  return v;
}

function actionRef(w: Walker, v: unknown, path: Path, refs: Refs): ActionRef | undefined {
  if (typeof v === 'number') return w.int(v, path, 0, refs.actions - 1, `an index into steps (0 to ${refs.actions - 1}) or a label`);
  if (typeof v === 'string') {
    if (!refs.labels.has(v)) return w.fail(path, `is not the label of an action (labels: ${[...refs.labels.keys()].join(', ') || 'none'})`);
    return v;
  }
  return w.fail(path, `must be an index into steps or the label of an action, got ${show(v)}`);
}

const ACTION_FIELDS: Readonly<Record<ActionName, { required: readonly string[]; optional: readonly string[] }>> = {
  connect: { required: ['peer'], optional: [] },
  write: { required: ['peer'], optional: ['bytes', 'data'] },
  writeAll: { required: ['peer', 'bytes'], optional: ['maxSteps'] },
  flood: { required: ['peer', 'steps'], optional: [] },
  read: { required: ['peer', 'max'], optional: [] },
  readAll: { required: ['peer'], optional: [] },
  stopReading: { required: ['peer'], optional: [] },
  resumeReading: { required: ['peer'], optional: [] },
  shutdown: { required: ['peer', 'how'], optional: [] },
  close: { required: ['peer'], optional: [] },
  closeWithUnread: { required: ['peer'], optional: [] },
  step: { required: [], optional: ['count'] },
  run: { required: ['maxSteps'], optional: ['until', 'mustReach'] },
  advance: { required: ['ms'], optional: [] },
  stopAccepting: { required: [], optional: [] },
  shutdownAll: { required: [], optional: [] },
  closeAll: { required: [], optional: ['reason'] },
  settle: { required: [], optional: ['maxSteps'] },
};

/** First pass over steps: the labels, so expectations (and nothing else) can point at actions. */
function collectLabels(w: Walker, steps: unknown[] | undefined, path: Path): Map<string, number> {
  const labels = new Map<string, number>();
  steps?.forEach((s, i) => {
    if (typeof s !== 'object' || s === null || Array.isArray(s)) return;
    const label = (s as Obj).label;
    if (label === undefined) return;
    const p = [...path, i, 'label'];
    if (typeof label !== 'string' || !isIdent(label, 40)) {
      w.fail(p, `must be a name of letters, digits, '-' or '_', starting with a letter (at most 40), got ${show(label)}`);
    } else if (labels.has(label)) {
      w.fail(p, `duplicates the label of steps[${labels.get(label)}]`);
    } else {
      labels.set(label, i);
    }
  });
  return labels;
}

function action(w: Walker, v: unknown, path: Path, refs: Refs): ScenarioAction | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return w.fail(path, `must be an object { "do": ..., ... }, got ${show(v)}`);
  const o = v as Obj;
  if (o.do === undefined) return w.fail([...path, 'do'], `is required: one of ${quoted(ACTION_NAMES)}`);
  const name = w.oneOf(o.do, [...path, 'do'], ACTION_NAMES);
  if (name === undefined) return undefined;
  const spec = ACTION_FIELDS[name];
  const keys = ['do', 'label', 'note', ...spec.required, ...spec.optional];
  w.object(o, path, keys, spec.required);
  const L = SCENARIO_LIMITS;
  const out = copyFields<Obj>(o, keys, (key, x) => {
    const p = [...path, key];
    switch (key) {
      case 'do':
        return name;
      case 'label':
        return typeof x === 'string' && refs.labels.get(x) === path[path.length - 1] ? x : undefined; // checked in collectLabels
      case 'note':
        return w.str(x, p, L.maxNote);
      case 'peer':
        return peerRef(w, x, p, refs);
      case 'bytes':
        return w.int(x, p, name === 'write' ? 0 : 1, name === 'write' ? Math.min(L.maxBytes, 64 * 1024 * 1024) : L.maxBytes);
      case 'data':
        return w.str(x, p, L.maxWriteText, false);
      case 'maxSteps':
        return w.int(x, p, 1, L.maxActionSteps);
      case 'steps':
      case 'count':
        return w.int(x, p, 1, L.maxActionSteps);
      case 'max':
        return w.int(x, p, 0, 64 * 1024 * 1024);
      case 'how':
        return w.oneOf(x, p, SHUTDOWN_HOWS);
      case 'ms':
        return w.int(x, p, 0, L.maxAdvanceMs);
      case 'mustReach':
        return w.bool(x, p);
      case 'reason':
        if (typeof x !== 'string' || !isIdent(x, 40)) return w.fail(p, `must be a close reason of letters, digits, '-' or '_' ('server-stopped'), got ${show(x)}`);
        return x;
      case 'until':
        if (x === 'idle') return x;
        if (typeof x === 'object' && x !== null && !Array.isArray(x)) {
          const c = (x as Obj).check;
          if (c !== 'peer' && c !== 'connection' && c !== 'server') {
            return w.fail([...p, 'check'], `must be 'peer', 'connection' or 'server' (what run can wait for), got ${show(c)}`);
          }
          return check(w, x, p, refs, false);
        }
        return w.fail(p, `must be 'idle' or a state check { "check": "peer" | "connection" | "server", ... }, got ${show(x)}`);
    }
    return undefined;
  });
  if (name === 'write' && (o.bytes === undefined) === (o.data === undefined)) {
    w.fail(path, 'a write needs exactly one of "bytes" (a filler count) or "data" (text)');
  }
  return out as unknown as ScenarioAction;
}

const MATCH_KEYS = ['actor', 'call', 'conn', 'listener', 'op', 'eventsHas', 'eventsLacks', 'wakeup', 'err', 'ret', 'args'];

function match(w: Walker, v: unknown, path: Path, refs: Refs): TraceMatch | undefined {
  const o = w.object(v, path, MATCH_KEYS);
  if (!o) return undefined;
  if (Object.keys(o).length === 0) w.fail(path, 'must say which records: actor, call, conn, op, eventsHas, ...');
  return copyFields<TraceMatch>(o, MATCH_KEYS, (key, x) => {
    const p = [...path, key];
    switch (key) {
      case 'actor':
        if (typeof x === 'string' && (RESERVED_NAMES.includes(x) || refs.peers.byName.has(x))) return x;
        return w.fail(p, `must be ${quoted(RESERVED_NAMES)} or a peer of this scenario, got ${show(x)}`);
      case 'call':
        if (typeof x !== 'string' || !isIdent(x, 40)) return w.fail(p, `must be a call name ('epollWait', 'write', ...), got ${show(x)}`);
        return x;
      case 'conn':
        return peerRef(w, x, p, refs);
      case 'listener':
      case 'wakeup':
        return w.bool(x, p);
      case 'op':
        return w.oneOf(x, p, EPOLL_OPS);
      case 'eventsHas':
      case 'eventsLacks':
        return w.flags(x, p);
      case 'err':
        return w.errno(x, p, ['any']);
      case 'ret':
        return w.range(x, p);
      case 'args': {
        if (typeof x !== 'object' || x === null || Array.isArray(x)) return w.fail(p, `must be an object of argument values, got ${show(x)}`);
        const a = w.object(x, p, Object.keys(x));
        if (!a) return undefined;
        const out: Record<string, string | number | boolean | null> = {};
        for (const [k, av] of Object.entries(a)) {
          if (!isIdent(k, 40)) w.fail([...p, k], 'must be an argument name');
          else if (av === null || typeof av === 'string' || typeof av === 'boolean' || (typeof av === 'number' && Number.isFinite(av))) out[k] = av;
          else w.fail([...p, k], `must be a string, number, boolean or null, got ${show(av)}`);
        }
        return out;
      }
    }
    return undefined;
  });
}

const CHECK_KEYS: Readonly<Record<(typeof CHECK_NAMES)[number], readonly string[]>> = {
  peer: ['peer', 'receivedBytes', 'writtenBytes', 'receivedAllWritten', 'inOrder', 'text', 'eof', 'error', 'lastWriteErr', 'accepted', 'dropped', 'refused'],
  connection: [
    'peer', 'state', 'closed', 'closeReason', 'peerHalfClosed', 'reading', 'writing', 'sendBuf', 'maxSendBuf', 'readBuf',
    'kernelSendQueue', 'peerReceiveQueue', 'interest', 'interestHas', 'interestLacks', 'registered',
  ],
  server: ['accepted', 'open', 'dropped', 'refused', 'accepting', 'interestCount', 'readyCount'],
  trace: ['match', 'count', 'sumRet'],
  order: ['first', 'then'],
};
const EXPECTATION_KEYS = ['description', 'at', 'during'];

function check(w: Walker, v: unknown, path: Path, refs: Refs, expectation: boolean): ScenarioExpectation | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return w.fail(path, `must be an object { "check": ..., ... }, got ${show(v)}`);
  const o = v as Obj;
  if (o.check === undefined) return w.fail([...path, 'check'], `is required: one of ${quoted(CHECK_NAMES)}`);
  const kind = w.oneOf(o.check, [...path, 'check'], CHECK_NAMES);
  if (kind === undefined) return undefined;
  const fields = CHECK_KEYS[kind];
  const keys = ['check', ...fields, ...(expectation ? EXPECTATION_KEYS : [])];
  const required = kind === 'trace' ? ['match'] : kind === 'order' ? ['first', 'then'] : kind === 'server' ? [] : ['peer'];
  w.object(o, path, keys, required);
  if (kind !== 'trace' && kind !== 'order' && !fields.some((f) => f !== 'peer' && o[f] !== undefined)) {
    w.fail(path, `must check something: ${fields.filter((f) => f !== 'peer').join(', ')}`);
  }
  if (expectation && o.at !== undefined && o.during !== undefined) {
    const at = typeof o.at === 'string' ? refs.labels.get(o.at) : o.at;
    const during = typeof o.during === 'string' ? refs.labels.get(o.during) : o.during;
    if (typeof at === 'number' && typeof during === 'number' && at < during) {
      w.fail([...path, 'at'], `must not come before "during" (steps[${during}]): its records do not exist yet`);
    }
  }
  return copyFields<ScenarioExpectation>(o, keys, (key, x) => {
    const p = [...path, key];
    switch (key) {
      case 'check':
        return kind;
      case 'description':
        return w.str(x, p, SCENARIO_LIMITS.maxNote);
      case 'at':
      case 'during':
        return actionRef(w, x, p, refs);
      case 'peer':
        return peerRef(w, x, p, refs);
      case 'match':
      case 'first':
      case 'then':
        return match(w, x, p, refs);
      case 'accepted':
      case 'dropped':
      case 'refused':
        return kind === 'server' ? w.range(x, p) : w.bool(x, p);
      case 'accepting':
      case 'receivedAllWritten':
      case 'inOrder':
      case 'eof':
      case 'closed':
      case 'peerHalfClosed':
      case 'reading':
      case 'writing':
      case 'registered':
        return w.bool(x, p);
      case 'text':
        return w.str(x, p, SCENARIO_LIMITS.maxWriteText, false);
      case 'error':
      case 'lastWriteErr':
        return w.errno(x, p);
      case 'state':
        return w.oneOf(x, p, STATES);
      case 'closeReason':
        return x === null ? null : w.str(x, p, 64);
      case 'interest':
        if (typeof x !== 'string') return w.fail(p, `must be a mask as names ('EPOLLIN|EPOLLET', '' for none), got ${show(x)}`);
        if (x !== '' && x.split('|').some((f) => !EPOLL_FLAG_NAMES.includes(f))) return w.fail(p, `must be EPOLL flag names joined by '|', got ${show(x)}`);
        return x;
      case 'interestHas':
      case 'interestLacks':
        return w.flags(x, p);
      default:
        return w.range(x, p); // every other field is a Range
    }
  });
}

// ---- entry points ----

export type ScenarioValidation = { ok: true; scenario: ScenarioDocument } | { ok: false; errors: ScenarioIssue[] };

const DOC_KEYS = ['$schema', 'version', 'name', 'title', 'explanation', 'options', 'peers', 'steps', 'expect', 'contrast', 'momentLinks', 'limits', 'faults', 'invariants'];

/** Each phrase must be in the text it links from: a link to words the page does not show would be a link nobody can click. */
function momentLinks(w: Walker, v: unknown, path: Path, texts: string[]): MomentLink[] | undefined {
  const a = w.array(v, path, SCENARIO_LIMITS.maxMomentLinks);
  if (!a) return undefined;
  const out: MomentLink[] = [];
  a.forEach((x, i) => {
    const o = w.object(x, [...path, i], ['text', 'moment'], ['text', 'moment'], 'an object { "text", "moment" }');
    if (!o) return;
    const text = o.text === undefined ? undefined : w.str(o.text, [...path, i, 'text'], SCENARIO_LIMITS.maxMomentLinkText);
    const moment = o.moment === undefined ? undefined : w.oneOf(o.moment, [...path, i, 'moment'], MOMENT_NAMES);
    if (text !== undefined && !texts.some((t) => t.includes(text))) {
      w.fail([...path, i, 'text'], `must be words of the explanation or the contrast's explanation (it becomes a link there), got ${show(text)}`);
      return;
    }
    if (text !== undefined && moment !== undefined) out.push({ text, moment });
  });
  return out;
}

function fault(w: Walker, v: unknown, path: Path, refs: Refs): ScenarioFault | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return w.fail(path, `must be an object { "fault": ..., "at": ..., ... }, got ${show(v)}`);
  const o = v as Obj;
  if (o.fault === undefined) return w.fail([...path, 'fault'], `is required: one of ${quoted(FAULT_NAMES)}`);
  const name = w.oneOf(o.fault, [...path, 'fault'], FAULT_NAMES);
  if (name === undefined) return undefined;
  const spec = FAULT_FIELDS[name];
  const target = spec.target ? ['peer'] : [];
  w.object(o, path, ['fault', 'at', 'note', ...target, ...spec.required, ...spec.optional], ['at', ...target]);
  const fields = readFaultFields(w, o, path, name);
  const at = o.at === undefined ? undefined : actionRef(w, o.at, [...path, 'at'], refs);
  const peer = spec.target && o.peer !== undefined ? peerRef(w, o.peer, [...path, 'peer'], refs) : undefined;
  const note = o.note === undefined ? undefined : w.str(o.note, [...path, 'note'], SCENARIO_LIMITS.maxNote);
  if (!fields || at === undefined || (spec.target && peer === undefined)) return undefined;
  const out: ScenarioFault = { ...fields, at };
  if (peer !== undefined) out.peer = peer;
  if (note !== undefined) out.note = note;
  return out;
}

function invariants(w: Walker, v: unknown, path: Path): InvariantName[] | undefined {
  const a = w.array(v, path, INVARIANT_NAMES.length);
  if (!a) return undefined;
  if (a.length === 0) return w.fail(path, `must list at least one invariant (${quoted(INVARIANT_NAMES)})`);
  const out: InvariantName[] = [];
  a.forEach((x, i) => {
    const name = w.oneOf(x, [...path, i], INVARIANT_NAMES);
    if (name === undefined) return;
    if (out.includes(name)) w.fail([...path, i], `lists ${show(name)} twice`);
    else out.push(name);
  });
  return out;
}

function validate(doc: unknown): ScenarioValidation {
  const w = new Walker();
  const o = w.object(doc, [], DOC_KEYS, ['version', 'name', 'options', 'peers', 'steps', 'expect']);
  if (!o) return { ok: false, errors: w.issues };
  if (o.version !== undefined && o.version !== SCENARIO_VERSION) w.fail(['version'], `must be ${SCENARIO_VERSION}, got ${show(o.version)}`);
  if (o.$schema !== undefined) w.str(o.$schema, ['$schema'], 500);
  if (o.name !== undefined && (typeof o.name !== 'string' || !isKebab(o.name))) {
    w.fail(['name'], `must be a kebab-case id ('large-response-slow-reader', at most 64), got ${show(o.name)}`);
  }
  if (o.title !== undefined) w.str(o.title, ['title'], SCENARIO_LIMITS.maxTitle);
  if (o.explanation !== undefined) w.str(o.explanation, ['explanation'], SCENARIO_LIMITS.maxExplanation);
  const opts = o.options === undefined ? undefined : options(w, o.options, ['options'], false);
  const { list: peerList, table } = o.peers === undefined ? { list: [], table: { byName: new Map(), declared: [], total: 0 } } : peers(w, o.peers, ['peers']);
  const stepsIn = o.steps === undefined ? undefined : w.array(o.steps, ['steps'], SCENARIO_LIMITS.maxActions);
  const refs: Refs = { peers: table, labels: collectLabels(w, stepsIn, ['steps']), actions: stepsIn?.length ?? 0 };
  const steps = (stepsIn ?? []).map((s, i) => action(w, s, ['steps', i], refs));
  const expectIn = o.expect === undefined ? undefined : w.array(o.expect, ['expect'], SCENARIO_LIMITS.maxExpectations);
  const expectations = (expectIn ?? []).map((e, i) => check(w, e, ['expect', i], refs, true));
  let contrast: ScenarioDocument['contrast'];
  if (o.contrast !== undefined) {
    const c = w.object(o.contrast, ['contrast'], ['variant', 'explanation'], ['variant', 'explanation']);
    if (c) {
      const variant = c.variant === undefined ? undefined : w.oneOf(c.variant, ['contrast', 'variant'], VARIANT_NAMES);
      const explanation = c.explanation === undefined ? undefined : w.str(c.explanation, ['contrast', 'explanation'], SCENARIO_LIMITS.maxExplanation);
      if (variant !== undefined && variant === (opts?.variant ?? 'edgeloop')) {
        w.fail(['contrast', 'variant'], `must differ from the scenario's own variant (${variant})`);
      }
      if (variant !== undefined && explanation !== undefined) contrast = { variant, explanation };
    }
  }
  let links: MomentLink[] | undefined;
  if (o.momentLinks !== undefined) {
    const texts = [typeof o.explanation === 'string' ? o.explanation : ''];
    if (contrast) texts.push(contrast.explanation);
    links = momentLinks(w, o.momentLinks, ['momentLinks'], texts);
  }
  let limits: ScenarioDocument['limits'];
  if (o.limits !== undefined) {
    const l = w.object(o.limits, ['limits'], ['maxSteps', 'maxEvents', 'maxPeerBytes']);
    if (l) {
      limits = {};
      if (l.maxSteps !== undefined) limits.maxSteps = w.int(l.maxSteps, ['limits', 'maxSteps'], 1, SCENARIO_LIMITS.maxTotalSteps);
      if (l.maxEvents !== undefined) limits.maxEvents = w.int(l.maxEvents, ['limits', 'maxEvents'], 1, SCENARIO_LIMITS.maxEventsCeiling);
      if (l.maxPeerBytes !== undefined) limits.maxPeerBytes = w.int(l.maxPeerBytes, ['limits', 'maxPeerBytes'], 1, SCENARIO_LIMITS.maxPeerBytesCeiling);
    }
  }
  const faultsIn = o.faults === undefined ? undefined : w.array(o.faults, ['faults'], SCENARIO_LIMITS.maxFaults);
  const faults = faultsIn?.map((f, i) => fault(w, f, ['faults', i], refs));
  const invariantList = o.invariants === undefined ? undefined : invariants(w, o.invariants, ['invariants']);
  if (w.issues.length > 0) return { ok: false, errors: w.issues };
  const scenario: ScenarioDocument = {
    version: 1,
    name: o.name as string,
    title: (o.title as string | undefined) ?? (o.name as string),
    explanation: (o.explanation as string | undefined) ?? '',
    options: opts as ScenarioOptions,
    peers: peerList,
    steps: steps as ScenarioAction[],
    expect: expectations as ScenarioExpectation[],
  };
  if (contrast) scenario.contrast = contrast;
  if (links) scenario.momentLinks = links;
  if (limits) scenario.limits = limits;
  if (faults) scenario.faults = faults as ScenarioFault[];
  if (invariantList) scenario.invariants = invariantList;
  return { ok: true, scenario };
}

/**
 * Checks a scenario document (parsed JSON) and returns a clean copy, or every
 * problem found with its path. Never throws: a document that breaks the
 * walker itself (a getter that throws, a cycle) is reported as an error.
 */
export function validateScenario(doc: unknown): ScenarioValidation {
  try {
    return validate(doc);
  } catch (e) {
    const message = e instanceof RangeError ? 'is nested too deeply or cyclic' : `could not be read: ${e instanceof Error ? e.message : show(e)}`;
    return { ok: false, errors: [{ path: '', segments: [], message }] };
  }
}

/** validateScenario(), throwing a ScenarioError (ERR_SCENARIO) with every problem. */
export function assertScenario(doc: unknown, where = 'scenario'): ScenarioDocument {
  const r = validateScenario(doc);
  if (!r.ok) throw new ScenarioError(r.errors, where);
  return r.scenario;
}

/** Parses scenario JSON text and validates it; a syntax error is one issue at the document. */
export function parseScenario(text: string): ScenarioValidation {
  if (typeof text !== 'string') return { ok: false, errors: [{ path: '', segments: [], message: `must be JSON text, got ${show(text)}` }] };
  if (text.length > SCENARIO_LIMITS.maxDocumentChars) {
    return { ok: false, errors: [{ path: '', segments: [], message: `is ${text.length} characters long, more than a scenario may be (${SCENARIO_LIMITS.maxDocumentChars})` }] };
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return { ok: false, errors: [{ path: '', segments: [], message: `is not valid JSON: ${(e as Error).message}` }] };
  }
  return validateScenario(doc);
}

/**
 * Validates knob overrides (the playground's, the CLI's --variant...) as a
 * partial `options` object: errors name `options.<field>`.
 */
export function validateScenarioOptions(overrides: unknown): { ok: true; options: Partial<ScenarioOptions> } | { ok: false; errors: ScenarioIssue[] } {
  try {
    const w = new Walker();
    const out = options(w, overrides, ['options'], true);
    return w.issues.length > 0 || !out ? { ok: false, errors: w.issues } : { ok: true, options: out };
  } catch (e) {
    return { ok: false, errors: [{ path: 'options', segments: ['options'], message: `could not be read: ${e instanceof Error ? e.message : show(e)}` }] };
  }
}

/**
 * The validator's own tables, for the JSON Schema (scenario-json-schema.ts),
 * which is built from them so the two cannot drift apart: a key added here
 * without a schema for it fails the schema's build.
 */
export const SCENARIO_TABLES = Object.freeze({
  docKeys: DOC_KEYS,
  optionKeys: OPTION_KEYS,
  peerKeys: PEER_KEYS,
  actionFields: ACTION_FIELDS,
  actionKeys: ['do', 'label', 'note'] as readonly string[],
  checkNames: CHECK_NAMES,
  checkKeys: CHECK_KEYS,
  expectationKeys: EXPECTATION_KEYS,
  matchKeys: MATCH_KEYS,
  states: STATES,
  epollOps: EPOLL_OPS,
  shutdownHows: SHUTDOWN_HOWS,
  reservedNames: RESERVED_NAMES,
});
