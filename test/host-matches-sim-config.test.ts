// The differential suites compare the simulated kernel with THIS host's
// Linux. The sim reproduces one set of sysctls (native/kernel/sim/sim_config.h);
// on a host configured differently every comparison would fail case by case
// with confusing diffs, so this checks the host once and says what differs.
import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { openKernel } from '../src/index.js';
import { BACKENDS } from './helpers/backends.js';

function sysctl(path: string): number[] {
  return readFileSync(`/proc/sys/${path}`, 'utf8').trim().split(/\s+/).map(Number);
}

describe.runIf(BACKENDS.includes('linux'))('the host matches the simulated kernel\'s sysctls', () => {
  it('net.core, net.ipv4 and the congestion control are what SimConfig reproduces', async () => {
    const k = await openKernel({ backend: 'sim', engine: 'native', seed: 1 });
    const config = (k.inspect() as { config: Record<string, number | number[]> }).config;
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
});
