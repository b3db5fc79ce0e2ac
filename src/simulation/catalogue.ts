// The built-in scenarios: scenarios/*.json, carried in by the generated
// module. Each is validated on first use; callers get copies, so nothing
// they do changes the catalogue.
import { EdgeloopError } from '../errors.js';
import type { VariantName } from '../types.js';
import { BUILTIN_SCENARIO_DOCUMENTS } from './catalogue.generated.js';
import { assertScenario, type ScenarioDocument } from './scenario-schema.js';

export interface BuiltinScenarioInfo {
  name: string;
  title: string;
  explanation: string;
  family: ScenarioDocument['options']['family'];
  variant: VariantName;
  /** The variant whose run makes this scenario's expectations fail, when there is one. */
  contrast: ScenarioDocument['contrast'] | null;
}

let checked: ScenarioDocument[] | null = null;

function all(): ScenarioDocument[] {
  checked ??= BUILTIN_SCENARIO_DOCUMENTS.map((d, i) => assertScenario(d, `built-in scenario ${JSON.stringify((d as { name?: unknown }).name ?? i)}`));
  return checked;
}

function copy<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/** The catalogue, in teaching order: names, titles and explanations (for a picker). */
export function listBuiltinScenarios(): BuiltinScenarioInfo[] {
  return all().map((d) => ({
    name: d.name,
    title: d.title,
    explanation: d.explanation,
    family: d.options.family,
    variant: d.options.variant ?? 'edgeloop',
    contrast: d.contrast ? copy(d.contrast) : null,
  }));
}

/** A built-in scenario document by name (a copy). Throws EdgeloopError ERR_UNKNOWN_NAME for an unknown name. */
export function builtinScenario(name: string): ScenarioDocument {
  const doc = all().find((d) => d.name === name);
  if (!doc) {
    throw new EdgeloopError(
      'ERR_UNKNOWN_NAME',
      `builtinScenario(): no built-in scenario ${JSON.stringify(String(name))} (known: ${all().map((d) => d.name).join(', ')})`,
      { argument: 'name' },
    );
  }
  return copy(doc);
}
