#!/usr/bin/env node
// `npm test`'s set-up: installs what the run needs when it is missing, then
// runs the rest of the command line (scripts/linux-reference.mjs, vitest).
//
//   node scripts/test-setup.mjs [--dry-run] -- COMMAND [ARGS...]
//
// What a run needs beyond `npm install`, as Debian packages:
// - chromium, at /usr/bin/chromium, when the run includes the e2e project
//   (test/e2e launches that path through playwright-core); a run that cannot
//   reach test/e2e (`npm test -- --project node`, a file filter that names no
//   e2e file) does not need it;
// - iproute2 (`ip`): scripts/linux-reference.mjs makes the run's network
//   namespace with it and test/linux-reference.test.ts reads the cached TCP
//   metrics with it.
// They are installed with apt-get, as `.ci/run` does: as root directly, else
// through sudo; with neither (or no apt-get) it stops before running
// anything (exit 1) and prints the one command to run. --dry-run prints what
// it found and what it would run, and runs nothing.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const CHROMIUM = '/usr/bin/chromium';
const IP_PATHS = ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip'];
const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * The arguments vitest gets in COMMAND: what follows `vitest` (and its
 * subcommand `run`). null when COMMAND does not run vitest.
 * @param {string[]} command
 * @returns {string[] | null}
 */
export function vitestArgs(command) {
  const i = command.findIndex((a) => /(^|\/)vitest(\.m?js)?$/.test(a));
  if (i < 0) return null;
  const rest = command.slice(i + 1);
  return rest[0] === 'run' ? rest.slice(1) : rest;
}

// vitest options whose value is the next argument (so it is not a file filter).
const TAKES_VALUE = new Set([
  '--project', '-t', '--testNamePattern', '-c', '--config', '-r', '--root', '--dir', '--reporter', '--outputFile',
  '--environment', '--pool', '--shard', '--maxWorkers', '--minWorkers', '--exclude', '--testTimeout', '--hookTimeout',
  '--bail', '--retry', '--mode', '--sequence.seed', '--maxConcurrency', '--teardownTimeout', '--inspect-brk', '--inspect',
]);

/** `pattern` (vitest's --project value: a name, `*` wildcards) matches `name`. */
function projectMatches(pattern, name) {
  const re = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
  return re.test(name);
}

/**
 * Whether a vitest run with these arguments can run a file of test/e2e:
 * its project is selected (no --project, or one that matches `e2e` and no
 * `!e2e`) and no file filter is given, or one that an e2e file's path
 * contains (vitest's rule for filters). Errs on the side of "yes".
 * @param {string[]} args vitest's arguments
 * @param {string[]} e2eFiles the e2e test files, relative to the repository (test/e2e/x.test.ts)
 * @returns {boolean}
 */
export function selectsE2e(args, e2eFiles) {
  const projects = [];
  const filters = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') continue;
    if (a.startsWith('--project=')) projects.push(a.slice('--project='.length));
    else if (a === '--project') projects.push(args[++i] ?? '');
    else if (TAKES_VALUE.has(a)) i++;
    else if (!a.startsWith('-')) filters.push(a);
  }
  const included = projects.filter((p) => !p.startsWith('!'));
  const excluded = projects.filter((p) => p.startsWith('!')).map((p) => p.slice(1));
  const e2eProject =
    (included.length === 0 || included.some((p) => projectMatches(p, 'e2e'))) && !excluded.some((p) => projectMatches(p, 'e2e'));
  if (!e2eProject) return false;
  if (filters.length === 0) return true;
  return filters.some((f) => {
    const filter = f.replace(/:\d+$/, '').replace(/^\.\//, '');
    return e2eFiles.some((file) => file.includes(filter) || `${ROOT}${file}`.includes(filter));
  });
}

/**
 * What to do, from what the probe found. Pure: the unit test drives it.
 * @param {{ needChromium: boolean, chromium: boolean, ip: boolean, root: boolean, sudo: boolean, aptGet: boolean }} found
 *   needChromium: the run includes e2e; chromium: CHROMIUM is executable; ip: iproute2's ip exists;
 *   root: running as root; sudo: sudo is on PATH and can ask (a terminal) or needs no password; aptGet: apt-get is on PATH
 * @returns {{ action: 'run', packages: [] }
 *   | { action: 'install', packages: string[], commands: string[][] }
 *   | { action: 'stop', packages: string[], message: string }}
 */
