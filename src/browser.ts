// The browser entry: only the wasm sim. Nothing in this file's import graph
// may import a node: module or the native addon loader.
import { createWasmRaw } from './backends/wasm.js';
import { EdgeloopError } from './errors.js';
import { Kernel } from './kernel.js';
import { resolveOptions } from './options.js';
import { browserEngines } from './simulation/browser-engines.js';
import { runScenarioWith, type RunScenarioOptions, type ScenarioResult } from './simulation/scenario-runner.js';
import { Simulation as SimulationBase } from './simulation/simulation.js';
import { exploreWith, type ExploreOptions, type ExploreResult } from './explore/explore.js';
import type { EngineName, KernelBackendOptions } from './types.js';

export * from './common.js';

/** The reactor in the simulated kernel, on the wasm module. */
export class Simulation extends SimulationBase {
  protected static override engines = browserEngines;
  protected static override defaultEngine: EngineName = 'wasm';
}

// Scenarios: validated JSON documents with their own expectations.
export * from './simulation/scenarios.js';
/** Runs a scenario document (validated first: ScenarioError) on the wasm engine and checks its expectations. */
export function runScenario(doc: unknown, options?: RunScenarioOptions): Promise<ScenarioResult> {
  return runScenarioWith(Simulation, doc, options);
}

// Explore: seeded scenarios with faults, invariants after every step, failures shrunk.
export * from './explore/index.js';
/** Runs seeds [from, to) of generated scenarios on the wasm engine and shrinks what breaks an invariant. */
export function explore(options: ExploreOptions): Promise<ExploreResult> {
  return exploreWith(Simulation, options, 'wasm');
}

/** Opens a simulated kernel on the wasm engine: { backend: 'sim', engine?: 'wasm', seed?, trace? }. */
export async function openKernel(options: KernelBackendOptions): Promise<Kernel> {
  const o = resolveOptions(options, 'wasm');
  if (o.backend !== 'sim') {
    throw new EdgeloopError('ERR_BACKEND', "openKernel(): backend 'linux' is not available in the browser: use { backend: 'sim' }", {
      argument: 'backend',
    });
  }
  if (o.engine !== 'wasm') {
    throw new EdgeloopError('ERR_BACKEND', "openKernel(): engine 'native' is not available in the browser: use engine 'wasm'", {
      argument: 'engine',
    });
  }
  const { raw, release } = await createWasmRaw(o.seed);
  return new Kernel(raw, { backend: 'sim', engine: 'wasm', seed: o.seed, trace: o.trace, release });
}
