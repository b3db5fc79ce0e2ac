// Scenario documents the simulation benchmarks run (sim-speed.ts, scale-speed.ts).

/** Peers in the echo scenario; each round every one writes 4 KiB and the reactor takes two steps. */
export const ECHO_PEERS = 40;
/** Trace records one echo round makes with 40 peers (measured: 326 per round); sizing only. */
export const ECHO_RECORDS_PER_ROUND = 326;

/** 40 tcp peers, each writing 4 KiB per round to the echo server. */
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
    explanation: `${ECHO_PEERS} peers each write 4 KiB per round; the echo server answers; ${rounds} rounds.`,
    options: { family: 'tcp', app: 'echo' },
    peers: [{ name: 'c', count: ECHO_PEERS }],
    steps,
    expect: [{ check: 'peer', peer: 'c', receivedAllWritten: true }],
    limits: { maxSteps: 2_000_000 },
  };
}

/**
 * Trace records one flood step makes (measured: 103,412 records in 430
 * steps, 313,082 in 1,300); sizing only.
 */
export const FLOOD_RECORDS_PER_STEP = 240.8;

/**
 * Issue 14's flood: a unix client writes 64 KiB chunks until EAGAIN, every
 * step, to the tutorial's day-26 echo server (it reads 1 KiB at a time and
 * has no output limit, so its send_buf_ grows ~200 KiB a step), and reads
 * 64 KiB a step. The playground's perf test runs the same document.
 */
export function floodScenario(steps: number): unknown {
  return {
    version: 1,
    name: 'bench-day26-flood',
    title: 'A peer floods the day-26 echo server',
    explanation: `A client writes until EAGAIN for ${steps} steps and reads 64 KiB a step; send_buf_ grows without bound.`,
    options: { family: 'unix', app: 'echo', variant: 'day26-as-written', sndbuf: 16384, peerReadRate: 65536 },
    peers: [{ name: 'client' }],
    steps: [
      { do: 'connect', peer: 'client' },
      { do: 'flood', peer: 'client', steps },
    ],
    expect: [],
    limits: { maxSteps: 2_000_000, maxEvents: 50_000_000 },
  };
}
