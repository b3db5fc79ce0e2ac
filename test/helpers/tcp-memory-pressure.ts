// The host's TCP memory pressure, which a Linux reference run must not meet.
// tcp_memory_pressure (the "press" column of /proc/net/protocols) counts the
// whole host's TCP memory, whatever the network namespace: another process's
// bulk traffic (a benchmark of non-readers, a fuzz campaign) can put every
// socket under pressure, and then sk_wmem_schedule grants a socket beyond
// tcp_wmem[0] nothing (a 4096-byte write returns 3264 where it otherwise
// takes 4096). A Linux TCP run waits it out, and one that met it is redone.
import { readFileSync } from 'node:fs';

/** Whether TCP is under memory pressure on this host now (false where /proc cannot say). */
export function tcpUnderMemoryPressure(): boolean {
  try {
    const line = readFileSync('/proc/net/protocols', 'utf8').split('\n').find((l) => l.startsWith('TCP '));
    return line?.trim().split(/\s+/)[4] === 'yes';
  } catch {
    return false;
  }
}

/** Longest wait for the pressure to end before a Linux run. */
export const PRESSURE_WAIT_MS = 300_000;

/** Waits until TCP is not under memory pressure; throws after PRESSURE_WAIT_MS, naming the cause. */
export async function waitForNoMemoryPressure(): Promise<void> {
  const started = Date.now();
  while (tcpUnderMemoryPressure()) {
    if (Date.now() - started > PRESSURE_WAIT_MS) {
      throw new Error(`Linux reference unusable: TCP has been under memory pressure for ${PRESSURE_WAIT_MS / 1000} s (/proc/net/protocols); some process holds too much TCP memory`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
