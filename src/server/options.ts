// createServer()'s options: the reactor's (src/reactor-options.ts; a real
// server is tcp) plus the server's own: host, port, handlers, threads,
// backlog, reusePort, trace and live. Validated here, with an EdgeloopError that
// names the bad field, before anything reaches the addon; then turned into
// the host's options document (listen() adds threads and the trace switch)
// and the trace file.
import {
  type AppChoice,
  MAX_THREADS,
  BACKLOG_MAX,
  BACKLOG_MIN,
  DEFAULT_SERVER_HIGH_WATER_MARK,
  DEFAULT_SERVER_MEMORY_BUDGET,
  DEFAULT_VARIANT,
  type HostApp,
  type HostConfig,
  readApp,
  readHandlers,
  readTuning,
  VARIANTS,
} from '../reactor-options.js';
import { isIpv4, isIpv6, joinHostPort } from '../address.js';
import type { ServerHandlers } from '../types.js';
import { OptionChecker, readOptionsSafely } from '../validate.js';

export const DEFAULT_PORT = 9000;
const PORT_MAX = 65535;

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
  'memoryBudget',
  'variant',
  'backlog',
  'reusePort',
  'sndbuf',
  'rcvbuf',
  'trace',
  'live',
];

export interface ResolvedServerOptions {
  host: string;
  port: number;
  /** host and port as a socket address: '127.0.0.1:9000', '[::1]:9000'. */
  address: string;
  threads: number;
  /** null for a built-in app. */
  handlers: ServerHandlers | null;
  /** 'echo', 'discard' or 'bulk'; 'js' for handlers. */
  app: HostApp;
  trace: string | null;
  /** The live view (null: none). */
  live: ResolvedLiveOptions | null;
  /** The host's options document (without the trace switch, which listen() adds). */
  doc: HostConfig;
}

export interface ResolvedLiveOptions {
  host: string;
  port: number;
  maxBufferedBytes: number;
}

export const DEFAULT_LIVE_MAX_BUFFERED = 8 * 1024 * 1024;
const LIVE_MAX_BUFFERED_MIN = 64 * 1024;
const LIVE_MAX_BUFFERED_MAX = 1024 * 1024 * 1024;
const LIVE_KEYS = ['host', 'port', 'maxBufferedBytes'];
const LIVE_HOST_PHRASE =
  "a loopback address: '127.0.0.1', 'localhost', another 127.0.0.0/8 address or '::1' (the live view has no authentication, so it never listens beyond this machine)";

/** `live`: true, false, or { host?, port?, maxBufferedBytes? }; loopback only. */
function resolveLive(c: OptionChecker, v: unknown): ResolvedLiveOptions | null {
  if (v === undefined || v === false) return null;
  const o = v === true ? {} : c.object(v, ['live'], LIVE_KEYS, [], 'true, false or an object { host?, port?, maxBufferedBytes? }');
  let host = '127.0.0.1';
  if (o.host !== undefined && o.host !== 'localhost') {
    const ok = typeof o.host === 'string' && ((isIpv4(o.host) && o.host.startsWith('127.')) || (isIpv6(o.host) && isIpv6Loopback(o.host)));
    if (!ok) c.invalid(['live', 'host'], LIVE_HOST_PHRASE, o.host);
    host = o.host as string;
  }
  const port = o.port === undefined ? 0 : c.int(o.port, ['live', 'port'], 0, PORT_MAX, `an integer from 0 to ${PORT_MAX} (0: any free port)`);
  const maxBufferedBytes =
    o.maxBufferedBytes === undefined
      ? DEFAULT_LIVE_MAX_BUFFERED
      : c.int(o.maxBufferedBytes, ['live', 'maxBufferedBytes'], LIVE_MAX_BUFFERED_MIN, LIVE_MAX_BUFFERED_MAX);
  return { host, port, maxBufferedBytes };
}

/** '::1' in any of its spellings ('0:0:0:0:0:0:0:1', '::0:1'). */
function isIpv6Loopback(text: string): boolean {
  const [head = '', tail] = text.split('::');
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const all = tail === undefined ? groups(head) : [...groups(head), ...Array(8 - groups(head).length - groups(tail).length).fill('0'), ...groups(tail)];
  return all.length === 8 && all.slice(0, 7).every((g) => /^0+$/.test(g)) && /^0*1$/.test(all[7] as string);
}

