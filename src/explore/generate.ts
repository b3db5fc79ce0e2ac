// Explore's generator: from a seed, a scenario document in the ordinary
// format (so `edgeloop replay`, the playground and --engine linux take it
// as it is) with server knobs, peers with action schedules, time passing and
// a `faults` section, ending in a `settle` under every invariant.
//
// fast-check generates and shrinks: its arbitraries shrink each part (fewer
// peers, fewer actions, fewer and smaller bytes, fewer faults) toward the
// smallest document that still fails, which is what makes a failure
// readable. The raw draw is a flat list of moves with peer *indexes*; one
// pure function (buildDocument) turns it into a valid document: a peer's
// first move connects it, and moves that make no sense where they fall (a
// write after its peer closed) are dropped. So every value a shrink tries is
// a valid document too (and shrinking a move away never breaks the rest).
// Browser-safe: no node: imports.
import fc from 'fast-check';

import { triggerFits } from '../reactor-options.js';
import type { Family, FaultSpec, HighWaterPolicy, TriggerMode, VariantName } from '../types.js';
import { JS_APP_NAMES, JS_APPS, messageStream, type ExploreJsApp, type JsAppName } from '../simulation/js-apps.js';
import {
  INVARIANT_NAMES,
  type ScenarioAction,
  type ScenarioApp,
  type ScenarioDocument,
  type ScenarioFault,
  type ScenarioOptions,
  type ScenarioPeer,
} from '../simulation/scenario-schema.js';

/** The apps a search can be restricted to: the built-in ones and the built-in JS-handler apps (js-apps.ts). */
export type ExploreAppName = 'echo' | 'discard' | 'bulk' | JsAppName;
export const EXPLORE_APPS: readonly ExploreAppName[] = Object.freeze(['echo', 'discard', 'bulk', ...JS_APP_NAMES]);

/** What a search is restricted to: the reactor under test, and optionally one family or app. */
export interface GeneratorFilter {
  variant: VariantName;
  family?: Family;
  /** One app ('custom': `jsApp`, a user's own handlers). */
  app?: ExploreAppName | 'custom';
  /** The user's app when `app` is 'custom': its message stream is what peers write. */
  jsApp?: ExploreJsApp;
}

/** Largest write of an app's message stream (text in the document). */
const MAX_MESSAGE_WRITE = 4096;

/** Steps each phase of the final settle may take. */
export const SETTLE_STEPS = 3000;
const MAX_PEERS = 4;
const MAX_MOVES = 40;
const MAX_FAULTS = 4;

// ---- the raw draw ----

type Move =
  | { kind: 'connect'; peer: number }
  | { kind: 'write'; peer: number; bytes: number }
  | { kind: 'flood'; peer: number; steps: number }
  | { kind: 'stopReading'; peer: number }
  | { kind: 'resumeReading'; peer: number }
  | { kind: 'halfClose'; peer: number }
  | { kind: 'close'; peer: number }
  | { kind: 'closeWithUnread'; peer: number }
  | { kind: 'step'; count: number }
  | { kind: 'advance'; ms: number }
  | { kind: 'stopAccepting' }
  | { kind: 'closeAll' };

type RawFault = { at: number; peer: number; spec: Omit<FaultSpec, 'conn'> };

interface Draw {
  family: Family;
  app: ScenarioApp;
  sndbuf: number | undefined;
  rcvbuf: number | undefined;
  highWaterMark: number | undefined;
  highWaterPolicy: HighWaterPolicy | undefined;
  trigger: TriggerMode | undefined;
  maxConnections: number | undefined;
  seed: number;
  peers: Array<{ readPerStep: number | undefined; reading: boolean }>;
  moves: Move[];
  faults: RawFault[];
}

const peerIndex = fc.nat({ max: MAX_PEERS - 1 });
/** Write sizes: most small (framing, partial reads), some around socket buffers, a few large. */
const writeBytes = fc.oneof(
  { arbitrary: fc.integer({ min: 1, max: 512 }), weight: 4 },
  { arbitrary: fc.integer({ min: 513, max: 65536 }), weight: 3 },
  { arbitrary: fc.integer({ min: 65537, max: 1 << 20 }), weight: 1 },
);

