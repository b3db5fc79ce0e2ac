// One run-cost sample, in its own process (bench/run.ts, section "scale",
// runs one per engine, scenario, size and repetition): runScenario of a
// scenario sized to about --events trace records, timed from the call to
// its result (the trace's JSON Lines text included: runScenario builds it).
//
//   node dist/bench/scale-speed.js --engine native|wasm --scenario flood|echo --events N
//
//   flood  issue 14's day-26 flood (bench/scenarios.ts): the run whose cost
//          grew as the square of its events (3x the events took 5x the time)
//   echo   40 tcp peers echoing 4 KiB rounds (section 5's scenario)
//
// Prints one JSON line: {"engine","scenario","events","seconds",
// "eventsPerSecond","cpuSeconds","eventsPerCpuSecond","maxRssMiB","heapMiB",
// "traceChars","ok"}. maxRssMiB is the process's
// peak resident set (the engine's own memory, the reactor's buffers, the
// trace); heapMiB the JS heap in use after the run with its result alive.
import { runScenario } from '../src/index.js';
import { arg, engineArg } from './sample-args.js';
import { ECHO_RECORDS_PER_ROUND, echoScenario, FLOOD_RECORDS_PER_STEP, floodScenario } from './scenarios.js';

async function main(): Promise<void> {
  const engine = engineArg();
  const scenario = arg('scenario', 'flood');
  if (scenario !== 'flood' && scenario !== 'echo') throw new Error(`--scenario must be flood or echo, got ${scenario}`);
  const events = Number(arg('events', '300000'));
  const make = (n: number): unknown =>
    scenario === 'flood'
      ? floodScenario(Math.max(1, Math.round(n / FLOOD_RECORDS_PER_STEP)))
      : echoScenario(Math.max(1, Math.ceil(n / ECHO_RECORDS_PER_ROUND)));
  // A small run first: loads the engine, warms the JIT (and wasm tier-up).
  await runScenario(make(5000), { engine });
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await runScenario(make(events), { engine });
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  // The process's CPU time (every thread: the GC's helpers too): on a shared
  // machine it moves less than the wall clock with what else runs.
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const n = r.records.length;
  const heapMiB = process.memoryUsage().heapUsed / 2 ** 20;
  const maxRssMiB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(
    `${JSON.stringify({ engine, scenario, events: n, seconds, eventsPerSecond: n / seconds, cpuSeconds, eventsPerCpuSecond: n / cpuSeconds, maxRssMiB, heapMiB, traceChars: r.trace.length, ok: r.ok })}\n`,
  );
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
