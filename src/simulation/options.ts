// Simulation.create()'s options: validated here, with an EdgeloopError that
// names the bad field, before anything reaches a binding; then turned into
// the flat JSON document the reactor's host parses (native/reactor/embed/host_config.h).
import { describeValue, EdgeloopError } from '../errors.js';
import type {
  EngineName,
  Family,
  HighWaterPolicy,
  PeerOptions,
  TriggerMode,
  SimulationHandlers,
  SimulationEngineName,
  SimulationOptions,
  VariantName,
} from '../types.js';

const OPTION_KEYS = ['engine', 'seed', 'family', 'variant', 'app', 'sndbuf', 'rcvbuf', 'highWaterMark', 'highWaterPolicy', 'trigger'];
const PEER_OPTION_KEYS = ['sndbuf', 'rcvbuf', 'readPerStep'];
const VARIANTS: readonly VariantName[] = ['edgeloop', 'day26-as-written', 'day25-write-all'];
const POLICIES: readonly HighWaterPolicy[] = ['pause-reading', 'close'];
const TRIGGERS: readonly TriggerMode[] = ['edge', 'level'];
const HANDLER_NAMES = ['onConnection', 'onMessage', 'onWriteComplete', 'onHighWaterMark', 'onClose'] as const;
/** Larger than any buffer a simulation can hold; the C++ side enforces the same bound. */
const MAX_BYTES = 2 ** 40;
const INT32_MAX = 0x7fffffff;

export interface ResolvedSimulationOptions {
  engine: SimulationEngineName;
  seed: number;
  family: Family;
  variant: VariantName;
  /** null for a built-in app. */
  handlers: SimulationHandlers | null;
  /** The host's options document. */
  json: string;
}

function bad(where: string, field: string, expected: string, got: unknown): EdgeloopError {
  return new EdgeloopError('ERR_INVALID_ARG', `${where}: "${field}" must be ${expected}, got ${describeValue(got)}`, {
    argument: field,
  });
}

function plainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);
}

function checkKeys(where: string, o: Record<string, unknown>, known: readonly string[], prefix = ''): void {
  for (const key of Object.keys(o)) {
    if (!known.includes(key)) {
      throw new EdgeloopError('ERR_INVALID_ARG', `${where}: unknown option "${prefix}${key}" (known: ${known.join(', ')})`, {
        argument: `${prefix}${key}`,
      });
    }
  }
}

function positiveInt(where: string, field: string, v: unknown, max: number): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0 || v > max) {
    throw bad(where, field, `a positive integer (at most ${max})`, v);
  }
  return v;
}

function oneOf<T extends string>(where: string, field: string, v: unknown, allowed: readonly T[]): T {
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw bad(where, field, allowed.map((a) => `'${a}'`).join(' or '), v);
  }
  return v as T;
}

function resolveApp(where: string, app: unknown): { doc: Record<string, unknown>; handlers: SimulationHandlers | null } {
  if (app === undefined || app === 'echo' || app === 'discard') return { doc: { app: app ?? 'echo' }, handlers: null };
  if (typeof app === 'string') throw bad(where, 'app', "'echo', 'discard', { bulk: bytes } or an object of handlers", app);
  if (!plainObject(app)) throw bad(where, 'app', "'echo', 'discard', { bulk: bytes } or an object of handlers", app);
  if ('bulk' in app) {
    checkKeys(where, app, ['bulk'], 'app.');
    const n = app.bulk;
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0 || n > MAX_BYTES) {
      throw bad(where, 'app.bulk', `a byte count (an integer from 0 to ${MAX_BYTES})`, n);
    }
    return { doc: { app: 'bulk', bulkBytes: n }, handlers: null };
  }
  checkKeys(where, app, HANDLER_NAMES, 'app.');
  for (const name of HANDLER_NAMES) {
    const fn = app[name];
    if (fn !== undefined && typeof fn !== 'function') throw bad(where, `app.${name}`, 'a function', fn);
  }
  return { doc: { app: 'js' }, handlers: app as SimulationHandlers };
}

/** Validates Simulation.create()'s options; `defaultEngine` is 'native' in Node and 'wasm' in the browser. */
export function resolveSimulationOptions(options: unknown, defaultEngine: EngineName): ResolvedSimulationOptions {
  const where = 'Simulation.create()';
  if (options === undefined) options = {};
  if (!plainObject(options)) throw bad(where, 'options', 'an object', options);
  const o = options;
  checkKeys(where, o, OPTION_KEYS);
  const engine = o.engine === undefined ? defaultEngine : oneOf<SimulationEngineName>(where, 'engine', o.engine, ['native', 'wasm', 'linux']);
  const seed = o.seed === undefined ? 1 : o.seed;
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw bad(where, 'seed', 'a uint32 integer (0 to 4294967295)', seed);
  }
  const family = o.family === undefined ? 'unix' : oneOf<Family>(where, 'family', o.family, ['unix', 'tcp']);
  const variant = o.variant === undefined ? 'edgeloop' : oneOf(where, 'variant', o.variant, VARIANTS);
  const { doc, handlers } = resolveApp(where, o.app);
  const out: Record<string, unknown> = { family, variant, ...doc };
  if (o.sndbuf !== undefined) out.sndbuf = positiveInt(where, 'sndbuf', o.sndbuf, INT32_MAX);
  if (o.rcvbuf !== undefined) out.rcvbuf = positiveInt(where, 'rcvbuf', o.rcvbuf, INT32_MAX);
  if (o.highWaterMark !== undefined) out.highWaterMark = positiveInt(where, 'highWaterMark', o.highWaterMark, MAX_BYTES);
  if (o.highWaterPolicy !== undefined) out.highWaterPolicy = oneOf(where, 'highWaterPolicy', o.highWaterPolicy, POLICIES);
  if (o.trigger !== undefined) {
    out.trigger = oneOf(where, 'trigger', o.trigger, TRIGGERS);
    if (out.trigger === 'level' && variant !== 'edgeloop') {
      throw bad(where, 'trigger', `'edge' with variant '${variant}' (the tutorial's variants run as written; 'level' is for 'edgeloop')`, o.trigger);
    }
  }
  return { engine, seed, family, variant, handlers, json: JSON.stringify(out) };
}

export interface ResolvedPeerOptions {
  sndbuf: number | null;
  rcvbuf: number | null;
  /** Infinity: read until EAGAIN. */
  readPerStep: number;
}

export function resolvePeerOptions(options: unknown): ResolvedPeerOptions {
  const where = 'peer()';
  const out: ResolvedPeerOptions = { sndbuf: null, rcvbuf: null, readPerStep: Infinity };
  if (options === undefined) return out;
  if (!plainObject(options)) throw bad(where, 'options', 'an object { sndbuf?, rcvbuf?, readPerStep? }', options);
  checkKeys(where, options, PEER_OPTION_KEYS);
  const o = options as PeerOptions & Record<string, unknown>;
  if (o.sndbuf !== undefined) out.sndbuf = positiveInt(where, 'sndbuf', o.sndbuf, INT32_MAX);
  if (o.rcvbuf !== undefined) out.rcvbuf = positiveInt(where, 'rcvbuf', o.rcvbuf, INT32_MAX);
  if (o.readPerStep !== undefined) out.readPerStep = positiveInt(where, 'readPerStep', o.readPerStep, MAX_BYTES);
  return out;
}