const move: fc.Arbitrary<Move> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('connect' as const), peer: peerIndex }), weight: 20 },
  { arbitrary: fc.record({ kind: fc.constant('write' as const), peer: peerIndex, bytes: writeBytes }), weight: 40 },
  { arbitrary: fc.record({ kind: fc.constant('flood' as const), peer: peerIndex, steps: fc.integer({ min: 1, max: 4 }) }), weight: 5 },
  { arbitrary: fc.record({ kind: fc.constant('stopReading' as const), peer: peerIndex }), weight: 10 },
  { arbitrary: fc.record({ kind: fc.constant('resumeReading' as const), peer: peerIndex }), weight: 10 },
  { arbitrary: fc.record({ kind: fc.constant('halfClose' as const), peer: peerIndex }), weight: 5 },
  { arbitrary: fc.record({ kind: fc.constant('close' as const), peer: peerIndex }), weight: 5 },
  { arbitrary: fc.record({ kind: fc.constant('closeWithUnread' as const), peer: peerIndex }), weight: 5 },
  { arbitrary: fc.record({ kind: fc.constant('step' as const), count: fc.integer({ min: 1, max: 12 }) }), weight: 30 },
  { arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 400 }) }), weight: 5 },
  { arbitrary: fc.record({ kind: fc.constant('stopAccepting' as const) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('closeAll' as const) }), weight: 1 },
);

function faultSpec(family: Family): fc.Arbitrary<Omit<FaultSpec, 'conn'>> {
  const kinds: Array<fc.WeightedArbitrary<Omit<FaultSpec, 'conn'>>> = [
    { arbitrary: fc.record({ fault: fc.constant('eintr' as const), count: fc.integer({ min: 1, max: 3 }) }), weight: 3 },
    {
      arbitrary: fc.record({
        fault: fc.constant('acceptError' as const),
        errno: fc.constantFrom('EMFILE' as const, 'ENFILE' as const, 'ECONNABORTED' as const, 'ENOMEM' as const),
        count: fc.integer({ min: 1, max: 2 }),
      }),
      weight: 3,
    },
    { arbitrary: fc.record({ fault: fc.constant('shortWrite' as const), maxBytes: fc.integer({ min: 1, max: 4096 }), count: fc.integer({ min: 1, max: 6 }) }), weight: 3 },
    {
      arbitrary: fc.record({
        fault: fc.constant('spuriousWakeup' as const),
        events: fc.constantFrom('EPOLLIN' as const, 'EPOLLOUT' as const, 'EPOLLIN|EPOLLOUT' as const),
        count: fc.integer({ min: 1, max: 2 }),
      }),
      weight: 3,
    },
    { arbitrary: fc.record({ fault: fc.constant('nofile' as const), limit: fc.integer({ min: 8, max: 16 }) }), weight: 1 },
  ];
  if (family === 'tcp') kinds.push({ arbitrary: fc.record({ fault: fc.constant('delayedAck' as const), ms: fc.integer({ min: 36, max: 40 }) }), weight: 1 });
  return fc.oneof(...kinds);
}

const maybe = <T>(a: fc.Arbitrary<T>, freq = 2): fc.Arbitrary<T | undefined> => fc.option(a, { nil: undefined, freq });

