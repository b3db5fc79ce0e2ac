// Lining up two runs by meaning (compare mode): the cursor is an index into
// run A, and run B shows the event at the same point of the run's meaning,
// not at the same position. Anchors pair an event of A with one of B: the
// start of each reactor step (the k-th epoll_wait of each run,
// compare-meaning.ts), and the divergences (the textual one pairs its index
// with itself: the runs agree before it; the behavioural one pairs each
// side's record). Between two anchors B moves in proportion, so every event
// of a long step of B is reached while A crosses its short one.
//
// Pure and DOM-free; the playback asks toB(i) for each cursor move.
import type { RecordList } from './record-list.js';
import type { TraceRecord } from '../../src/browser.js';
import { behaviourSteps, type StepFacts } from './compare-meaning.js';

export type AlignMode = 'step' | 'position';

export interface Alignment {
  /** B's event for A's event `i`. */
  toB(i: number): number;
  /** A's event for B's event `j`: the point of A that B's event belongs to (toB of it is at or before j). */
  fromB(j: number): number;
  /** The anchors used, as [A index, B index], ascending in both. */
  readonly anchors: ReadonlyArray<readonly [number, number]>;
}

/** The identity: B at A's index (clamped to B's length). */
export function positionAlignment(nB: number): Alignment {
  return { toB: (i) => Math.max(0, Math.min(i, nB - 1)), fromB: (j) => j, anchors: [] };
}

/**
 * `extra`: anchors in priority order (the behavioural divergence before the
 * textual one); one that contradicts an earlier one (would send B back while
 * A goes forward) is left out, and so is every step start that contradicts a
 * kept extra.
 */
export function stepAlignment(a: RecordList | readonly TraceRecord[], b: RecordList | readonly TraceRecord[], extra: ReadonlyArray<readonly [number, number]> = []): Alignment {
  return alignSteps(behaviourSteps(a), behaviourSteps(b), a.length, b.length, extra);
}

/** stepAlignment() on runs already cut into steps (behaviourSteps), of nA and nB records. */
export function alignSteps(sa: StepFacts[], sb: StepFacts[], nA: number, nB: number, extra: ReadonlyArray<readonly [number, number]> = []): Alignment {
  type Anchor = readonly [number, number];
  const agrees = (p: Anchor, q: Anchor): boolean => (p[0] < q[0] && p[1] <= q[1]) || (p[0] > q[0] && p[1] >= q[1]);
  const kept: Anchor[] = [];
  for (const e of extra) if (kept.every((k) => agrees(k, e))) kept.push(e);
  const candidates: Anchor[] = [[0, 0]];
  for (let k = 0; k < Math.min(sa.length, sb.length); k++) candidates.push([(sa[k] as StepFacts).start, (sb[k] as StepFacts).start]);
  candidates.push([Math.max(0, nA - 1), Math.max(0, nB - 1)]);
  // Step starts increase in both runs, so they agree with each other; only the extras can contradict them.
  const anchors: Anchor[] = [...kept, ...candidates.filter((c) => kept.every((k) => agrees(k, c)))];
  anchors.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  // Equal A indexes (a step start that is also the set-up's) keep the first.
  for (let i = anchors.length - 1; i > 0; i--) if ((anchors[i] as Anchor)[0] === (anchors[i - 1] as Anchor)[0]) anchors.splice(i, 1);
  return {
    anchors,
    fromB(j: number): number {
      // The last anchor at or before j on B's side (B's coordinates never decrease).
      let lo = 0;
      let hi = anchors.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if ((anchors[mid] as Anchor)[1] <= j) lo = mid;
        else hi = mid - 1;
      }
      // Among anchors with the same B index, the last (the furthest A that still shows it).
      const [a0, b0] = anchors[lo] as Anchor;
      const next = anchors[lo + 1];
      if (!next || next[1] === b0) return Math.max(0, Math.min(nA - 1, a0 + Math.max(0, j - b0)));
      const [a1, b1] = next;
      return Math.min(a1 - 1 < a0 ? a0 : a1 - 1, a0 + Math.floor(((j - b0) * (a1 - a0)) / (b1 - b0)));
    },
    toB(i: number): number {
      if (nB === 0) return 0;
      // The last anchor at or before i.
      let lo = 0;
      let hi = anchors.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if ((anchors[mid] as readonly [number, number])[0] <= i) lo = mid;
        else hi = mid - 1;
      }
      const [a0, b0] = anchors[lo] as readonly [number, number];
      const next = anchors[lo + 1];
      if (!next || i <= a0) return Math.max(0, Math.min(nB - 1, b0 + Math.max(0, i - a0)));
      const [a1, b1] = next;
      return Math.min(nB - 1, b0 + Math.floor(((i - a0) * (b1 - b0)) / (a1 - a0)));
    },
  };
}
