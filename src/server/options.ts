// createServer()'s options: validated here, with an EdgeloopError that names
// the bad field, before anything reaches the addon; then turned into the
// flat JSON document the reactor's host parses (native/reactor/embed/host_config.h)
// plus the real server's own settings (threads, maxConnections, trace).
import { describeValue, EdgeloopError } from '../errors.js';
import type { HighWaterPolicy, TriggerMode, VariantName } from '../types.js';
import type { ServerHandlers, ServerOptions } from './types.js';

const WHERE = 'createServer()';
const OPTION_KEYS = [
  'host',
  'port',
  'app',
  'handlers',
  'threads',
  'highWaterMark',
  'highWaterPolicy',
  'trigger',
  'maxConnections',
  'variant',
  'backlog',
  'sndbuf',
  'rcvbuf',
  'trace',
];
const VARIANTS: readonly VariantName[] = ['edgeloop', 'day26-as-written', 'day25-write-all'];
const POLICIES: readonly HighWaterPolicy[] = ['pause-reading', 'close'];
const TRIGGERS: readonly TriggerMode[] = ['edge', 'level'];
const HANDLER_NAMES = ['onConnection', 'onMessage', 'onWriteComplete', 'onHighWaterMark', 'onClose'] as const;
/** The C++ side's bounds (host_config.cc, linux_server.h). */
const MAX_BYTES = 2 ** 40;
const INT32_MAX = 0x7fffffff;
export const MAX_THREADS = 256;

export interface ResolvedServerOptions {
  host: string;
  port: number;
  threads: number;
  /** 0: no limit. */
  maxConnections: number;
  /** null for a built-in app. */
  handlers: ServerHandlers | null;
  /** 'echo', 'discard' or 'bulk'; 'js' for handlers. */
  app: 'echo' | 'discard' | 'bulk' | 'js';
  trace: string | null;
  /** The host's options document (without the trace switch, which listen() adds). */
  doc: Record<string, unknown>;
}

export function bad(field: string, expected: string, got: unknown): EdgeloopError {
  return new EdgeloopError('ERR_INVALID_ARG', `${WHERE}: "${field}" must be ${expected}, got ${describeValue(got)}`, {
    argument: field,
  });
}

function plainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);
}

function checkKeys(o: Record<string, unknown>, known: readonly string[], prefix = ''): void {
  for (const key of Object.keys(o)) {
    if (!known.includes(key)) {
      throw new EdgeloopError('ERR_INVALID_ARG', `${WHERE}: unknown option "${prefix}${key}" (known: ${known.join(', ')})`, {
        argument: `${prefix}${key}`,
      });
    }
  }
}

function integer(field: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
    throw bad(field, min === 0 ? `an integer from 0 to ${max}` : `a positive integer (at most ${max})`, v);
  }
  return v;
}

function oneOf<T extends string>(field: string, v: unknown, allowed: readonly T[]): T {
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw bad(field, allowed.map((a) => `'${a}'`).join(' or '), v);
  }
  return v as T;
}

/** 'localhost' or a dotted IPv4 address in 127.0.0.0/8 (the kernel seam serves loopback only). */
function resolveHost(v: unknown): string {
  if (v === undefined || v === 'localhost') return '127.0.0.1';
  const expected = "a loopback IPv4 address (127.x.y.z) or 'localhost'";
  if (typeof v !== 'string') throw bad('host', expected, v);
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(v);
  if (!m || m.slice(1).some((o) => Number(o) > 255 || (o.length > 1 && o.startsWith('0'))) || m[1] !== '127') {
    throw bad('host', expected, v);
  }
  return v;
}

function checkHandlers(field: string, h: unknown): ServerHandlers {
  if (!plainObject(h)) throw bad(field, 'an object of handlers (onConnection, onMessage, ...)', h);
  checkKeys(h, HANDLER_NAMES, `${field}.`);
  for (const name of HANDLER_NAMES) {
    const fn = h[name];
    if (fn !== undefined && typeof fn !== 'function') throw bad(`${field}.${name}`, 'a function', fn);
  }
  return h as ServerHandlers;
}

