// The reactor's options: one contract for every way to configure it,
// Simulation.create(), createServer(), a scenario document's `options` (and
// the knobs that override them), the CLI's flags and the playground's knobs.
// This module owns their names and lists, their defaults, their bounds (each
// stated once), the rule between them (trigger 'level' needs variant
// 'edgeloop') and the flat JSON document the reactor's host parses
// (native/host/host_config.cc, which checks the same bounds again: keep the
// two in step). Each front end adds only its own fields on top: engine and
// seed (Simulation), host, port, threads, backlog, trace
// (createServer), seed and peerReadRate (scenarios). Browser-safe.
import type { BuiltinAppName, Family, HighWaterPolicy, MutantName, TriggerMode, VariantName } from './types.js';
import { byteCountPhrase, type FieldChecker, type FieldPath, INT32_MAX, isPlainObject } from './validate.js';

// ---- names ----

/** 'unix' (AF_UNIX stream) or 'tcp' (IPv4 or IPv6; the sim: 127.0.0.0/8). */
export const FAMILIES: readonly Family[] = Object.freeze(['unix', 'tcp']);
/** The correct reactor first, then the tutorial's code as written. */
export const VARIANTS: readonly VariantName[] = Object.freeze(['edgeloop', 'day26-as-written', 'day25-write-all']);
/** The test build's broken reactors (types.ts MutantName): accepted wherever a variant is, refused by a normal build when it starts. */
export const MUTANT_VARIANTS: readonly MutantName[] = Object.freeze([
  'mutant-keeps-epollout',
  'mutant-never-resumes-reading',
  'mutant-one-read-per-wakeup',
  'mutant-eintr-fatal',
  'mutant-accept-error-fatal',
  'mutant-no-spare-fd',
  'mutant-closes-before-flush',
  'mutant-writes-past-queue',
  'mutant-closes-before-del',
]);
/** What a `variant` field accepts: the variants and the mutants. */
export const VARIANT_NAMES: readonly VariantName[] = Object.freeze([...VARIANTS, ...MUTANT_VARIANTS]);

export function isMutant(variant: VariantName): variant is MutantName {
  return (MUTANT_VARIANTS as readonly string[]).includes(variant);
}
export const HIGH_WATER_POLICIES: readonly HighWaterPolicy[] = Object.freeze(['pause-reading', 'close']);
export const TRIGGERS: readonly TriggerMode[] = Object.freeze(['edge', 'level']);
/** The built-in apps named by a string; `{ bulk: bytes }` is the third. */
export const BUILTIN_APPS: readonly BuiltinAppName[] = Object.freeze(['echo', 'discard']);
/** The callbacks an object of JS handlers may have. */
export const APP_HANDLER_NAMES = Object.freeze(['onConnection', 'onMessage', 'onWriteComplete', 'onHighWaterMark', 'onClose'] as const);

// ---- defaults (the host's, for documentation and knobs: a field not given is left out of the document) ----

export const DEFAULT_FAMILY: Family = 'unix';
export const DEFAULT_VARIANT: VariantName = 'edgeloop';
export const DEFAULT_APP: BuiltinAppName = 'echo';
export const DEFAULT_HIGH_WATER_POLICY: HighWaterPolicy = 'pause-reading';
export const DEFAULT_TRIGGER: TriggerMode = 'edge';
/** native/reactor/tcp_connection.h. */
export const DEFAULT_HIGH_WATER_MARK = 4 * 1024 * 1024;
/** listen(2)'s backlog (native/reactor/tcp_server.h: SOMAXCONN on the verified machines). */
export const DEFAULT_BACKLOG = 4096;

// ---- bounds ----

/**
 * SO_SNDBUF / SO_RCVBUF: setsockopt(2) takes an int, which Linux doubles
 * (capped at wmem_max / rmem_max); the host takes 0 for "leave the kernel's",
 * so a size given is at least 1.
 */
export const SOCKET_BUFFER_MIN = 1;
export const SOCKET_BUFFER_MAX = INT32_MAX;
/** Bytes queued in the reactor per connection; the host's bound (a size_t no embedder can fill). */
export const HIGH_WATER_MARK_MIN = 1;
export const HIGH_WATER_MARK_MAX = 2 ** 40;

