// Explore's public pieces, as both entries export them (browser-safe).
// explore() itself is bound to each entry's Simulation (src/index.ts, src/browser.ts).
export { EXPLORE_APPS, generateScenario } from './generate.js';
export type { ExploreAppName, GeneratorFilter } from './generate.js';
export type { ExploreFailure, ExploreOptions, ExploreProgress, ExploreResult, FailingSeed, LinuxConfirmation } from './explore.js';
export { BUSY_WAKEUP_LIMIT } from '../simulation/invariants.js';
export type { InvariantViolation } from '../simulation/invariants.js';
export { INVARIANT_NAMES } from '../simulation/scenario-schema.js';
export { FAULT_NAMES, FAULT_LIMITS } from '../simulation/faults.js';
export { MUTANT_VARIANTS } from '../reactor-options.js';
export { JS_APP_NAMES, JS_APPS } from '../simulation/js-apps.js';
export type { ExploreJsApp, JsAppName } from '../simulation/js-apps.js';
