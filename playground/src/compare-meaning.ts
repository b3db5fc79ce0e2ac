// Compare by meaning: two runs of one scenario (two variants) lined up by
// what the reactor did, not by event position. A run is cut into reactor
// steps (each starts at the reactor's epoll_wait; the set-up before the first
// one is step 0); after each step the run's behaviour is summed up in facets
// a learner cares about: the bytes each client has received, the bytes the
// reactor has read, which connections have EPOLLOUT in their interest, the
// wakeups that moved nothing, the bytes dropped, and the connections closed
// and why. The first *behavioural* divergence is the first step whose facets
// differ, named by facet, with the record on each side where it shows.
//
// Connections are named by meaning too: the n-th connection the reactor
// accepted is "connection n" on both sides, whatever fd names the two runs
// gave it; clients are the peers' actor names, which the scenario fixes.
// How the socket is registered (EPOLLET or not, EPOLLRDHUP...) is a
// difference of code, not of behaviour: it shows in the textual divergence
// (compare.ts), and here only through what it changes (wakeups, EPOLLOUT).
//
// Pure: a function of the two record lists.
import { recordList, type RecordList } from './record-list.js';
import type { TraceRecord } from '../../src/browser.js';
import { computeMoments, type Moments } from './moments.js';

export type Facet = 'delivered' | 'dropped' | 'closed' | 'read' | 'epollout' | 'wasted-wakeups' | 'calls' | 'steps';

/** What a facet is about, in the words the page shows. */
// In the order of what matters most to a learner: what the clients get,
// what is lost, which connections end, then what the reactor does to get
// there (reads, write interest, wasted wakeups, and last the calls it makes).
export const FACET_LABELS: Readonly<Record<Facet, string>> = Object.freeze({
  delivered: 'bytes the clients received',
  dropped: 'data dropped',
  closed: 'connections closed',
  read: 'bytes the reactor read',
  epollout: 'EPOLLOUT in the interest',
  'wasted-wakeups': 'wakeups that moved nothing',
  calls: 'the reactor’s calls',
  steps: 'reactor steps',
});

/** The behaviour of a run after one reactor step (cumulative). */
export interface StepFacts {
  /** Index of the record that starts the step (its epoll_wait; 0 for the set-up). */
  start: number;
  /** Bytes each client (peer actor) has read so far. */
  delivered: Record<string, number>;
  /** Bytes the reactor has read so far, by connection ("connection 1"). */
  read: Record<string, number>;
  /** Connections with EPOLLOUT in their interest at the end of the step. */
  epollout: string[];
  /** Wakeups so far that moved no byte, accepted nothing and closed nothing. */
  wastedWakeups: number;
  /** Drops so far: bytes refused by write(2) and never offered again, or unsent at close (moments.ts's data-dropped). */
  drops: number;
  /** Connections closed so far, with the app's reason ("connection 1: peer-closed"). */
  closed: string[];
  /** The reactor's calls so far, by call (read, write, epollCtl...). */
  calls: Record<string, number>;
  /** For each facet, the record in this step where it last changed (absent: unchanged in this step). */
  changedAt: Partial<Record<Facet, number>>;
}

export interface BehaviourDivergence {
  /** The reactor step where the runs first behave differently (0: the set-up). */
  step: number;
  /** Every facet that differs at that step, in the order of FACET_LABELS. */
  facets: Facet[];
  /** The first of them. */
  facet: Facet;
  /** Each side's value of the first facet, in words. */
  a: string;
  b: string;
  /** The record on each side to look at: where the facet changed in that step (divergenceAt). */
  indexA: number;
  indexB: number;
}

function isReactor(actor: string): boolean {
  return actor === 'reactor' || actor.startsWith('reactor-');
}

const NOT_PEERS = new Set(['app', 'peers', 'sim', 'scenario']);

function isPeer(actor: string): boolean {
  return !isReactor(actor) && !NOT_PEERS.has(actor);
}

function targetName(r: TraceRecord): string | null {
  const a = r.args as { name?: unknown };
  return typeof a.name === 'string' ? a.name : null;
}

