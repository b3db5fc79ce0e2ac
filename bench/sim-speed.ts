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
import { ECHO_RECORDS_PER_ROUND, echoScenario } from './scenarios.js';

async function main(): Promise<void> {
  const engine = engineArg();
  const events = Number(arg('events', '200000'));
  const rounds = Math.max(1, Math.ceil(events / ECHO_RECORDS_PER_ROUND));
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
