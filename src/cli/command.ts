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
