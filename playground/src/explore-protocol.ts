// What the explore worker answers (explore-worker.ts) and how the panel asks it (explore-panel.ts).
import type { ExploreAppName, Family, FailingSeed, InvariantViolation, ScenarioDocument, VariantName } from '../../src/browser.js';

export interface ExploreRequest {
  id: number;
  options: { variant: VariantName; seeds: [number, number]; family?: Family; app?: ExploreAppName };
}

export type ExploreReply =
  | { id: number; type: 'progress'; seedsRun: number; seedsTotal: number; failures: number; elapsedMs: number }
  | { id: number; type: 'failure'; seed: number; invariant: InvariantViolation['invariant']; message: string; shrinks: number; document: ScenarioDocument }
  | { id: number; type: 'done'; seedsRun: number; failingSeeds: FailingSeed[]; elapsedMs: number }
  | { id: number; type: 'error'; message: string };
