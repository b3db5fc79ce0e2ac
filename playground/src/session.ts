// One trace on screen: a run made here (with the snapshot after every
// reactor step and the scenario's verdict), an imported trace (the calls
// only) or a live server's window (its records, with its snapshots as
// frames). Both sides, the transport and the exports read it; nothing
// changes it once made (a live view makes a new one as records come).
import type { VariantName } from '../../src/browser.js';
import type { ExactFrames } from './exact-frames.js';
import type { FrameList } from './frame-list.js';
import { computeMoments, type Moments } from './moments.js';
import type { RunOutcome } from './run-protocol.js';

export type RunSummary = Omit<RunOutcome, 'trace' | 'frames'>;
import type { TraceModel } from './trace-model.js';
import type { Verdict } from './verdict.js';

/** The reactor's default mark, for options that name none and for an imported trace (a trace does not record it). */
const DEFAULT_HWM = 4 * 1024 * 1024;

export interface Session {
  model: TraceModel;
  /** Null for an imported trace: a trace has no snapshots. */
  frames: FrameList | null;
  /** The run's outcome, less its trace and frames (the model and `frames` hold those; a million events' text is not kept twice). */
  outcome: RunSummary | null;
  variant: VariantName | null;
  /** 'run' (made here), the imported file's name, or the live view's address and a title for it. */
  source: 'run' | { file: string } | { live: string; title: string };
  /** The record that ends each reactor step: where step forward and step back land. */
  stepEnds: number[];
  /** Each connection's largest send_buf_ over the run, so its gauge keeps one scale while the cursor moves. */
  peakSendBuf: ReadonlyMap<number, number>;
  highWaterMark: number;
  /** The run's key events, found in its trace (moments.ts). */
  moments: Moments;
  /** What a run demonstrates, for the scenario it ran (null: an imported trace or a live window). */
  verdict: Verdict | null;
  /** A run made here: the state after any one event, by running it again (exact-frames.ts). Null otherwise. */
  exact: ExactFrames | null;
}

export function makeSession(
  model: TraceModel,
  frames: FrameList | null,
  outcome: RunSummary | null,
  variant: VariantName | null,
  source: Session['source'],
  verdict: Verdict | null = null,
  exact: ExactFrames | null = null,
): Session {
  // Without snapshots the reactor's epoll_wait calls are the only step boundaries a trace shows.
  let stepEnds = model.reactorWaits.slice();
  if (frames) {
    stepEnds = [];
    for (let k = 1; k < frames.length; k++) {
      const i = frames.recordsAt(k) - 1;
      if (i >= 0 && i < model.n) stepEnds.push(i);
    }
  }
  return {
    model,
    frames,
    outcome,
    variant,
    source,
    stepEnds,
    peakSendBuf: frames?.peakSendBuf ?? new Map<number, number>(),
    highWaterMark: outcome?.options.highWaterMark ?? DEFAULT_HWM,
    moments: computeMoments(model.records),
    verdict,
    exact,
  };
}