function drawArbitrary(filter: GeneratorFilter): fc.Arbitrary<Draw> {
  const family = filter.family ? fc.constant(filter.family) : fc.constantFrom<Family>('unix', 'tcp');
  const f = filter.app;
  const app: fc.Arbitrary<ScenarioApp> =
    f === 'echo' || f === 'discard'
      ? fc.constant(f)
      : f === 'bulk'
        ? fc.integer({ min: 1, max: 1 << 20 }).map((bulk) => ({ bulk }))
        : f !== undefined
          ? fc.constant({ js: f })
          : fc.oneof(
              { arbitrary: fc.constant<ScenarioApp>('echo'), weight: 6 },
              { arbitrary: fc.constant<ScenarioApp>('discard'), weight: 1 },
              { arbitrary: fc.integer({ min: 1, max: 1 << 20 }).map((bulk): ScenarioApp => ({ bulk })), weight: 2 },
              { arbitrary: fc.constant<ScenarioApp>({ js: 'line-server' }), weight: 2 },
              { arbitrary: fc.constant<ScenarioApp>({ js: 'producer' }), weight: 1 },
            );
  const buffer = fc.constantFrom(4608, 8192, 16384, 65536, 212992);
  const levelOk = triggerFits('level', filter.variant);
  return family.chain((fam) =>
    fc.record({
      family: fc.constant(fam),
      app,
      sndbuf: maybe(buffer),
      rcvbuf: maybe(buffer),
      highWaterMark: maybe(fc.constantFrom(4096, 16384, 65536, 262144)),
      highWaterPolicy: maybe(fc.constantFrom<HighWaterPolicy>('pause-reading', 'close'), 4),
      trigger: levelOk ? maybe(fc.constantFrom<TriggerMode>('edge', 'level'), 2) : fc.constant(undefined),
      maxConnections: maybe(fc.integer({ min: 1, max: 3 }), 6),
      seed: fc.nat({ max: 0xffff }),
      peers: fc.array(fc.record({ readPerStep: maybe(fc.constantFrom(1, 7, 100, 4096, 65536)), reading: fc.boolean() }), {
        minLength: 1,
        maxLength: MAX_PEERS,
      }),
      moves: fc.array(move, { minLength: 6, maxLength: MAX_MOVES, size: 'max' }),
      faults: fc.array(fc.record({ at: fc.nat({ max: MAX_MOVES * 2 }), peer: peerIndex, spec: faultSpec(fam) }), { maxLength: MAX_FAULTS }),
    }),
  );
}

// ---- from the draw to a document ----