export function decide(found) {
  /** @type {string[]} */
  const packages = [];
  if (found.needChromium && !found.chromium) packages.push('chromium');
  if (!found.ip) packages.push('iproute2');
  if (packages.length === 0) return { action: 'run', packages: [] };
  const install = ['apt-get', 'install', '-y', '--no-install-recommends', ...packages];
  const why = `npm test needs ${packages.map(describePackage).join(' and ')}`;
  if (!found.aptGet) {
    return {
      action: 'stop',
      packages,
      message: `${why}, and this machine has no apt-get: install them with its package manager (the e2e tests launch ${CHROMIUM}), then run npm test again`,
    };
  }
  if (found.root) return { action: 'install', packages, commands: [['apt-get', 'update'], install] };
  if (found.sudo) return { action: 'install', packages, commands: [['sudo', 'apt-get', 'update'], ['sudo', ...install]] };
  return {
    action: 'stop',
    packages,
    message: `${why}; this user is not root and has no sudo. Run as root:\n\n  apt-get update && ${install.join(' ')}\n\nthen npm test again`,
  };
}

function describePackage(pkg) {
  return pkg === 'chromium' ? `Debian's chromium (${CHROMIUM}, for the e2e tests)` : "iproute2 (`ip`, for the run's network namespace)";
}

function executable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name) {
  return (process.env.PATH ?? '').split(':').some((dir) => dir && executable(`${dir}/${name}`));
}

/** What this machine has, for decide(). */
export function probe(command) {
  const args = vitestArgs(command);
  const e2eDir = `${ROOT}test/e2e`;
  const e2eFiles = existsSync(e2eDir) ? readdirSync(e2eDir).filter((f) => f.endsWith('.test.ts')).map((f) => `test/e2e/${f}`) : [];
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const sudo =
    !root && onPath('sudo') && (process.stdin.isTTY === true || spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0);
  return {
    needChromium: args === null || selectsE2e(args, e2eFiles),
    chromium: executable(CHROMIUM),
    ip: IP_PATHS.some(executable),
    root,
    sudo,
    aptGet: onPath('apt-get'),
  };
}

function run(argv, env = {}) {
  const r = spawnSync(argv[0], argv.slice(1), { stdio: 'inherit', env: { ...process.env, ...env } });
  if (r.error) throw r.error;
  if (r.signal) process.kill(process.pid, r.signal);
  return r.status ?? 1;
}

function main(argv) {
  const sep = argv.indexOf('--');
  const own = sep < 0 ? argv : argv.slice(0, sep);
  const command = sep < 0 ? [] : argv.slice(sep + 1);
  const dryRun = own.includes('--dry-run');
  const unknown = own.filter((a) => a !== '--dry-run');
  if (unknown.length > 0 || (command.length === 0 && !dryRun)) {
    console.error('usage: node scripts/test-setup.mjs [--dry-run] -- COMMAND [ARGS...]');
    return 2;
  }
  const found = probe(command);
  const plan = decide(found);
  if (dryRun) {
    console.log(`test-setup: found ${JSON.stringify(found)}`);
    if (plan.action === 'install') console.log(`test-setup: would install ${plan.packages.join(' ')}:\n${plan.commands.map((c) => `  ${c.join(' ')}`).join('\n')}`);
    else if (plan.action === 'stop') console.log(`test-setup: would stop (exit 1):\n${plan.message}`);
    else console.log('test-setup: nothing to install');
    if (command.length > 0) console.log(`test-setup: then would run: ${command.join(' ')}`);
    return 0;
  }
  if (plan.action === 'stop') {
    console.error(`test-setup: ${plan.message}`);
    return 1;
  }
  if (plan.action === 'install') {
    console.error(`test-setup: installing ${plan.packages.join(' ')} (what npm test needs and this machine lacks)`);
    for (const c of plan.commands) {
      const status = run(c, { DEBIAN_FRONTEND: 'noninteractive' });
      if (status !== 0) {
        console.error(`test-setup: \`${c.join(' ')}\` failed (exit ${status})`);
        return 1;
      }
    }
    const after = decide(probe(command));
    if (after.action !== 'run') {
      console.error(`test-setup: still missing after the install: ${after.packages.join(' ')}`);
      return 1;
    }
  }
  return run(command);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) process.exitCode = main(process.argv.slice(2));
