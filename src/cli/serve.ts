// `edgeloop serve`: the reactor as a real server, until SIGINT or SIGTERM,
// which close it gracefully (stop accepting, let pending output drain,
// bounded) and exit 0.
import { parseArgs } from 'node:util';

import { EdgeloopError } from '../errors.js';
import {
  BUILTIN_APPS,
  DEFAULT_APP,
  DEFAULT_HIGH_WATER_POLICY,
  DEFAULT_SERVER_HIGH_WATER_MARK,
  DEFAULT_SERVER_MEMORY_BUDGET,
  DEFAULT_TRIGGER,
  DEFAULT_VARIANT,
  HIGH_WATER_POLICIES,
  TRIGGERS,
  VARIANTS,
} from '../reactor-options.js';
import { DEFAULT_PORT } from '../server/options.js';
import { createServer, ServerListenError } from '../server/server.js';
import type { BuiltinApp, ServerOptions } from '../types.js';
import { parseByteSize, parseWholeNumber, wordList } from '../validate.js';
import type { Command } from './command.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, fail, parseError, rejectNegativeValues, UsageError } from './command.js';

/** 'a (default), b or c': a list of names for the usage text, the default marked (with `note`). */
function choices(list: readonly string[], def: string, note = ''): string {
  return wordList(list.map((v) => (v === def ? `${v} (default${note})` : v)));
}

const APPS = [...BUILTIN_APPS, 'bulk'];

const USAGE = `Usage: edgeloop serve [options]

Runs the reactor as a real server on Linux until SIGINT or SIGTERM, which
close it gracefully: stop accepting; shut each connection down once it has
been quiet for 200 ms with its output sent; at 5 s, reset (RST) what still
has output unsent and close the rest.

Options:
  --app ${APPS.join('|')}     what to serve (default ${DEFAULT_APP})
  --bytes N                   bulk: bytes sent to each connection, then shut down
  --port N                    port to listen on, 0 for any free one (default ${DEFAULT_PORT})
  --host ADDR                 an IPv4 or IPv6 address to listen on: 127.0.0.1 (default),
                              0.0.0.0 (every IPv4 interface), :: (every interface), ::1,
                              an interface's address
  --threads N                 sub-reactor threads (default 0: one reactor)
  --reuse-port                SO_REUSEPORT: several edgeloop serve processes share the
                              port and the kernel spreads connections among them
  --high-water-mark N         output bytes per connection before reading pauses (default ${DEFAULT_SERVER_HIGH_WATER_MARK / 1024 ** 2}m)
  --memory-budget N           what all connections' output may grow the server by: from an
                              eighth below it the ones adding more stop reading; past 1.25x
                              the largest holders are reset
                              (default ${DEFAULT_SERVER_MEMORY_BUDGET / 1024 ** 2}m; 0: no cap)
  --high-water-policy P       ${choices(HIGH_WATER_POLICIES, DEFAULT_HIGH_WATER_POLICY)}
  --max-connections N         open connections at most (default: no limit)
  --variant V                 ${choices(VARIANTS, DEFAULT_VARIANT)}
  --trigger T                 ${choices(TRIGGERS, DEFAULT_TRIGGER, ', EPOLLET')} (${DEFAULT_VARIANT} only)
  --trace FILE                record the reactor's syscalls as a JSON Lines trace
  --live [PORT]               stream the trace, connections and interest lists to the
                              playground over a WebSocket on loopback (default port: the
                              server's port + 1, so 9001; a free one with --port 0)
  --live-host ADDR            the live view's address: 127.0.0.1 (default) or ::1
  -h, --help                  this text

Sizes take a k, m or g suffix (binary: 64m = 67108864).
The listener has SO_REUSEADDR: a restarted server takes its port back at once.
To scale past one process, start several with --reuse-port on the same port
(each may have --threads too).
The live view prints a playground link (#live=ws://...) that attaches to it.
Example: edgeloop serve --app echo --port 9000 --threads 2
         edgeloop serve --live                 (then open the printed link)
         edgeloop serve --host :: --port 9000 --reuse-port   (run it N times)
`;