/** The draw as a valid scenario document: moves that cannot run where they fall are dropped. */
export function buildDocument(d: Draw, filter: GeneratorFilter, name: string): ScenarioDocument {
  const options: ScenarioOptions = { family: d.family, app: d.app, variant: filter.variant, seed: d.seed };
  if (d.sndbuf !== undefined) options.sndbuf = d.sndbuf;
  if (d.rcvbuf !== undefined) options.rcvbuf = d.rcvbuf;
  if (d.highWaterMark !== undefined) options.highWaterMark = d.highWaterMark;
  if (d.highWaterPolicy !== undefined) options.highWaterPolicy = d.highWaterPolicy;
  if (d.trigger !== undefined) options.trigger = d.trigger;
  if (d.maxConnections !== undefined) options.maxConnections = d.maxConnections;
  const names = d.peers.map((_, i) => `p${i + 1}`);
  const peers: ScenarioPeer[] = d.peers.map((p, i) => {
    const out: ScenarioPeer = { name: names[i] as string };
    if (p.readPerStep !== undefined) out.readPerStep = p.readPerStep;
    if (!p.reading) out.reading = false;
    return out;
  });
  // A JS app's peers write its message stream, cut where the draw says.
  const js = typeof d.app === 'object' && 'js' in d.app ? (d.app.js === 'custom' ? filter.jsApp : JS_APPS[d.app.js]) : undefined;
  const streamAt = d.peers.map(() => 0);
  // Per peer: 0 not connected yet, 1 connected, 2 half-closed (may still read), 3 closed
  // (a connect then reconnects it). A move that cannot run where it falls is
  // dropped (a second connect while connected, a write after close).
  const state = d.peers.map(() => 0);
  const steps: ScenarioAction[] = [];
  let accepting = true;
  for (const m of d.moves) {
    if ('peer' in m) {
      if (m.peer >= d.peers.length) continue;
      const peer = names[m.peer] as string;
      // A peer's first move connects it (so a short draw still does something).
      if (state[m.peer] === 0 && m.kind !== 'connect') {
        state[m.peer] = 1;
        steps.push({ do: 'connect', peer });
      }
      const s = state[m.peer] as number;
      switch (m.kind) {
        case 'connect':
          // A closed peer connects again: a new connection, its stream from the start.
          if (s !== 0 && s !== 3) continue;
          state[m.peer] = 1;
          streamAt[m.peer] = 0;
          steps.push({ do: 'connect', peer });
          break;
        case 'write': {
          if (s !== 1) continue;
          if (!js) {
            steps.push({ do: 'write', peer, bytes: m.bytes });
            break;
          }
          const at = streamAt[m.peer] as number;
          const data = messageStream(js, at + Math.min(m.bytes, MAX_MESSAGE_WRITE)).slice(at);
          if (data === '') continue;
          streamAt[m.peer] = at + data.length;
          steps.push({ do: 'write', peer, data });
          break;
        }
        case 'flood':
          if (s !== 1 || js) continue;
          steps.push({ do: 'flood', peer, steps: m.steps });
          break;
        case 'stopReading':
        case 'resumeReading':
          if (s === 0 || s === 3) continue;
          steps.push({ do: m.kind, peer });
          break;
        case 'halfClose':
          if (s !== 1) continue;
          state[m.peer] = 2;
          steps.push({ do: 'shutdown', peer, how: 'WR' });
          break;
        case 'close':
        case 'closeWithUnread':
          if (s === 0 || s === 3) continue;
          state[m.peer] = 3;
          steps.push({ do: m.kind, peer });
          break;
      }
      continue;
    }
    switch (m.kind) {
      case 'step':
        steps.push(m.count === 1 ? { do: 'step' } : { do: 'step', count: m.count });
        break;
      case 'advance':
        steps.push({ do: 'advance', ms: m.ms });
        break;
      case 'stopAccepting':
        if (!accepting) continue;
        accepting = false;
        steps.push({ do: 'stopAccepting' });
        break;
      case 'closeAll':
        steps.push({ do: 'closeAll' });
        break;
    }
  }
  steps.push({ do: 'settle', maxSteps: SETTLE_STEPS });
  // Faults land on an action of the script (never the settle: it is where they must have stopped).
  const faults: ScenarioFault[] = [];
  const scriptActions = steps.length - 1;
  if (scriptActions > 0) {
    for (const f of d.faults) {
      const out: ScenarioFault = { ...f.spec, at: f.at % scriptActions };
      if (f.spec.fault === 'shortWrite' || f.spec.fault === 'spuriousWakeup') {
        if (f.peer >= d.peers.length) continue;
        out.peer = names[f.peer] as string;
      }
      faults.push(out);
    }
    faults.sort((a, b) => (a.at as number) - (b.at as number));
  }
  const doc: ScenarioDocument = {
    version: 1,
    name,
    title: `Explore: ${name}`,
    explanation:
      'Generated by edgeloop explore: peers and faults from a seed, ending in a settle where every invariant must hold. Replay it to see the trace of the first violation.',
    options,
    peers,
    steps,
    expect: [],
    invariants: [...INVARIANT_NAMES],
    limits: { maxSteps: 200_000 },
  };
  if (faults.length > 0) doc.faults = faults;
  return doc;
}

/** The search space for one filter: documents, shrinking toward smaller ones. */
export function scenarioArbitrary(filter: GeneratorFilter): fc.Arbitrary<ScenarioDocument> {
  if (filter.app === 'custom' && !filter.jsApp) throw new Error("generator: app 'custom' needs the jsApp");
  return drawArbitrary(filter).map((d) => buildDocument(d, filter, 'explored'));
}

/** The document of one seed (fast-check's first value for that seed: what a property run with that seed tries first). */
export function generateScenario(filter: GeneratorFilter, seed: number): ScenarioDocument {
  const [doc] = fc.sample(scenarioArbitrary(filter), { seed, numRuns: 1 });
  return doc as ScenarioDocument;
}
