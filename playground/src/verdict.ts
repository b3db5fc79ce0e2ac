// What a run demonstrates, said the way the scenario means it. A scenario's
// expectations describe one variant (its own: the tutorial's bug or
// edgeloop's fix); its contrast is the variant they do not describe. So
// "the expectations held" is the lesson for the scenario's own variant and
// "they failed" is the lesson for the contrast: neither is a pass or a
// failure of the code. What is a failure: the scenario's own variant, with
// the scenario's own settings, not doing what the scenario says. And knobs
// that differ from the scenario's change what it shows: expectations that
// no longer hold then say nothing against the code, and the page says so.
import type { ScenarioDocument, ScenarioOptions, VariantName } from '../../src/browser.js';

export type VerdictKind = 'bug' | 'fix' | 'knobs' | 'unexpected' | 'other';

export interface KnobChange {
  knob: string;
  /** The scenario's value, as text. */
  scenario: string;
  /** The value the run used. */
  run: string;
}

export interface Verdict {
  kind: VerdictKind;
  /** For the side's header: "Shows the bug". */
  headline: string;
  /** One or two sentences: what the run shows and why the page says so. */
  detail: string;
  changes: KnobChange[];
}

export interface VerdictInput {
  doc: ScenarioDocument;
  /** The variant the run used. */
  variant: VariantName;
  /** Every expectation held and the script ran through. */
  ok: boolean;
  /** How many failures the run reported (expectations, script steps, limits, invariants). */
  failures: number;
  /** The knobs the run used over the document's options (the variant is `variant`). */
  knobs: Partial<ScenarioOptions>;
}

const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

const KNOB_LABEL: Record<string, string> = {
  family: 'family',
  app: 'app',
  sndbuf: 'server SO_SNDBUF',
  rcvbuf: 'server SO_RCVBUF',
  peerReadRate: 'peer read rate',
  highWaterMark: 'high-water mark',
  maxConnections: 'max connections',
  seed: 'seed',
  trigger: 'trigger mode',
};

function show(key: string, v: unknown): string {
  if (v === undefined) return key === 'maxConnections' ? 'no limit' : 'the default';
  if (typeof v === 'number') return int.format(v);
  if (typeof v === 'string') return v;
  if (typeof v === 'object' && v !== null && 'bulk' in v) return `bulk ${int.format((v as { bulk: number }).bulk)} B`;
  if (typeof v === 'object' && v !== null && 'js' in v) return `${String((v as { js: unknown }).js)} (JS handlers)`;
  return JSON.stringify(v);
}

/** What the run's knobs change from the document's options (the variant aside: it has its own story). */
export function knobChanges(doc: ScenarioDocument, knobs: Partial<ScenarioOptions>, variant: VariantName): KnobChange[] {
  const o = doc.options as Partial<ScenarioOptions>;
  const out: KnobChange[] = [];
  const defaults: Partial<Record<string, unknown>> = { seed: 1, trigger: 'edge' };
  for (const key of Object.keys(KNOB_LABEL)) {
    // A knob left empty is not passed: the run keeps the document's value.
    if ((knobs as Record<string, unknown>)[key] === undefined) continue;
    // The trigger mode is the edgeloop reactor's option: the tutorial's variants run as written.
    if (key === 'trigger' && variant !== 'edgeloop') continue;
    const want = (o as Record<string, unknown>)[key] ?? defaults[key];
    const got = (knobs as Record<string, unknown>)[key] ?? defaults[key];
    if (JSON.stringify(want) !== JSON.stringify(got)) out.push({ knob: KNOB_LABEL[key] as string, scenario: show(key, want), run: show(key, got) });
  }
  return out;
}

function listChanges(changes: KnobChange[], side: 'scenario' | 'run'): string {
  return changes.map((c) => `${c.knob} ${side === 'scenario' ? c.scenario : c.run}`).join(', ');
}

/** The tutorial's variants are the bugs the scenarios show; edgeloop is the fix. */
function lesson(variant: VariantName): 'bug' | 'fix' {
  return variant === 'edgeloop' ? 'fix' : 'bug';
}

export function verdictOf(input: VerdictInput): Verdict {
  const { doc, variant, ok, failures } = input;
  const own = doc.options.variant ?? 'edgeloop';
  const contrast = doc.contrast?.variant ?? null;
  const changes = knobChanges(doc, input.knobs, variant);
  const n = doc.expect.length;
  const expectations = `${int.format(n)} expectation${n === 1 ? '' : 's'}`;
  const failed = `${int.format(failures)} check${failures === 1 ? '' : 's'}`;
  const written = `its expectations were written for ${listChanges(changes, 'scenario')}`;
  const shows = (what: 'bug' | 'fix'): Pick<Verdict, 'kind' | 'headline'> => ({ kind: what, headline: what === 'bug' ? 'Shows the bug' : 'Shows the fix' });

  if (variant === own) {
    if (ok) {
      const also = changes.length ? ` Your knobs differ from the scenario’s (${listChanges(changes, 'run')}), and they still hold.` : '';
      const held = n === 0 ? 'the script ran through (the scenario has no expectations).' : `all ${expectations} held.`;
      return { ...shows(lesson(variant)), detail: `${variant} does what the scenario describes: ${held}${also}`, changes };
    }
    if (changes.length) {
      return {
        kind: 'knobs',
        headline: 'Knobs changed what it shows',
        detail: `These knobs change what the scenario shows; ${written}. With yours (${listChanges(changes, 'run')}), ${failed} did not hold: they describe the scenario’s settings, so this is no verdict on ${variant}.`,
        changes,
      };
    }
    return {
      kind: 'unexpected',
      headline: 'Not what the scenario describes',
      detail: `With the scenario’s own settings, ${failed} failed: ${variant} did not do what the scenario says it does.`,
      changes,
    };
  }
  if (variant === contrast) {
    if (!ok) {
      const also = changes.length ? ` (Your knobs differ from the scenario’s: ${listChanges(changes, 'run')}.)` : '';
      return {
        ...shows(lesson(variant)),
        detail: `The scenario’s contrast: its expectations describe ${own}, and ${failed} did not hold for ${variant}, as the scenario intends.${also}`,
        changes,
      };
    }
    if (changes.length) {
      return {
        kind: 'knobs',
        headline: 'Knobs changed what it shows',
        detail: `These knobs change what the scenario shows; ${written}. With yours (${listChanges(changes, 'run')}), ${variant} meets the expectations written for ${own}, so the difference the scenario teaches does not appear.`,
        changes,
      };
    }
    return {
      kind: 'unexpected',
      headline: 'The contrast did not differ',
      detail: `${variant} is this scenario’s contrast, yet all the expectations written for ${own} held.`,
      changes,
    };
  }
  const about = contrast ? `${own} (and its contrast, ${contrast})` : own;
  return {
    kind: 'other',
    headline: `Written for ${own}`,
    detail: `This scenario’s expectations describe ${about}; with ${variant}, ${ok ? `all ${expectations} held` : `${failed} did not hold`}. That is neither the bug nor the fix it shows.`,
    changes,
  };
}

/** The headline with a mark that does not rely on colour. */
export function verdictMark(kind: VerdictKind): string {
  return { bug: '⚑', fix: '✔', knobs: 'ℹ', unexpected: '✘', other: '○' }[kind];
}
