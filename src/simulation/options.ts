// Simulation.create()'s options: the reactor's (src/reactor-options.ts) plus
// the simulation's own, engine and seed. Validated here, with an
// EdgeloopError that names the bad field, before anything reaches a binding;
// then turned into the host's options document.
import {
  type AppChoice,
  DEFAULT_FAMILY,
  DEFAULT_VARIANT,
  FAMILIES,
  hostConfigJson,
  readApp,
  readTuning,
  REACTOR_OPTION_FIELDS,
  SOCKET_BUFFER_MAX,
  SOCKET_BUFFER_MIN,
  VARIANT_NAMES,
} from '../reactor-options.js';
import type { EngineName, Family, SimulationEngineName, SimulationHandlers, VariantName } from '../types.js';
import { OptionChecker, UINT32_MAX, UINT32_PHRASE, readOptionsSafely } from '../validate.js';

/** Where a simulation's reactor runs. */
export const SIMULATION_ENGINES: readonly SimulationEngineName[] = Object.freeze(['native', 'wasm', 'linux']);
export const DEFAULT_SEED = 1;
/** Bytes a peer reads per step: larger than any buffer a simulation can hold. */
export const READ_PER_STEP_MAX = 2 ** 40;

const OPTION_KEYS = ['engine', 'seed', 'trace', ...REACTOR_OPTION_FIELDS];
const PEER_OPTION_KEYS = ['sndbuf', 'rcvbuf', 'readPerStep'];

export interface ResolvedSimulationOptions {
  engine: SimulationEngineName;
  seed: number;
  family: Family;
  variant: VariantName;
  /** null for a built-in app. */
  handlers: SimulationHandlers | null;
  trace: boolean;
  /** The host's options document. */
  json: string;
}

/** Validates Simulation.create()'s options; `defaultEngine` is 'native' in Node and 'wasm' in the browser. */
export function resolveSimulationOptions(options: unknown, defaultEngine: EngineName): ResolvedSimulationOptions {
  return readOptionsSafely('Simulation.create()', () => resolveSimulationOptionsUnchecked(options, defaultEngine));
}

function resolveSimulationOptionsUnchecked(options: unknown, defaultEngine: EngineName): ResolvedSimulationOptions {
  const c = new OptionChecker('Simulation.create()');
  const o = c.object(options === undefined ? {} : options, [], OPTION_KEYS);
  const engine = o.engine === undefined ? defaultEngine : c.oneOf(o.engine, ['engine'], SIMULATION_ENGINES);
  const seed = o.seed === undefined ? DEFAULT_SEED : c.int(o.seed, ['seed'], 0, UINT32_MAX, UINT32_PHRASE);
  const family = o.family === undefined ? DEFAULT_FAMILY : c.oneOf(o.family, ['family'], FAMILIES);
  const variant = o.variant === undefined ? DEFAULT_VARIANT : c.oneOf(o.variant, ['variant'], VARIANT_NAMES);
  const trace = o.trace === undefined ? true : c.bool(o.trace, ['trace']);
  const { handlers, ...app } = readApp(c, o.app, ['app'], { handlers: true }) as AppChoice;
  const json = hostConfigJson({ family, variant, ...app, ...readTuning(c, o, [], variant), ...(trace ? {} : { trace }) });
  return { engine, seed, family, variant, handlers: (handlers as SimulationHandlers | undefined) ?? null, trace, json };
}

export interface ResolvedPeerOptions {
  sndbuf: number | null;
  rcvbuf: number | null;
  /** Infinity: read until EAGAIN. */
  readPerStep: number;
}

export function resolvePeerOptions(options: unknown): ResolvedPeerOptions {
  const out: ResolvedPeerOptions = { sndbuf: null, rcvbuf: null, readPerStep: Infinity };
  if (options === undefined) return out;
  const c = new OptionChecker('peer()');
  const o = c.object(options, [], PEER_OPTION_KEYS, [], 'an object { sndbuf?, rcvbuf?, readPerStep? }');
  if (o.sndbuf !== undefined) out.sndbuf = c.int(o.sndbuf, ['sndbuf'], SOCKET_BUFFER_MIN, SOCKET_BUFFER_MAX);
  if (o.rcvbuf !== undefined) out.rcvbuf = c.int(o.rcvbuf, ['rcvbuf'], SOCKET_BUFFER_MIN, SOCKET_BUFFER_MAX);
  if (o.readPerStep !== undefined) out.readPerStep = c.int(o.readPerStep, ['readPerStep'], 1, READ_PER_STEP_MAX);
  return out;
}