function resolveApp(o: Record<string, unknown>): Pick<ResolvedServerOptions, 'app' | 'handlers'> & { bulkBytes?: number } {
  const expected = "'echo', 'discard', { bulk: bytes } or an object of handlers";
  if (o.handlers !== undefined) {
    if (o.app !== undefined) {
      throw new EdgeloopError('ERR_INVALID_ARG', `${WHERE}: give "app" or "handlers", not both`, { argument: 'handlers' });
    }
    return { app: 'js', handlers: checkHandlers('handlers', o.handlers) };
  }
  const app = o.app;
  if (app === undefined || app === 'echo' || app === 'discard') return { app: app ?? 'echo', handlers: null };
  if (!plainObject(app)) throw bad('app', expected, app);
  if ('bulk' in app) {
    checkKeys(app, ['bulk'], 'app.');
    const n = app.bulk;
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0 || n > MAX_BYTES) {
      throw bad('app.bulk', `a byte count (an integer from 0 to ${MAX_BYTES})`, n);
    }
    return { app: 'bulk', handlers: null, bulkBytes: n };
  }
  return { app: 'js', handlers: checkHandlers('app', app) };
}

/** Validates createServer()'s options. Throws EdgeloopError (ERR_INVALID_ARG) naming the field. */
export function resolveServerOptions(options: unknown): ResolvedServerOptions {
  if (!plainObject(options)) throw bad('options', 'an object ({ port, ... })', options);
  const o = options as ServerOptions & Record<string, unknown>;
  checkKeys(o, OPTION_KEYS);
  const host = resolveHost(o.host);
  if (o.port === undefined) throw bad('port', 'an integer from 0 to 65535 (0: any free port)', o.port);
  const port = integer('port', o.port, 0, 65535);
  const threads = o.threads === undefined ? 0 : integer('threads', o.threads, 0, MAX_THREADS);
  const maxConnections = o.maxConnections === undefined ? 0 : integer('maxConnections', o.maxConnections, 1, INT32_MAX);
  const { app, handlers, bulkBytes } = resolveApp(o);
  if (handlers && threads > 0) {
    throw new EdgeloopError(
      'ERR_INVALID_ARG',
      `${WHERE}: "threads" must be 0 with JS handlers (they run on Node's thread; sub-reactor threads are for the built-in apps 'echo', 'discard', { bulk }), got ${threads}`,
      { argument: 'threads' },
    );
  }
  const doc: Record<string, unknown> = { family: 'tcp', address: `${host}:${port}`, app };
  if (bulkBytes !== undefined) doc.bulkBytes = bulkBytes;
  if (o.variant !== undefined) doc.variant = oneOf('variant', o.variant, VARIANTS);
  if (o.backlog !== undefined) doc.backlog = integer('backlog', o.backlog, 1, INT32_MAX);
  if (o.sndbuf !== undefined) doc.sndbuf = integer('sndbuf', o.sndbuf, 1, INT32_MAX);
  if (o.rcvbuf !== undefined) doc.rcvbuf = integer('rcvbuf', o.rcvbuf, 1, INT32_MAX);
  if (o.highWaterMark !== undefined) doc.highWaterMark = integer('highWaterMark', o.highWaterMark, 1, MAX_BYTES);
  if (o.highWaterPolicy !== undefined) doc.highWaterPolicy = oneOf('highWaterPolicy', o.highWaterPolicy, POLICIES);
  if (o.trigger !== undefined) {
    doc.trigger = oneOf('trigger', o.trigger, TRIGGERS);
    const variant = (doc.variant as VariantName | undefined) ?? 'edgeloop';
    if (doc.trigger === 'level' && variant !== 'edgeloop') {
      throw bad('trigger', `'edge' with variant '${variant}' (the tutorial's variants run as written; 'level' is for 'edgeloop')`, o.trigger);
    }
  }
  let trace: string | null = null;
  if (o.trace !== undefined) {
    if (typeof o.trace !== 'string' || o.trace === '') throw bad('trace', 'a file path', o.trace);
    trace = o.trace;
  }
  return { host, port, threads, maxConnections, handlers, app, trace, doc };
}