const FLAGS = {
  app: { type: 'string' },
  bytes: { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  threads: { type: 'string' },
  'reuse-port': { type: 'boolean' },
  'high-water-mark': { type: 'string' },
  'high-water-policy': { type: 'string' },
  'memory-budget': { type: 'string' },
  'max-connections': { type: 'string' },
  variant: { type: 'string' },
  trigger: { type: 'string' },
  trace: { type: 'string' },
  live: { type: 'boolean' },
  'live-host': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** createServer's option names as flags, to name the flag in its errors. */
const FLAG_OF: Readonly<Record<string, string>> = {
  host: '--host',
  port: '--port',
  threads: '--threads',
  reusePort: '--reuse-port',
  highWaterMark: '--high-water-mark',
  highWaterPolicy: '--high-water-policy',
  memoryBudget: '--memory-budget',
  maxConnections: '--max-connections',
  variant: '--variant',
  trigger: '--trigger',
  trace: '--trace',
  'app.bulk': '--bytes',
  app: '--app',
  'live.port': '--live',
  'live.host': '--live-host',
};

/** Where `npm start` serves the playground: the link serve prints opens it attached. */
export const PLAYGROUND_URL = 'http://127.0.0.1:5173/';

/**
 * `--live` takes an optional port (`--live`, `--live 9100`, `--live=9100`),
 * which parseArgs cannot say: the port is taken out here, and parseArgs sees
 * a plain switch. serve has no positionals, so a number after --live is its port.
 */
function takeLivePort(args: string[]): { args: string[]; port: string | undefined } {
  const out: string[] = [];
  let port: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '--') {
      out.push(...args.slice(i));
      break;
    }
    if (a.startsWith('--live=')) {
      port = a.slice('--live='.length);
      out.push('--live');
    } else if (a === '--live' && i + 1 < args.length && /^-?\d+$/.test(args[i + 1] as string)) {
      port = args[++i];
      out.push('--live');
    } else out.push(a);
  }
  return { args: out, port };
}

function size(flag: string, text: string): number {
  const n = parseByteSize(text);
  if (n === undefined) throw new UsageError(`--${flag} must be a whole number (a k, m or g suffix allowed), got '${text}'`);
  return n;
}

function integer(flag: string, text: string): number {
  const n = parseWholeNumber(text);
  if (n === undefined) throw new UsageError(`--${flag} must be a whole number, got '${text}'`);
  return n;
}

export function parseServeArgs(argv: string[]): ServerOptions | 'help' {
  let values: Partial<Record<keyof typeof FLAGS, string | boolean>>;
  const { args, port: livePort } = takeLivePort(argv);
  try {
    rejectNegativeValues(args, FLAGS);
    values = parseArgs({ args, options: FLAGS, strict: true, allowPositionals: false }).values;
  } catch (e) {
    throw parseError('serve', e);
  }
  if (values.help) return 'help';
  const str = (k: keyof typeof FLAGS): string | undefined => values[k] as string | undefined;
  const appName = str('app') ?? 'echo';
  let app: BuiltinApp;
  if (appName === 'bulk') {
    const bytes = str('bytes');
    if (bytes === undefined) throw new UsageError('--app bulk needs --bytes N (bytes to send to each connection)');
    app = { bulk: size('bytes', bytes) };
  } else if ((BUILTIN_APPS as readonly string[]).includes(appName)) {
    if (str('bytes') !== undefined) throw new UsageError(`--bytes is only for --app bulk, not --app ${appName}`);
    app = appName as BuiltinApp;
  } else {
    throw new UsageError(`--app must be ${wordList(APPS)}, got '${appName}'`);
  }
  const options: ServerOptions = { port: integer('port', str('port') ?? String(DEFAULT_PORT)), app };
  const host = str('host');
  if (host !== undefined) options.host = host;
  const threads = str('threads');
  if (threads !== undefined) options.threads = integer('threads', threads);
  if (values['reuse-port']) options.reusePort = true;
  const hwm = str('high-water-mark');
  if (hwm !== undefined) options.highWaterMark = size('high-water-mark', hwm);
  const policy = str('high-water-policy');
  if (policy !== undefined) options.highWaterPolicy = policy as ServerOptions['highWaterPolicy'];
  const budget = str('memory-budget');
  if (budget !== undefined) options.memoryBudget = size('memory-budget', budget);
  const max = str('max-connections');
  if (max !== undefined) options.maxConnections = integer('max-connections', max);
  const variant = str('variant');
  if (variant !== undefined) options.variant = variant as ServerOptions['variant'];
  const trigger = str('trigger');
  if (trigger !== undefined) options.trigger = trigger as ServerOptions['trigger'];
  const trace = str('trace');
  if (trace !== undefined) options.trace = trace;
  const liveHost = str('live-host');
  if (values.live) {
    let port: number;
    if (livePort !== undefined) {
      if (livePort.startsWith('-')) throw new UsageError(`--live must not be negative, got '${livePort}'`);
      port = integer('live', livePort);
    } else {
      // Beside the server's port, so a restarted server keeps its link; any free one when the server's is.
      port = options.port > 0 && options.port < 65535 ? options.port + 1 : 0;
    }
    options.live = liveHost === undefined ? { port } : { port, host: liveHost };
  } else if (liveHost !== undefined) {
    throw new UsageError('--live-host is only for --live');
  }
  return options;
}

