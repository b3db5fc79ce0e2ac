// Simulated syscalls per second on sim/native and sim/wasm, and their ratio,
// on the seed's fill/drain loop: write 4 KiB until EAGAIN, wait for EPOLLOUT
// (edge-triggered) while the peer drains, repeat. A script, not a test:
// `npm run bench:kernel [-- --seconds N --rounds R]`.
import { EPOLLET, EPOLLIN, EPOLLOUT, openKernel, type Kernel } from '../src/index.js';

interface Sample {
  engine: 'native' | 'wasm';
  calls: number;
  seconds: number;
}

function argValue(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} needs a positive number, got ${process.argv[i + 1]}`);
  return v;
}

/** Runs the fill/drain loop for about `seconds`; returns the syscalls it made. */
function fillDrain(k: Kernel, seconds: number): { calls: number; seconds: number } {
  const pair = k.socketpair('unix');
  if (!Array.isArray(pair)) throw new Error(`socketpair failed: ${pair}`);
  const [a, b] = pair;
  const ep = k.epollCreate();
  if (typeof ep !== 'number') throw new Error(`epollCreate failed: ${ep}`);
  k.epollCtl(ep, 'ADD', a, EPOLLOUT | EPOLLET);
  k.epollCtl(ep, 'ADD', b, EPOLLIN | EPOLLET);
  const chunk = new Uint8Array(4096);
  let calls = 4;
  const start = process.hrtime.bigint();
  const budget = BigInt(Math.round(seconds * 1e9));
  for (;;) {
    for (let round = 0; round < 64; round++) {
      // Fill: the seed's Send path until the kernel says EAGAIN.
      while (typeof k.write(a, chunk) === 'number') calls++;
      calls++;
      // Drain the peer until it is empty too; EPOLLOUT fires on the way.
      calls++;
      k.epollWait(ep, 8, 0);
      while (typeof k.read(b, 65536) !== 'string') calls++;
      calls++;
      k.epollWait(ep, 8, 0);
      calls++;
    }
    const elapsed = process.hrtime.bigint() - start;
    if (elapsed >= budget) {
      k.dispose();
      return { calls, seconds: Number(elapsed) / 1e9 };
    }
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function main(): Promise<void> {
  const seconds = argValue('seconds', 2);
  const rounds = argValue('rounds', 3);
  const samples: Sample[] = [];
  // Warm both engines (JIT, wasm tier-up) before measuring.
  for (const engine of ['native', 'wasm'] as const) {
    fillDrain(await openKernel({ backend: 'sim', engine, seed: 1, trace: false }), 0.3);
  }
  // Alternate engines within each round so drift on a shared machine hits both.
  for (let r = 0; r < rounds; r++) {
    for (const engine of ['native', 'wasm'] as const) {
      const k = await openKernel({ backend: 'sim', engine, seed: 1, trace: false });
      const { calls, seconds: s } = fillDrain(k, seconds);
      samples.push({ engine, calls, seconds: s });
    }
  }
  const rate = (engine: 'native' | 'wasm') =>
    median(samples.filter((x) => x.engine === engine).map((x) => x.calls / x.seconds));
  const native = rate('native');
  const wasm = rate('wasm');
  console.log(`fill/drain loop on a unix socketpair, 4 KiB writes, ${rounds} rounds of ${seconds}s, medians`);
  console.log('engine   syscalls/s');
  console.log(`native   ${Math.round(native).toLocaleString('en-US').padStart(12)}`);
  console.log(`wasm     ${Math.round(wasm).toLocaleString('en-US').padStart(12)}`);
  console.log(`wasm/native ratio: ${(wasm / native).toFixed(2)}x (goal: within 2x, i.e. >= 0.50)`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