/** memoryBudget: 0 (no cap) up to this many bytes. */
export const MEMORY_BUDGET_MAX = 2 ** 40;
/**
 * createServer()'s defaults, smaller than the simulation's (which keep the
 * tutorial's scenarios as they were written): a real server's output is
 * bounded per connection by the high-water mark and server-wide by the
 * memory budget. Why these numbers: README "Memory budget".
 */
export const DEFAULT_SERVER_HIGH_WATER_MARK = 1024 * 1024;
export const DEFAULT_SERVER_MEMORY_BUDGET = 64 * 1024 * 1024;
/** Bytes the bulk app sends per connection (0: it shuts down at once). */
export const BULK_BYTES_MAX = 2 ** 40;
/** Open connections at most (the host counts in 64 bits; an fd table holds fewer than this). */
export const MAX_CONNECTIONS_MIN = 1;
export const MAX_CONNECTIONS_MAX = INT32_MAX;
/** Sub-reactor threads of a real server (native/host/host_config.h kMaxThreads). */
export const MAX_THREADS = 256;
/** listen(2)'s backlog: an int; Linux caps it at somaxconn. */
export const BACKLOG_MIN = 1;
export const BACKLOG_MAX = INT32_MAX;

// ---- the host's document ----

/** An app as the host names it: a built-in, the bulk app, or 'js' (events go to JS handlers). */
export type HostApp = BuiltinAppName | 'bulk' | 'js';

/**
 * The flat JSON document the reactor's host parses (native/host/host_config.h).
 * A field left out takes the host's default; every value here was checked.
 */
export interface HostConfig {
  family: Family;
  /** '@name', 'A.B.C.D:PORT' or '[IPV6]:PORT'; default '@edgeloop' or '127.0.0.1:0'. */
  address?: string;
  variant?: VariantName;
  app: HostApp;
  bulkBytes?: number;
  backlog?: number;
  sndbuf?: number;
  rcvbuf?: number;
  highWaterMark?: number;
  highWaterPolicy?: HighWaterPolicy;
  trigger?: TriggerMode;
  /** Record syscalls and app events (default true). */
  trace?: boolean;
  /** Open connections at most; an excess one is accepted and closed at once (default 0: no limit). */
  maxConnections?: number;
  /** Sub-reactor threads (default 0; the real server only, built-in apps only). */
  threads?: number;
  /** SO_REUSEPORT on the listener, before bind (tcp only; default false). */
  reusePort?: boolean;
  /** Output bytes all connections together may hold before they are paused, then reset (default 0: no cap). */
  memoryBudget?: number;
}

/** The document as the host takes it: keys in the order given. */
export function hostConfigJson(config: HostConfig): string {
  return JSON.stringify(config);
}

// ---- reading the fields ----

/** The fields every front end passes to the host as given, in the document's order. */
export const TUNING_FIELDS = Object.freeze(['sndbuf', 'rcvbuf', 'highWaterMark', 'highWaterPolicy', 'trigger', 'maxConnections', 'memoryBudget'] as const);

export type ReactorTuning = Pick<HostConfig, (typeof TUNING_FIELDS)[number]>;

/** The reactor's own fields of an options object, as every front end spells them. */
export const REACTOR_OPTION_FIELDS = Object.freeze(['family', 'variant', 'app', ...TUNING_FIELDS] as const);

/**
 * The tuning fields of `o` that are given, each checked: the object at
 * `path` (`[]` for an options object, `['options']` in a scenario). The
 * trigger is checked against `variant` (see checkTrigger).
 */