/** The behaviour of a run, step by step (`moments`: the run's, when the caller has them already). */
export function behaviourSteps(list: RecordList | readonly TraceRecord[], moments: Moments = computeMoments(list)): StepFacts[] {
  const records = recordList(list);
  const wasted = new Set(moments.occurrences.get('wakeup-no-progress') ?? []);
  // moments.ts counts dropped bytes over the whole run only: here the drops are counted.
  const dropAt = new Map<number, number>();
  for (const i of moments.occurrences.get('data-dropped') ?? []) dropAt.set(i, (dropAt.get(i) ?? 0) + 1);

  const connOf = new Map<string, string>(); // reactor fd name -> "connection n"
  let accepted = 0;
  const delivered: Record<string, number> = {};
  const read: Record<string, number> = {};
  const outOn = new Set<string>();
  const closed: string[] = [];
  const calls: Record<string, number> = {};
  let wastedWakeups = 0;
  let drops = 0;
  const steps: StepFacts[] = [];
  let changedAt: Partial<Record<Facet, number>> = {};
  let start = 0;

  const snapshot = (): void => {
    steps.push({
      start,
      delivered: { ...delivered },
      read: { ...read },
      epollout: [...outOn].sort(),
      wastedWakeups,
      drops,
      closed: [...closed],
      calls: { ...calls },
      changedAt,
    });
    changedAt = {};
  };
  const conn = (name: string | null | undefined): string | null => (name ? (connOf.get(name) ?? null) : null);

  for (let i = 0; i < records.length; i++) {
    const r = records.get(i) as TraceRecord;
    if (r.actor === 'reactor' && r.call === 'epollWait') {
      snapshot();
      start = i;
    }
    if (wasted.has(i)) {
      wastedWakeups++;
      changedAt['wasted-wakeups'] = i;
    }
    const dropsHere = dropAt.get(i);
    if (dropsHere !== undefined) {
      drops += dropsHere;
      changedAt.dropped = i;
    }
    const ret = typeof r.ret === 'number' ? r.ret : null;
    if (r.actor === 'app') {
      if (r.call === 'close') {
        const a = r.args as { conn?: unknown; reason?: unknown };
        closed.push(`connection ${String(a.conn ?? '?')}: ${String(a.reason ?? 'no reason given')}`);
        changedAt.closed = i;
      }
      continue;
    }
    if (isPeer(r.actor)) {
      if (r.call === 'read' && ret !== null && ret > 0) {
        delivered[r.actor] = (delivered[r.actor] ?? 0) + ret;
        changedAt.delivered = i;
      }
      continue;
    }
    if (!isReactor(r.actor)) continue;
    calls[r.call] = (calls[r.call] ?? 0) + 1;
    changedAt.calls = i;
    if (r.call === 'accept' && ret !== null && typeof r.created === 'string') {
      connOf.set(r.created, `connection ${++accepted}`);
    } else if (r.call === 'read' && ret !== null && ret > 0) {
      const c = conn(r.name);
      if (c) {
        read[c] = (read[c] ?? 0) + ret;
        changedAt.read = i;
      }
    } else if (r.call === 'epollCtl' && r.err === undefined) {
      const a = r.args as { op?: unknown; events?: unknown };
      const c = conn(targetName(r));
      if (!c) continue;
      const on = a.op !== 'DEL' && typeof a.events === 'string' && a.events.split('|').includes('EPOLLOUT');
      if (on !== outOn.has(c)) {
        if (on) outOn.add(c);
        else outOn.delete(c);
        changedAt.epollout = i;
      }
    } else if (r.call === 'close' && r.err === undefined) {
      const c = conn(r.name);
      if (c && outOn.delete(c)) changedAt.epollout = i;
    }
  }
  snapshot();
  return steps;
}

const bytes = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

function describeMap(m: Record<string, number>): string {
  const keys = Object.keys(m).sort();
  if (keys.length === 0) return 'none';
  return keys.map((k) => `${k} ${bytes.format(m[k] as number)} B`).join(', ');
}

function describe(f: Facet, s: StepFacts, other: StepFacts): string {
  switch (f) {
    case 'calls': {
      // The calls whose counts differ from the other run's.
      const names = [...new Set([...Object.keys(s.calls), ...Object.keys(other.calls)])].filter((k) => (s.calls[k] ?? 0) !== (other.calls[k] ?? 0)).sort();
      return names.map((k) => `${k} ×${bytes.format(s.calls[k] ?? 0)}`).join(', ');
    }
    case 'delivered':
      return describeMap(s.delivered);
    case 'read':
      return describeMap(s.read);
    case 'epollout':
      return s.epollout.length === 0 ? 'on for no connection' : `on for ${s.epollout.join(', ')}`;
    case 'wasted-wakeups':
      return `${s.wastedWakeups} so far`;
    case 'dropped':
      return `${s.drops} drop${s.drops === 1 ? '' : 's'} so far`;
    case 'closed':
      return s.closed.length === 0 ? 'none' : s.closed.join('; ');
    case 'steps':
      return '';
  }
}