const HOST_PHRASE = "an IPv4 or IPv6 address ('127.0.0.1', '0.0.0.0', '::1', '::', an interface's address) or 'localhost'";

/**
 * 'localhost' (127.0.0.1) or an IPv4 or IPv6 literal, as inet_pton reads it
 * (src/address.ts). Whether the host has that address is bind's answer
 * (EADDRNOTAVAIL), at listen().
 */
function resolveHost(c: OptionChecker, v: unknown): string {
  if (v === undefined || v === 'localhost') return '127.0.0.1';
  if (typeof v !== 'string') return c.invalid(['host'], HOST_PHRASE, v);
  if (isIpv4(v) || isIpv6(v)) return v;
  if (/^\[.*\]$/.test(v) && isIpv6(v.slice(1, -1))) {
    return c.invalid(['host'], `${HOST_PHRASE}; an IPv6 address goes without brackets ('${v.slice(1, -1)}')`, v);
  }
  return c.invalid(['host'], HOST_PHRASE, v);
}

/** `app` or `handlers` (one of them). */
function resolveApp(c: OptionChecker, o: Record<string, unknown>): AppChoice {
  if (o.handlers === undefined) return readApp(c, o.app, ['app'], { handlers: true }) as AppChoice;
  if (o.app !== undefined) c.conflict(['handlers'], 'give "app" or "handlers", not both');
  return { app: 'js', handlers: readHandlers(c, o.handlers, ['handlers']) as Record<string, unknown> };
}

/** Validates createServer()'s options. Throws EdgeloopError (ERR_INVALID_ARG) naming the field. */
export function resolveServerOptions(options: unknown): ResolvedServerOptions {
  return readOptionsSafely('createServer()', () => resolveServerOptionsUnchecked(options));
}

function resolveServerOptionsUnchecked(options: unknown): ResolvedServerOptions {
  const c: OptionChecker = new OptionChecker('createServer()');
  const o = c.object(options, [], OPTION_KEYS, [], 'an object ({ port, ... })');
  const host = resolveHost(c, o.host);
  const portPhrase = `an integer from 0 to ${PORT_MAX}`;
  if (o.port === undefined) c.invalid(['port'], `${portPhrase} (0: any free port)`, o.port);
  const port = c.int(o.port, ['port'], 0, PORT_MAX, portPhrase);
  const threads = o.threads === undefined ? 0 : c.int(o.threads, ['threads'], 0, MAX_THREADS, `an integer from 0 to ${MAX_THREADS}`);
  const { app, handlers, bulkBytes } = resolveApp(c, o);
  if (handlers && threads > 0) {
    c.invalid(
      ['threads'],
      "0 with JS handlers (they run on Node's thread; sub-reactor threads are for the built-in apps 'echo', 'discard', { bulk })",
      threads,
    );
  }
  const address = joinHostPort(host, port);
  const doc: HostConfig = { family: 'tcp', address, app };
  if (bulkBytes !== undefined) doc.bulkBytes = bulkBytes;
  if (o.variant !== undefined) doc.variant = c.oneOf(o.variant, ['variant'], VARIANTS);
  if (o.backlog !== undefined) doc.backlog = c.int(o.backlog, ['backlog'], BACKLOG_MIN, BACKLOG_MAX);
  if (o.reusePort !== undefined && c.bool(o.reusePort, ['reusePort'])) doc.reusePort = true;
  // A real server's defaults bound its memory (reactor-options.ts); given values win.
  Object.assign(
    doc,
    { highWaterMark: DEFAULT_SERVER_HIGH_WATER_MARK, memoryBudget: DEFAULT_SERVER_MEMORY_BUDGET },
    readTuning(c, o, [], doc.variant ?? DEFAULT_VARIANT),
  );
  let trace: string | null = null;
  if (o.trace !== undefined) {
    if (typeof o.trace !== 'string' || o.trace === '') c.invalid(['trace'], 'a file path', o.trace);
    trace = o.trace;
  }
  const live = resolveLive(c, o.live);
  return { host, port, address, threads, handlers: (handlers as ServerHandlers | undefined) ?? null, app, trace, live, doc };
}
