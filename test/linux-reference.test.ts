// The differential suites compare the simulated kernel with THIS host's
// Linux, so that Linux must be a fixed reference:
// - its sysctls are the ones the sim reproduces (native/kernel/sim/sim_config.h);
//   on a host configured differently every comparison would fail case by case
//   with confusing diffs, so this checks the host once and says what differs;
// - it carries no TCP state learned from earlier traffic: `npm test` runs in a
//   network namespace of its own with metrics saving off
//   (scripts/linux-reference.mjs), and this checks that it works.
import { readFileSync } from 'node:fs';
import { getuid } from 'node:process';

import { describe, expect, it } from 'vitest';

import { isErrno, openKernel } from '../src/index.js';
import { BACKENDS, cachedLoopbackTcpMetrics, linuxReferenceProblem } from './helpers/backends.js';

function sysctl(path: string): number[] {
  return readFileSync(`/proc/sys/${path}`, 'utf8').trim().split(/\s+/).map(Number);
}

describe.runIf(BACKENDS.includes('linux'))('the Linux reference the sim is compared with', () => {
  it('net.core, net.ipv4 and the congestion control are what SimConfig reproduces', async () => {
    const k = await openKernel({ backend: 'sim', engine: 'native', seed: 1 });
    const config = k.inspect()?.config ?? {};
    k.dispose();
    const host = {
      wmemDefault: sysctl('net/core/wmem_default')[0],
      rmemDefault: sysctl('net/core/rmem_default')[0],
      wmemMax: sysctl('net/core/wmem_max')[0],
      rmemMax: sysctl('net/core/rmem_max')[0],
      tcpWmem: sysctl('net/ipv4/tcp_wmem'),
      tcpRmem: sysctl('net/ipv4/tcp_rmem'),
      somaxconn: sysctl('net/core/somaxconn')[0],
      ephemeralPorts: sysctl('net/ipv4/ip_local_port_range'),
    };
    const simulated = Object.fromEntries(Object.keys(host).map((key) => [key, config[key]]));
    expect(host, 'this host is configured differently from native/kernel/sim/sim_config.h: the sim-vs-Linux comparisons would fail').toEqual(simulated);
    // tcp_sndbuf_established (3939840) is tcp_sndbuf_expand's bbr factor 3; cubic gives 2.
    const cc = readFileSync('/proc/sys/net/ipv4/tcp_congestion_control', 'utf8').trim();
    expect(config.tcpSndbufEstablished).toBe(3939840);
    expect(cc, 'the sim models bbr\'s send-buffer growth factor (3); this host runs another congestion control').toBe('bbr');
  });

  it('carries no cached TCP state for loopback and saves none', () => {
    expect(linuxReferenceProblem()).toBeUndefined();
  });

  it('a loopback TCP exchange of this run leaves no cached state for the next', async () => {
    // Without tcp_no_metrics_save this exchange caches cwnd and RTT for 127.0.0.1 (checked by hand in a fresh namespace).
    const k = await openKernel({ backend: 'linux' });
    try {
      const pair = k.socketpair('tcp');
      if (isErrno(pair)) throw new Error(`socketpair: ${pair}`);
      const [a, b] = pair;
      for (let i = 0; i < 20; i++) {
        expect(k.write(a, 10_000)).toBe(10_000);
        k.advance(1);
        k.read(b, 1 << 20);
        k.write(b, 100);
        k.read(a, 1000);
      }
      k.close(a);
      k.advance(5);
      k.close(b);
      k.advance(5);
    } finally {
      k.dispose();
    }
    expect(cachedLoopbackTcpMetrics()).toEqual([]);
  });

  it.runIf(process.env.CI === 'true' && getuid?.() === 0)('in CI (root) the run has a network namespace of its own', () => {
    expect(process.env.EDGELOOP_LINUX_REFERENCE, 'npm test must run through scripts/linux-reference.mjs').toBe('netns');
  });
});
