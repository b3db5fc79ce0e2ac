// The Node entry: all three backends (linux, sim/native, sim/wasm).
import { nodeEngines } from './simulation/node-engines.js';
import { runScenarioWith, type RunScenarioOptions, type ScenarioResult } from './simulation/scenario-runner.js';
import { Simulation as SimulationBase } from './simulation/simulation.js';
import { confirmOnLinux as confirmWith, exploreWith, type ExploreFailure, type ExploreOptions, type ExploreResult, type LinuxConfirmation } from './explore/explore.js';
import type { EngineName } from './types.js';

export * from './common.js';
export { openKernel } from './open-kernel.js';

/** The reactor in the simulated kernel, on the native addon (default) or the wasm module. */
export class Simulation extends SimulationBase {
  protected static override engines = nodeEngines;
  protected static override defaultEngine: EngineName = 'native';
}

// The real server (Node only: it needs the addon and real sockets).
export { createServer, ServerListenError } from './server/server.js';
export type { EdgeloopServer } from './server/server.js';

// Scenarios: validated JSON documents with their own expectations.
export * from './simulation/scenarios.js';
/** Runs a scenario document (validated first: ScenarioError) and checks its expectations. */
export function runScenario(doc: unknown, options?: RunScenarioOptions): Promise<ScenarioResult> {
  return runScenarioWith(Simulation, doc, options);
}

// Explore: seeded scenarios with faults, invariants after every step, failures shrunk.
export * from './explore/index.js';
/** Runs seeds [from, to) of generated scenarios on the simulated reactor (native by default) and shrinks what breaks an invariant. */
export function explore(options: ExploreOptions): Promise<ExploreResult> {
  return exploreWith(Simulation, options, 'native');
}
/** Replays a failure's shrunk document on real Linux sockets (no faults, no user app): whether Linux breaks the same invariant. */
export function confirmOnLinux(failure: ExploreFailure): Promise<LinuxConfirmation> {
  return confirmWith(Simulation, failure);
}