export function readTuning(c: FieldChecker, o: Record<string, unknown>, path: FieldPath, variant: VariantName | undefined): ReactorTuning {
  const out: ReactorTuning = {};
  for (const key of TUNING_FIELDS) {
    const v = o[key];
    if (v === undefined) continue;
    const p = [...path, key];
    switch (key) {
      case 'sndbuf':
      case 'rcvbuf':
        out[key] = c.int(v, p, SOCKET_BUFFER_MIN, SOCKET_BUFFER_MAX);
        break;
      case 'highWaterMark':
        out.highWaterMark = c.int(v, p, HIGH_WATER_MARK_MIN, HIGH_WATER_MARK_MAX);
        break;
      case 'highWaterPolicy':
        out.highWaterPolicy = c.oneOf(v, p, HIGH_WATER_POLICIES);
        break;
      case 'trigger':
        out.trigger = c.oneOf(v, p, TRIGGERS);
        if (out.trigger !== undefined) checkTrigger(c, out.trigger, variant, p);
        break;
      case 'maxConnections':
        out.maxConnections = c.int(v, p, MAX_CONNECTIONS_MIN, MAX_CONNECTIONS_MAX);
        break;
      case 'memoryBudget':
        out.memoryBudget = c.int(v, p, 0, MEMORY_BUDGET_MAX, `an integer from 0 (no cap) to ${MEMORY_BUDGET_MAX}`);
        break;
    }
    if (out[key] === undefined) delete out[key];
  }
  return out;
}

/**
 * The rule between the reactor's fields: the tutorial's variants run as
 * written (EPOLLET, or the short that drops it), so only 'edgeloop' takes
 * trigger 'level'. (The host checks it again, native/host/host_config.cc.)
 */
export function triggerFits(trigger: TriggerMode, variant: VariantName): boolean {
  return trigger !== 'level' || variant === 'edgeloop' || isMutant(variant);
}

/** triggerFits, reported at `path`. `variant` undefined: not known here (knobs over a document's options), so not checked. */
export function checkTrigger(c: FieldChecker, trigger: TriggerMode, variant: VariantName | undefined, path: FieldPath): void {
  if (variant !== undefined && !triggerFits(trigger, variant)) {
    c.invalid(path, `'edge' with variant '${variant}' (the tutorial's variants run as written; 'level' is for 'edgeloop')`, trigger);
  }
}

/** What an app field resolves to: the host's app, with the bulk app's size or the JS handlers. */
export interface AppChoice {
  app: HostApp;
  bulkBytes?: number;
  /** The handlers object, for app 'js'. */
  handlers?: Record<string, unknown>;
}

/** How an app field is described in errors. */
export function appPhrase(handlers: boolean): string {
  const names = BUILTIN_APPS.map((a) => `'${a}'`).join(', ');
  return handlers ? `${names}, { bulk: bytes } or an object of handlers` : `${names} or { "bulk": bytes }`;
}

/**
 * An app field: a built-in's name, `{ bulk: bytes }` (at most `maxBulk`,
 * which a front end may lower), or (with `handlers`) an object of JS handlers.
 * Not given: the default app.
 */
export function readApp(c: FieldChecker, v: unknown, path: FieldPath, options: { handlers: boolean; maxBulk?: number }): AppChoice | undefined {
  if (v === undefined) return { app: DEFAULT_APP };
  if (typeof v === 'string' && (BUILTIN_APPS as readonly string[]).includes(v)) return { app: v as BuiltinAppName };
  if (!isPlainObject(v)) return c.invalid(path, appPhrase(options.handlers), v);
  if ('bulk' in v || !options.handlers) {
    const o = c.object(v, path, ['bulk'], ['bulk']);
    if (o?.bulk === undefined) return undefined;
    const max = options.maxBulk ?? BULK_BYTES_MAX;
    const bulkBytes = c.int(o.bulk, [...path, 'bulk'], 0, max, byteCountPhrase(max));
    return bulkBytes === undefined ? undefined : { app: 'bulk', bulkBytes };
  }
  const handlers = readHandlers(c, v, path);
  return handlers && { app: 'js', handlers };
}

/** An object of JS handlers: only the known callbacks, each a function. */
export function readHandlers(c: FieldChecker, v: unknown, path: FieldPath): Record<string, unknown> | undefined {
  const o = c.object(v, path, APP_HANDLER_NAMES, [], 'an object of handlers (onConnection, onMessage, ...)');
  if (!o) return undefined;
  for (const name of APP_HANDLER_NAMES) {
    const fn = o[name];
    if (fn !== undefined && typeof fn !== 'function') return c.invalid([...path, name], 'a function', fn);
  }
  return o;
}