function sameMap(x: Record<string, number>, y: Record<string, number>): boolean {
  const kx = Object.keys(x).filter((k) => x[k] !== 0);
  const ky = Object.keys(y).filter((k) => y[k] !== 0);
  return kx.length === ky.length && kx.every((k) => x[k] === y[k]);
}

function differs(f: Facet, a: StepFacts, b: StepFacts): boolean {
  switch (f) {
    case 'delivered':
      return !sameMap(a.delivered, b.delivered);
    case 'read':
      return !sameMap(a.read, b.read);
    case 'epollout':
      return a.epollout.join() !== b.epollout.join();
    case 'wasted-wakeups':
      return a.wastedWakeups !== b.wastedWakeups;
    case 'calls':
      return !sameMap(a.calls, b.calls);
    case 'dropped':
      return a.drops !== b.drops;
    case 'closed':
      return a.closed.join('\n') !== b.closed.join('\n');
    case 'steps':
      return false;
  }
}

/** The facets of what happens; the calls that make it happen are looked at only when these agree. */
const OUTCOMES = Object.keys(FACET_LABELS).filter((f) => f !== 'steps' && f !== 'calls') as Facet[];

/**
 * The records to look at in step k: where the facet changed on each side.
 * A side where it did not change (the other did something this one did not)
 * gets the point of its own step as far in as the other's change is in the
 * other's, so that the two records can be lined up without crossing a step.
 */
function divergenceAt(k: number, sa: StepFacts[], sb: StepFacts[], nA: number, nB: number, facets: Facet[]): BehaviourDivergence {
  const x = sa[k] as StepFacts;
  const y = sb[k] as StepFacts;
  const facet = facets[0] as Facet;
  const endA = (sa[k + 1]?.start ?? nA) - 1;
  const endB = (sb[k + 1]?.start ?? nB) - 1;
  const ca = x.changedAt[facet];
  const cb = y.changedAt[facet];
  const indexA = ca ?? (cb !== undefined ? Math.min(endA, x.start + (cb - y.start)) : x.start);
  const indexB = cb ?? (ca !== undefined ? Math.min(endB, y.start + (ca - x.start)) : y.start);
  return { step: k, facets, facet, a: describe(facet, x, y), b: describe(facet, y, x), indexA: Math.max(x.start, indexA), indexB: Math.max(y.start, indexB) };
}

/**
 * The first step where the two runs behave differently, or null when they
 * behave alike throughout. Outcomes first: a step where only the reactor's
 * calls differ (the tutorial reads 1 KiB at a time, edgeloop 64 KiB) is the
 * divergence only when the outcomes never differ; otherwise it would hide
 * the lesson in every pairing with the tutorial.
 */
export function firstBehaviourDivergence(a: RecordList | readonly TraceRecord[], b: RecordList | readonly TraceRecord[]): BehaviourDivergence | null {
  return behaviourDivergenceOf(behaviourSteps(a), behaviourSteps(b), a.length, b.length);
}

/** firstBehaviourDivergence() on runs already cut into steps (behaviourSteps), of nA and nB records. */
export function behaviourDivergenceOf(sa: StepFacts[], sb: StepFacts[], nA: number, nB: number): BehaviourDivergence | null {
  const n = Math.min(sa.length, sb.length);
  for (let k = 0; k < n; k++) {
    const x = sa[k] as StepFacts;
    const y = sb[k] as StepFacts;
    const facets = OUTCOMES.filter((f) => differs(f, x, y));
    if (facets.length > 0) return divergenceAt(k, sa, sb, nA, nB, differs('calls', x, y) ? [...facets, 'calls'] : facets);
  }
  if (sa.length === sb.length) {
    for (let k = 0; k < n; k++) {
      const x = sa[k] as StepFacts;
      const y = sb[k] as StepFacts;
      if (differs('calls', x, y)) return divergenceAt(k, sa, sb, nA, nB, ['calls']);
    }
    return null;
  }
  // Alike as far as both go: one run takes more steps.
  const last = (s: StepFacts[]): StepFacts => s[Math.min(n, s.length - 1)] as StepFacts;
  return {
    step: n,
    facets: ['steps'],
    facet: 'steps',
    a: `${sa.length - 1} steps`,
    b: `${sb.length - 1} steps`,
    indexA: last(sa).start,
    indexB: last(sb).start,
  };
}
