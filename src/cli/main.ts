// `edgeloop <command> [options]`: finds the command's module and runs it.
// Commands are loaded on demand, so one command's dependencies never slow
// down (or break) another.
import type { Command } from './command.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './command.js';
import { packageVersion } from '../version.js';

const COMMANDS: Readonly<Record<string, () => Promise<Command>>> = {
  serve: async () => (await import('./serve.js')).serve,
  replay: async () => (await import('./replay.js')).replayCommand,
  explore: async () => (await import('./explore.js')).exploreCommand,
};

const SUMMARIES: Readonly<Record<string, string>> = {
  serve: 'run the reactor as a real server (echo, discard or bulk; default 127.0.0.1)',
  replay: 'run a scenario on the simulated reactor: print its trace, check its expectations',
  explore: 'search seeded scenarios with faults for invariant violations; shrink what fails to a scenario',
};

function usage(): string {
  const names = Object.keys(COMMANDS);
  const width = Math.max(...names.map((n) => n.length));
  return [
    'Usage: edgeloop <command> [options]',
    '',
    'Commands:',
    ...names.map((n) => `  ${n.padEnd(width)}  ${SUMMARIES[n] ?? ''}`),
    '',
    "Run 'edgeloop <command> --help' for a command's options; 'edgeloop --version' (-v) prints the version.",
    '',
  ].join('\n');
}


export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-v') {
    let version: string;
    try {
      version = packageVersion();
    } catch (e) {
      process.stderr.write(`edgeloop: cannot read the version from edgeloop's package.json (${(e as Error).message})\n`);
      return EXIT_FAILURE;
    }
    process.stdout.write(`${version}\n`);
    return EXIT_OK;
  }
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    if (name === 'help' && rest[0] !== undefined && rest[0] in COMMANDS) {
      process.stdout.write((await (COMMANDS[rest[0]] as () => Promise<Command>)()).usage);
      return EXIT_OK;
    }
    (name === undefined ? process.stderr : process.stdout).write(usage());
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!load) {
    process.stderr.write(`edgeloop: unknown command '${name}' (commands: ${Object.keys(COMMANDS).join(', ')}; see edgeloop --help)\n`);
    return EXIT_USAGE;
  }
  return (await load()).run(rest);
}
