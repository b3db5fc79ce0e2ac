// What every subcommand of the `edgeloop` CLI provides. Exit codes: 0 done,
// 1 it failed at run time (the port is in use, a file cannot be written), 2 the
// command line is wrong. Errors are one line on stderr that names the problem.
// (Its one-line summary for `edgeloop --help` lives in main.ts, so listing
// the commands loads none of them.)
export interface Command {
  /** The command's own --help text. */
  usage: string;
  run(args: string[]): Promise<number>;
}

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** A command line mistake: printed as one line, exit code 2. */
export class UsageError extends Error {}

export function fail(command: string, message: string): void {
  process.stderr.write(`edgeloop ${command}: ${message}\n`);
}

/** parseArgs' errors, as one line that names the flag (`command`: for the --help pointer). */
export function parseError(command: string, e: unknown): UsageError {
  const err = e as { code?: string; message?: string };
  const quoted = /'(-[^' ]*)/.exec(err.message ?? '')?.[1];
  switch (err.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return new UsageError(`unknown option ${quoted ?? ''} (see edgeloop ${command} --help)`);
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      // A switch given a value (--reuse-port=yes), or a flag without its value.
      if (/does not take an argument/.test(err.message ?? '')) return new UsageError(`${quoted ?? 'an option'} takes no value`);
      return new UsageError(`${quoted ?? 'an option'} needs a value`);
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return new UsageError(`unexpected argument ${/'([^']*)'/.exec(err.message ?? '')?.[1] ?? ''} (${command} takes only options)`);
    default:
      return new UsageError(err.message ?? String(e));
  }
}

/**
 * `--port -5`: parseArgs takes "-5" for an option and reports that --port
 * "needs a value". Said as what it is: a negative number where none is
 * allowed (every numeric flag of the CLI is a count or a size). Call before
 * parseArgs with the command's flag table.
 */
export function rejectNegativeValues(args: readonly string[], flags: Readonly<Record<string, { type: string; short?: string }>>): void {
  for (let i = 0; i + 1 < args.length; i++) {
    const a = args[i] as string;
    if (a === '--') return;
    if (!a.startsWith('--') || a.includes('=')) continue;
    if (flags[a.slice(2)]?.type !== 'string') continue;
    const next = args[i + 1] as string;
    if (/^-\d/.test(next)) throw new UsageError(`${a} must not be negative, got '${next}'`);
  }
}
