// A small kernel-API demo: the seed's EPOLLOUT|EPOLLET edge case on a unix
// socketpair. Fill the send buffer until EAGAIN, see that no EPOLLOUT comes
// while it stays full, let the peer drain, and EPOLLOUT fires again.
//
//   node dist/src/demo.js [--backend sim|linux] [--engine wasm|native] [--seed N] [--jsonl FILE]
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

import { EPOLLET, EPOLLOUT, eventNames, formatTraceRecord, isErrno, openKernel, type KernelBackendOptions } from './index.js';

function parseArgs(argv: string[]): { options: KernelBackendOptions; jsonl?: string } {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i] ?? '';
    const value = argv[i + 1];
    if (!['--backend', '--engine', '--seed', '--jsonl'].includes(key) || value === undefined) {
      throw new Error(`usage: demo [--backend sim|linux] [--engine wasm|native] [--seed N] [--jsonl FILE] (bad argument ${JSON.stringify(key)})`);
    }
    flags.set(key, value);
  }
  const options: KernelBackendOptions =
    flags.get('--backend') === 'linux'
      ? { backend: 'linux' }
      : {
          backend: 'sim',
          engine: (flags.get('--engine') ?? 'wasm') as 'wasm' | 'native',
          seed: Number(flags.get('--seed') ?? 1),
        };
  const jsonl = flags.get('--jsonl');
  return jsonl === undefined ? { options } : { options, jsonl };
}

async function main(): Promise<void> {
  const { options, jsonl } = parseArgs(process.argv.slice(2));
  const k = await openKernel(options);
  try {
    const pair = k.socketpair('unix');
    if (isErrno(pair)) throw new Error(`socketpair failed: ${pair}`);
    const [a, b] = pair;
    k.setsockopt(a, 'SO_SNDBUF', 16384); // Linux doubles it: 32768
    const ep = k.epollCreate();
    if (isErrno(ep)) throw new Error(`epollCreate failed: ${ep}`);
    k.epollCtl(ep, 'ADD', a, EPOLLOUT | EPOLLET); // ADD polls at once: the "forced" EPOLLOUT
    k.epollWait(ep, 16, 0);
    for (let i = 0; i < 1000 && k.write(a, 4096) !== 'EAGAIN'; i++);
    k.epollWait(ep, 16, 0); // still full: no edge, no event
    k.setActor('peer');
    for (let i = 0; i < 1000; i++) {
      const r = k.read(b, 65536);
      if (typeof r === 'string' || r.length === 0) break;
    }
    k.setActor('app');
    const ready = k.epollWait(ep, 16, 0); // the peer's reads woke the writer: EPOLLOUT
    const kernel = k.backend === 'sim' ? `sim (${k.engine})` : 'linux';
    console.log(`edgeloop kernel API demo on ${kernel}: fill a unix socket under EPOLLOUT|EPOLLET\n`);
    for (const r of k.trace.records) console.log(formatTraceRecord(r));
    const last = isErrno(ready) ? ready : ready.map((e) => eventNames(e.events)).join(', ') || 'nothing';
    console.log(`\nafter the peer drained, epollWait reported: ${last}`);
  } finally {
    k.dispose();
  }
  if (jsonl !== undefined) {
    const path = resolve(jsonl);
    writeFileSync(path, k.traceJsonl());
    console.log(`trace written to ${path}`);
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
