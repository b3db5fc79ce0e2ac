// One simulation-speed sample, in its own process (the harness runs one per
// engine and repetition, interleaved): a generated echo scenario on the
// simulated TCP kernel, sized to about --events trace records, run with
// runScenario on --engine. An "event" is one trace record: a syscall of
// the reactor or a peer, an app event, an action marker.
//
//   node dist/bench/sim-speed.js --engine native|wasm --events N
//
// Prints one JSON line: {"engine","events","seconds","eventsPerSecond","rounds","ok"}.
import { runScenario } from '../src/index.js';
import { arg, engineArg } from './sample-args.js';

/** Peers in the scenario; each round every one writes 4 KiB and the reactor takes two steps. */
const PEERS = 40;
/** Trace records one round makes with 40 peers (measured: 326 per round); sizing only. */
const RECORDS_PER_ROUND = 326;

export function echoScenario(rounds: number): unknown {
  const steps: unknown[] = [
    { do: 'connect', peer: 'c' },
    { do: 'step', count: 3 },
  ];
  for (let i = 0; i < rounds; i++) steps.push({ do: 'write', peer: 'c', bytes: 4096 }, { do: 'step', count: 2 });
  return {
    version: 1,
    name: 'bench-echo-rounds',
    title: 'Echo rounds for the simulation-speed benchmark',
    explanation: `${PEERS} peers each write 4 KiB per round; the echo server answers; ${rounds} rounds.`,
    options: { family: 'tcp', app: 'echo' },
    peers: [{ name: 'c', count: PEERS }],
    steps,
    expect: [{ check: 'peer', peer: 'c', receivedAllWritten: true }],
    limits: { maxSteps: 2_000_000 },
  };
}


async function main(): Promise<void> {
  const engine = engineArg();
  const events = Number(arg('events', '200000'));
  const rounds = Math.max(1, Math.ceil(events / RECORDS_PER_ROUND));
  // A small run first: loads the engine, warms the JIT (and wasm tier-up).
  await runScenario(echoScenario(50), { engine });
  const doc = echoScenario(rounds);
  const t0 = performance.now();
  const r = await runScenario(doc, { engine });
  const seconds = (performance.now() - t0) / 1000;
  const n = r.records.length;
  process.stdout.write(
    `${JSON.stringify({ engine, events: n, seconds, eventsPerSecond: n / seconds, rounds, ok: r.ok })}\n`,
  );
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
