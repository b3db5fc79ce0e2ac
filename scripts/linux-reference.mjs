#!/usr/bin/env node
// Runs a command with real Linux as a reference that does not drift: in a
// network namespace of its own, made for this run, with loopback up and
// net.ipv4.tcp_no_metrics_save=1.
//
// Why: Linux caches per-destination TCP state (tcp_metrics: RTT, cwnd,
// ssthresh, reordering) when a connection closes, and every later connection
// to that address starts from it (tcp_init_metrics). After heavy loopback
// traffic (a benchmark, a fuzz campaign) 127.0.0.1 carries e.g. `reordering
// 22`, and tcp_sndbuf_expand then gives SO_SNDBUF 4194304 where a fresh host
// gives 3939840: the sim-vs-Linux comparisons failed against the host's own
// history. tcp_metrics live per network namespace, and a new namespace starts
// empty; tcp_no_metrics_save (per namespace) stops the run's own tests from
// leaving state for its later tests. A new namespace copies init_net's
// tcp_rmem/tcp_wmem and congestion control (tcp_sk_init), so it is the host's
// configuration without the host's history. test/linux-reference.test.ts
// checks all of it from inside.
//
// Usage: node scripts/linux-reference.mjs COMMAND [ARGS...]
// Inside, EDGELOOP_LINUX_REFERENCE=netns is set. Where no namespace can be
// made (not root and no unprivileged user namespaces, or no `ip`), the command
// runs as it is with EDGELOOP_LINUX_REFERENCE=host and a warning; the
// reference test then says whether the host's state is still usable.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const [command, ...args] = process.argv.slice(2);
if (!command) {
  console.error('usage: node scripts/linux-reference.mjs COMMAND [ARGS...]');
  process.exit(2);
}

function run(argv, env) {
  const r = spawnSync(argv[0], argv.slice(1), { stdio: 'inherit', env: { ...process.env, ...env } });
  if (r.error) throw r.error;
  if (r.signal) process.kill(process.pid, r.signal);
  return r.status ?? 1;
}

function findIp() {
  for (const p of ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip']) if (existsSync(p)) return p;
  return undefined;
}

// Already inside (a nested call): nothing to set up.
if (process.env.EDGELOOP_LINUX_REFERENCE === 'netns') process.exit(run([command, ...args], {}));

const ip = findIp();
/** Why no namespace could be made, for the warning. */
const why = [];
const unshare = ['/usr/bin/unshare', '/bin/unshare'].find((p) => existsSync(p));
// $0 is the ip binary, then the command and its arguments. A refused sysctl
// write is left for test/linux-reference.test.ts to report, with its fix.
const setup =
  '"$0" link set lo up && { echo 1 > /proc/sys/net/ipv4/tcp_no_metrics_save || true; } && exec "$@"';

function tryNamespace(unshareFlags) {
  // A probe of the whole set-up first (namespace, loopback up), so that a
  // refused unshare or a failed `ip` is told apart from the command's own
  // failure, and reported.
  const probe = spawnSync(unshare, [...unshareFlags, '--', 'sh', '-c', setup, ip, 'true'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    why.push(`unshare ${unshareFlags.join(' ')}: ${(probe.stderr || probe.error?.message || `exit ${probe.status}`).trim()}`);
    return undefined;
  }
  return run([unshare, ...unshareFlags, '--', 'sh', '-c', setup, ip, command, ...args], {
    EDGELOOP_LINUX_REFERENCE: 'netns',
  });
}

if (process.platform === 'linux' && ip && unshare) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  // Root makes a plain network namespace; others try a user namespace that maps them to root.
  const status = tryNamespace(isRoot ? ['--net'] : ['--user', '--map-root-user', '--net']);
  if (status !== undefined) process.exit(status);
}

if (!ip) why.push('no `ip` (iproute2)');
if (!unshare) why.push('no `unshare` (util-linux)');
console.warn(
  `linux-reference: could not make a network namespace for the run (${why.join('; ') || 'not Linux'}); ` +
    "Linux comparisons run against this host's own network namespace and its cached TCP state.",
);
process.exit(run([command, ...args], { EDGELOOP_LINUX_REFERENCE: 'host' }));
