// One Explore-speed sample, in its own process: generated scenarios (the
// explorer's own, variant edgeloop, every invariant) run untraced on
// --engine, one thread, the way an explore worker runs its seeds. Reports
// seeds per second over all seeds, reactor steps per second, and seeds per
// second over the seeds whose scenario takes 150 to 250 steps (the "~200-step
// scenario" of the target), measured on those seeds alone.
//
//   node dist/bench/explore-speed.js --engine native|wasm --seeds N
//
// Prints one JSON line: {"engine","seeds","seconds","seedsPerSecond","stepsPerSecond","meanSteps","near200":{...}}.
import { generateScenario, runScenario } from '../src/index.js';
import type { ScenarioDocument } from '../src/index.js';
import { arg, engineArg } from './sample-args.js';


async function main(): Promise<void> {
  const engine = engineArg();
  const n = Number(arg('seeds', '2000'));
  // Generated first: generation is part of a seed's cost, timed separately below.
  const docs: ScenarioDocument[] = [];
  const g0 = performance.now();
  for (let seed = 0; seed < n; seed++) docs.push(generateScenario({ variant: 'edgeloop' }, seed));
  const generateSeconds = (performance.now() - g0) / 1000;
  // Warm-up: loads the engine, tiers up the JIT.
  for (const doc of docs.slice(0, 50)) await runScenario(doc, { engine, trace: false });
  const steps: number[] = [];
  let violations = 0;
  const t0 = performance.now();
  for (const doc of docs) {
    const r = await runScenario(doc, { engine, trace: false });
    steps.push(r.steps);
    if (r.violation) violations++;
  }
  const runSeconds = (performance.now() - t0) / 1000;
  const seconds = runSeconds + generateSeconds;
  const total = steps.reduce((a, b) => a + b, 0);
  // The ~200-step seeds again, alone.
  const near = docs.filter((_, i) => (steps[i] as number) >= 150 && (steps[i] as number) <= 250);
  let nearSteps = 0;
  const t1 = performance.now();
  for (const doc of near) nearSteps += (await runScenario(doc, { engine, trace: false })).steps;
  const nearSeconds = (performance.now() - t1) / 1000 + (generateSeconds * near.length) / n;
  process.stdout.write(
    `${JSON.stringify({
      engine,
      seeds: n,
      seconds,
      seedsPerSecond: n / seconds,
      stepsPerSecond: total / runSeconds,
      meanSteps: total / n,
      violations,
      near200: { seeds: near.length, meanSteps: nearSteps / Math.max(near.length, 1), seedsPerSecond: near.length / nearSeconds },
    })}\n`,
  );
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
