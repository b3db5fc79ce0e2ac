// Scenarios, as both entries export them (browser-safe: no node: imports,
// no engine). runScenario itself is bound to each entry's Simulation.
export {
  assertScenario,
  formatScenarioIssue,
  MOMENT_NAMES,
  parseScenario,
  SCENARIO_LIMITS,
  SCENARIO_VERSION,
  ScenarioError,
  validateScenario,
  validateScenarioOptions,
} from './scenario-schema.js';
export type * from './scenario-schema.js';
export { formatRange, formatScenarioFailure } from './scenario-runner.js';
export type { ActionSpan, RunScenarioOptions, ScenarioFailure, ScenarioRecordInfo, ScenarioResult, ScenarioStepInfo } from './scenario-runner.js';
export { builtinScenario, listBuiltinScenarios } from './catalogue.js';
export type { BuiltinScenarioInfo } from './catalogue.js';