/** createServer's message, with the option named as its flag. */
function optionError(e: EdgeloopError): string {
  const flag = e.argument !== undefined ? FLAG_OF[e.argument] : undefined;
  const text = e.message.replace(/^createServer\(\): /, '');
  return flag ? text.replace(`"${e.argument}"`, flag) : text;
}

async function run(args: string[]): Promise<number> {
  let options: ServerOptions | 'help';
  let server: ReturnType<typeof createServer>;
  try {
    options = parseServeArgs(args);
    if (options === 'help') {
      process.stdout.write(USAGE);
      return EXIT_OK;
    }
    server = createServer(options);
  } catch (e) {
    if (e instanceof UsageError) fail('serve', e.message);
    else if (e instanceof EdgeloopError) fail('serve', optionError(e));
    else throw e;
    return EXIT_USAGE;
  }
  // The handlers go on before listening: a SIGTERM that lands just after
  // "serving" is printed (a supervisor, a test) must close gracefully, not
  // meet Node's default action (found under load: exit by signal, no close).
  const stopped = new Promise<NodeJS.Signals>((resolve) => {
    const stop = (sig: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      // A second signal while closing: stop waiting.
      process.once('SIGINT', () => process.exit(130));
      process.once('SIGTERM', () => process.exit(143));
      resolve(sig);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  let address;
  try {
    address = await server.listen();
  } catch (e) {
    if (e instanceof ServerListenError) fail('serve', e.message.replace(/^listen\(\): /, ''));
    else if (e instanceof EdgeloopError) fail('serve', optionError(e));
    else throw e;
    return EXIT_FAILURE;
  }
  const threads = options.threads ?? 0;
  const app = options.app as BuiltinApp;
  const details: string[] = [];
  if (typeof app === 'object') details.push(`${app.bulk} bytes per connection`);
  if (threads > 0) details.push(`${threads} sub-reactor thread${threads === 1 ? '' : 's'}`);
  if (options.reusePort) details.push('SO_REUSEPORT');
  if (options.trace) details.push(`trace: ${options.trace}`);
  process.stdout.write(
    `edgeloop: serving ${typeof app === 'object' ? 'bulk' : app} on ${address.address}` +
      `${details.length > 0 ? ` (${details.join('; ')})` : ''}; Ctrl-C to stop\n`,
  );
  if (address.live) {
    process.stdout.write(
      `edgeloop: live view on ${address.live.url}; in the playground (npm start): ${PLAYGROUND_URL}#live=${address.live.url}\n`,
    );
  }
  // A trace file that cannot be written (a full disk, /dev/full) is said once, not left empty in silence.
  let traceReported = false;
  const reportTrace = (): void => {
    const err = server.traceError;
    if (!err || traceReported) return;
    traceReported = true;
    fail('serve', `the trace file ${options.trace} cannot be written (${err.message}); it ends there, the server goes on`);
  };
  const traceWatch = options.trace ? setInterval(reportTrace, 250) : null;
  traceWatch?.unref();
  // Out of fds the acceptor drops connections (accepts and closes them at
  // once, so they are not left hanging): say so, at most once a second.
  let droppedSaid = 0;
  const dropWatch = setInterval(() => {
    const dropped = server.stats().dropped;
    if (dropped === droppedSaid) return;
    fail(
      'serve',
      `out of file descriptors: ${dropped - droppedSaid} connection${dropped - droppedSaid === 1 ? '' : 's'} accepted and closed at once in the last second (${dropped} in all); raise the limit (ulimit -n) or lower the load`,
    );
    droppedSaid = dropped;
  }, 1000);
  dropWatch.unref();
  const signal = await stopped;
  process.stderr.write(`edgeloop: ${signal}, closing (at most 5 s)\n`);
  clearInterval(dropWatch);
  await server.close({ timeoutMs: 5000 });
  if (traceWatch) clearInterval(traceWatch);
  reportTrace();
  const s = server.stats();
  process.stderr.write(
    `edgeloop: closed; ${s.connectionsTotal} connections, ${s.bytesIn} bytes in, ${s.bytesOut} bytes out, ${s.wakeups} wakeups\n`,
  );
  return traceReported ? EXIT_FAILURE : EXIT_OK;
}

export const serve: Command = { usage: USAGE, run };
