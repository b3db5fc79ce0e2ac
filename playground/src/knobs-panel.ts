// What the next run will be: the scenario (a built-in, or the document last
// edited), its explanation, the knobs that override its options, and the
// variant to compare with. The knobs are read back through the same
// validation as a scenario document, so a bad value gets the schema's own
// message beside its field and never reaches a run. The explanation's
// phrases that name a moment of the run (the document's momentLinks) are
// links to it.
import {
  builtinScenario,
  listBuiltinScenarios,
  triggerFits,
  validateScenarioOptions,
  VARIANTS,
  type BuiltinScenarioInfo,
  type ScenarioDocument,
  type ScenarioOptions,
  type MomentLink,
  type MomentName,
  type MutantName,
  type VariantName,
  JS_APP_NAMES,
} from '../../src/browser.js';
import { field, h, replace, select, type Child } from './dom.js';
import { MOMENT_INFO } from './moments.js';

/** The wasm build has no mutants (a test-only native build): the picker offers the three variants. */
const VARIANT_TEXT: Record<Exclude<VariantName, MutantName>, string> = {
  edgeloop: 'edgeloop (the fix)',
  'day26-as-written': 'day26-as-written (tutorial: EPOLLOUT never off, ET lost)',
  'day25-write-all': 'day25-write-all (tutorial: write all, drop the rest)',
};
/** The picker's entry for an edited document: not a built-in's name, so it never collides with one. */
const CUSTOM = '__custom__';

type Knob = HTMLInputElement | HTMLSelectElement;
type KnobName = 'family' | 'variant' | 'app' | 'bulk' | 'sndbuf' | 'rcvbuf' | 'peerReadRate' | 'highWaterMark' | 'maxConnections' | 'seed' | 'trigger';

/** The knob each validation path belongs to, for the message beside it. */
const KNOB_OF_PATH: Record<string, KnobName> = {
  'options.family': 'family',
  'options.variant': 'variant',
  'options.app': 'app',
  'options.app.bulk': 'bulk',
  'options.sndbuf': 'sndbuf',
  'options.rcvbuf': 'rcvbuf',
  'options.peerReadRate': 'peerReadRate',
  'options.highWaterMark': 'highWaterMark',
  'options.maxConnections': 'maxConnections',
  'options.seed': 'seed',
  'options.trigger': 'trigger',
};

export type ExplanationPart = 'explanation' | 'contrast';

export interface KnobsPanelHooks {
  /** A scenario was picked, the knobs submitted, or variant B changed in compare mode. */
  run(): void;
  compareToggled(): void;
  /** A phrase of the explanation was clicked: go to the moment it names, in the run of `variant` (the one the text is about) if there is one. */
  gotoMoment(name: MomentName, variant: VariantName): void;
  /**
   * Whether the runs on screen have that moment ('here'), do not ('absent': a link to nothing says so instead of
   * jumping nowhere), or the variant the phrase is about is not on screen yet ('run': the click runs it beside).
   */
  momentState(name: MomentName, variant: VariantName): 'here' | 'absent' | 'run';
}

/**
 * The text with each linked phrase (its first occurrence) made a link to
 * its moment (an in-page link: it moves the view, as a link does; an
 * anchor also wraps with the sentence, which a button does not).
 */
function linkify(text: string, links: readonly MomentLink[], part: ExplanationPart): Child[] {
  const spans: Array<{ at: number; end: number; link: MomentLink }> = [];
  for (const link of links) {
    const at = text.indexOf(link.text);
    if (at < 0 || spans.some((x) => at < x.end && x.at < at + link.text.length)) continue;
    spans.push({ at, end: at + link.text.length, link });
  }
  spans.sort((a, b) => a.at - b.at);
  const out: Child[] = [];
  let pos = 0;
  for (const { at, end, link } of spans) {
    out.push(text.slice(pos, at));
    out.push(
      h('a', {
        class: 'moment-link',
        attrs: { href: `#moment-${link.moment}` },
        dataset: { moment: link.moment, part },
        text: text.slice(at, end),
      }),
    );
    pos = end;
  }
  out.push(text.slice(pos));
  return out;
}

export class KnobsPanel {
  /** For the header: the scenario picker. */
  readonly scenarioField: HTMLElement;
  /** For the header: compare on/off and variant B. */
  readonly compareField: HTMLElement;
  /** For the sidebar: the scenario's explanation. */
  readonly about: HTMLElement;
  /** For the sidebar: the knobs form and the errors that belong to no knob. */
  readonly knobsSection: HTMLElement;
  private readonly builtins: BuiltinScenarioInfo[] = listBuiltinScenarios();
  private custom: ScenarioDocument | null = null;
  private builtin: string;
  private readonly picker: HTMLSelectElement;
  private readonly compareBox: HTMLInputElement;
  private readonly compareVariant: HTMLSelectElement;
  private readonly form: HTMLFormElement;
  private readonly knobs: Record<KnobName, Knob>;
  private readonly knobErrors: HTMLElement;
  private readonly changedNote: HTMLElement;

  constructor(private readonly hooks: KnobsPanelHooks) {
    this.builtin = this.builtins[0]?.name ?? '';
    this.picker = h(
      'select',
      { id: 'scenario', on: { change: () => this.pick(this.picker.value) } },
      ...this.builtins.map((b) => h('option', { attrs: { value: b.name }, text: b.title })),
    );
    this.scenarioField = h('div', { class: 'field inline' }, h('label', { attrs: { for: 'scenario' }, text: 'Scenario' }), this.picker);
    this.compareBox = h('input', { id: 'compare', attrs: { type: 'checkbox' }, on: { change: () => hooks.compareToggled() } });
    this.compareVariant = h(
      'select',
      {
        id: 'compare-variant',
        attrs: { 'aria-label': 'Variant B: the variant to compare with' },
        on: {
          change: () => {
            if (this.compareBox.checked) hooks.run();
          },
        },
      },
      ...VARIANTS.map((v) => h('option', { attrs: { value: v }, text: v })),
    );
    this.compareField = h('div', { class: 'field inline' }, this.compareBox, h('label', { attrs: { for: 'compare' }, text: 'Compare with' }), this.compareVariant);

    this.about = h('section', { id: 'about', class: 'about', attrs: { 'aria-label': 'about this scenario' } });
    this.about.addEventListener('click', (ev) => {
      const link = (ev.target as HTMLElement).closest<HTMLElement>('.moment-link');
      if (!link) return;
      // The page's own navigation: the address (a share link's place) stays as it is.
      ev.preventDefault();
      if (link.getAttribute('aria-disabled') === 'true') return;
      hooks.gotoMoment(link.dataset.moment as MomentName, this.variantOf(link.dataset.part as ExplanationPart));
    });
    this.knobErrors = h('div', { id: 'knob-errors', class: 'knob-errors', attrs: { role: 'alert' } });
    this.knobs = makeKnobs();
    this.changedNote = h('p', { id: 'knobs-changed', class: 'knobs-changed', attrs: { hidden: true, role: 'status' }, text: 'Knobs changed: press Run (or Enter) to apply them.' });
    this.form = this.buildForm();
    this.knobsSection = h('section', { class: 'knobs', attrs: { 'aria-label': 'knobs' } }, h('h2', { text: 'Knobs' }), this.form, this.knobErrors);
    this.renderAbout();
    this.fillKnobs();
  }

  private buildForm(): HTMLFormElement {
    const k = this.knobs;
    k.app.addEventListener('change', () => {
      (k.bulk as HTMLInputElement).disabled = k.app.value !== 'bulk';
    });
    k.variant.addEventListener('change', () => this.syncTrigger());
    const form = h(
      'form',
      { id: 'knob-form', class: 'knob-form', attrs: { novalidate: true } },
      field('Family', k.family),
      field('Reactor variant', k.variant),
      field('App', k.app),
      field('Bulk bytes', k.bulk),
      field('Server SO_SNDBUF (bytes)', k.sndbuf, 'Linux doubles it (the gauges show the doubled value); on TCP, setting it turns off autotuning'),
      field('Server SO_RCVBUF (bytes)', k.rcvbuf, 'Linux doubles it (the gauges show the doubled value); on TCP, setting it turns off autotuning; AF_UNIX stream sockets do not use it (the sender’s SO_SNDBUF bounds the queue)'),
      field('Peer read rate (bytes/step)', k.peerReadRate),
      field('High-water mark (bytes)', k.highWaterMark),
      field('Max connections', k.maxConnections, 'Connections past the limit are accepted and closed at once (never left queued under ET).'),
      field('Seed', k.seed),
      field(
        'Trigger mode',
        k.trigger,
        'Edge (EPOLLET): each epoll_wait reports a socket once for all its wakeups since the last report, so the reactor reads and accepts until EAGAIN. Level: epoll_wait reports it while it is ready, so one read or accept per report is enough. The tutorial variants run as written (day26-as-written is level-triggered anyway: its short events drop EPOLLET).',
      ),
      h('button', { class: 'primary', attrs: { type: 'submit' }, text: 'Run with these knobs' }),
    );
    form.append(this.changedNote);
    // A changed knob applies only on Run: a run per keystroke would replace the trace being read.
    form.addEventListener('change', () => {
      this.changedNote.hidden = false;
    });
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.hooks.run();
    });
    return form;
  }

  // ---- the scenario ----

  /** The edited document, or null while a built-in is picked. */
  get customDoc(): ScenarioDocument | null {
    return this.custom;
  }

  /** The picked built-in's name (still set while an edited document is in use). */
  get scenarioName(): string {
    return this.builtin;
  }

  get builtinNames(): string[] {
    return this.builtins.map((b) => b.name);
  }

  currentDoc(): ScenarioDocument {
    return this.custom ?? builtinScenario(this.builtin);
  }

  /** For file names: the edited document's name or the built-in's. */
  scenarioLabel(): string {
    return this.custom ? this.custom.name : this.builtin;
  }

  private pick(name: string): void {
    if (name === CUSTOM) return;
    this.useBuiltin(name);
    this.fillKnobs();
    this.hooks.run();
  }

  /** Switches to a built-in scenario (the knobs are left as they are). */
  useBuiltin(name: string): void {
    this.custom = null;
    this.picker.querySelector(`option[value="${CUSTOM}"]`)?.remove();
    this.builtin = name;
    this.picker.value = name;
    this.renderAbout();
  }

  /** Switches to an edited document; the knobs take its options. */
  useCustom(doc: ScenarioDocument): void {
    this.custom = doc;
    let opt = this.picker.querySelector<HTMLOptionElement>(`option[value="${CUSTOM}"]`);
    if (!opt) {
      opt = h('option', { attrs: { value: CUSTOM } });
      this.picker.prepend(opt);
    }
    opt.textContent = `Edited: ${doc.title}`;
    this.picker.value = CUSTOM;
    this.renderAbout();
    this.fillKnobs();
  }

  /** Shows the scenario's explanation (an imported trace puts its own text in `about` until the next run). */
  renderAbout(): void {
    const d = this.currentDoc();
    const links = d.momentLinks ?? [];
    const children: HTMLElement[] = [
      h('h2', { text: d.title }),
      h('p', { class: 'explanation' }, ...linkify(d.explanation, links, 'explanation')),
    ];
    if (d.contrast) {
      children.push(h('p', { class: 'contrast' }, h('strong', { text: `Contrast (${d.contrast.variant}): ` }), ...linkify(d.contrast.explanation, links, 'contrast')));
    }
    if (links.length) children.push(h('p', { class: 'muted small', text: 'Underlined phrases are links: each takes you to that moment of the run.' }));
    if (this.custom) children.push(h('p', { class: 'muted', text: 'An edited scenario (not from the built-in catalogue).' }));
    replace(this.about, ...children);
    this.refreshMomentLinks();
  }

  /** The variant a part of the text is about: the scenario's own for its explanation, the contrast's for the contrast's. */
  private variantOf(part: ExplanationPart): VariantName {
    const d = this.currentDoc();
    return part === 'contrast' && d.contrast ? d.contrast.variant : (d.options.variant ?? 'edgeloop');
  }

  /** Marks each explanation link by whether the runs on screen have its moment. */
  refreshMomentLinks(): void {
    for (const link of this.about.querySelectorAll<HTMLElement>('.moment-link')) {
      const name = link.dataset.moment as MomentName;
      const variant = this.variantOf(link.dataset.part as ExplanationPart);
      const state = this.hooks.momentState(name, variant);
      link.setAttribute('aria-disabled', String(state === 'absent'));
      link.dataset.state = state;
      link.title =
        state === 'here'
          ? `Go to the moment: ${MOMENT_INFO[name].label}`
          : state === 'run'
            ? `Runs ${variant} beside this run (compare) and goes to its moment: ${MOMENT_INFO[name].label}`
            : `Not in this run: ${MOMENT_INFO[name].label} does not happen with these knobs and variant`;
    }
  }

  // ---- compare ----

  /** Variant B when compare mode is on, else null. */
  get compare(): VariantName | null {
    return this.compareBox.checked ? (this.compareVariant.value as VariantName) : null;
  }

  setCompare(variant: VariantName | null): void {
    this.compareBox.checked = variant !== null;
    if (variant) this.compareVariant.value = variant;
  }

  // ---- the knobs ----

  /** Fills the knobs from the scenario's options (and overrides, from a link). */
  fillKnobs(over: Partial<ScenarioOptions> = {}): void {
    const o = { ...this.currentDoc().options, ...over };
    const k = this.knobs;
    (k.family as HTMLSelectElement).value = o.family;
    (k.variant as HTMLSelectElement).value = o.variant ?? 'edgeloop';
    if (typeof o.app === 'object' && 'js' in o.app) {
      // A user's own app ('custom') cannot run here: its handlers are not in the document.
      (k.app as HTMLSelectElement).value = `js:${o.app.js}`;
      (k.bulk as HTMLInputElement).value = '';
    } else if (typeof o.app === 'object') {
      (k.app as HTMLSelectElement).value = 'bulk';
      (k.bulk as HTMLInputElement).value = String(o.app.bulk);
    } else {
      (k.app as HTMLSelectElement).value = o.app;
      (k.bulk as HTMLInputElement).value = '';
    }
    (k.bulk as HTMLInputElement).disabled = k.app.value !== 'bulk';
    (k.sndbuf as HTMLInputElement).value = o.sndbuf === undefined ? '' : String(o.sndbuf);
    (k.rcvbuf as HTMLInputElement).value = o.rcvbuf === undefined ? '' : String(o.rcvbuf);
    (k.peerReadRate as HTMLInputElement).value = o.peerReadRate === undefined ? '' : String(o.peerReadRate);
    (k.highWaterMark as HTMLInputElement).value = o.highWaterMark === undefined ? '' : String(o.highWaterMark);
    (k.maxConnections as HTMLInputElement).value = o.maxConnections === undefined ? '' : String(o.maxConnections);
    (k.seed as HTMLInputElement).value = String(o.seed ?? 1);
    (k.trigger as HTMLSelectElement).value = o.trigger ?? 'edge';
    this.syncTrigger();
    this.showKnobErrors([]);
    // Variant B defaults to the scenario's contrast: the variant the scenario exists to show wrong.
    const contrast = this.currentDoc().contrast?.variant;
    const own = (o.variant ?? 'edgeloop') as VariantName;
    this.compareVariant.value = contrast && contrast !== own ? contrast : (VARIANTS.find((v) => v !== own) as VariantName);
  }

  /** The trigger knob is the edgeloop variant's: for the tutorial's it shows edge, disabled. */
  private syncTrigger(): void {
    const trigger = this.knobs.trigger as HTMLSelectElement;
    const own = triggerFits('level', this.knobs.variant.value as VariantName);
    if (!own) trigger.value = 'edge';
    trigger.disabled = !own;
    trigger.title = own ? '' : 'The tutorial variants run as written; the trigger mode is the edgeloop reactor\'s option.';
  }

  /** The knobs as scenario options (validated); null with the errors shown beside their fields. */
  readKnobs(): Partial<ScenarioOptions> | null {
    const k = this.knobs;
    // A non-number stays text, so the validator names the field instead of the knob quietly dropping it.
    const numOf = (el: Knob): number | string | undefined => {
      const v = (el as HTMLInputElement).value.trim();
      if (v === '') return undefined;
      const n = Number(v);
      return Number.isFinite(n) ? n : v;
    };
    const raw: Record<string, unknown> = { family: k.family.value, variant: k.variant.value };
    raw.trigger = k.trigger.value;
    raw.app = k.app.value === 'bulk' ? { bulk: numOf(k.bulk) ?? 0 } : k.app.value.startsWith('js:') ? { js: k.app.value.slice(3) } : k.app.value;
    for (const key of ['sndbuf', 'rcvbuf', 'peerReadRate', 'highWaterMark', 'maxConnections', 'seed'] as const) {
      const v = numOf(k[key]);
      if (v !== undefined) raw[key] = v;
    }
    const v = validateScenarioOptions(raw);
    if (!v.ok) {
      this.showKnobErrors(v.errors.map((e) => ({ path: e.path, message: e.message })));
      return null;
    }
    this.showKnobErrors([]);
    return v.options;
  }

  /**
   * Brings the first invalid knob into view with the focus on it (its message
   * is part of its description), and returns its label for the banner.
   */
  revealFirstError(): string | null {
    const input = this.form.querySelector<HTMLElement>('[aria-invalid="true"]');
    if (!input) return null;
    const message = input.parentElement?.querySelector<HTMLElement>('.field-error') ?? null;
    input.focus();
    (message ?? input).scrollIntoView({ block: 'nearest' });
    return input.parentElement?.querySelector('label')?.textContent ?? null;
  }

  /** A run applied the knobs: the "changed" note no longer holds. */
  markApplied(): void {
    this.changedNote.hidden = true;
  }

  private showKnobErrors(errors: Array<{ path: string; message: string }>): void {
    for (const el of this.form.querySelectorAll('.field-error')) el.remove();
    for (const el of this.form.querySelectorAll('[aria-invalid]')) {
      el.removeAttribute('aria-invalid');
      const described = (el.getAttribute('aria-describedby') ?? '').split(' ').filter((x) => x !== '' && x !== `${el.id}-error`);
      if (described.length) el.setAttribute('aria-describedby', described.join(' '));
      else el.removeAttribute('aria-describedby');
    }
    const loose: string[] = [];
    for (const e of errors) {
      const name = KNOB_OF_PATH[e.path];
      const input = name ? this.knobs[name] : null;
      if (input) {
        input.setAttribute('aria-invalid', 'true');
        const id = `${input.id}-error`;
        input.parentElement?.append(h('div', { class: 'field-error', id, dataset: { path: e.path }, text: `⚠ ${e.message}` }));
        // The message is read with the field when the focus lands on it.
        const described = (input.getAttribute('aria-describedby') ?? '').split(' ').filter((x) => x !== '' && x !== id);
        input.setAttribute('aria-describedby', [...described, id].join(' '));
      } else loose.push(`${e.path}: ${e.message}`);
    }
    replace(this.knobErrors, ...loose.map((t) => h('p', { class: 'field-error', text: `⚠ ${t}` })));
  }
}

function makeKnobs(): Record<KnobName, Knob> {
  const numIn = (id: string, placeholder: string): HTMLInputElement =>
    h('input', { id, attrs: { type: 'number', min: 1, step: 1, placeholder, inputmode: 'numeric' } });
  return {
    family: select('k-family', [
      ['unix', 'unix (AF_UNIX stream)'],
      ['tcp', 'tcp (127.0.0.1)'],
    ]),
    variant: select('k-variant', VARIANTS.map((v) => [v, VARIANT_TEXT[v as Exclude<VariantName, MutantName>] ?? v])),
    app: select('k-app', [
      ['echo', 'echo'],
      ['discard', 'discard'],
      ['bulk', 'bulk (send N bytes on connect)'],
      ...JS_APP_NAMES.map((n): [string, string] => [`js:${n}`, `${n} (JS handlers)`]),
    ]),
    bulk: numIn('k-bulk', 'bytes'),
    sndbuf: numIn('k-sndbuf', 'kernel default'),
    rcvbuf: numIn('k-rcvbuf', 'kernel default'),
    peerReadRate: numIn('k-rate', 'all available'),
    highWaterMark: numIn('k-hwm', '4194304 (4 MiB)'),
    maxConnections: numIn('k-maxconn', 'no limit'),
    seed: h('input', { id: 'k-seed', attrs: { type: 'number', min: 0, max: 4294967295, step: 1, inputmode: 'numeric' } }),
    trigger: select('k-trigger', [
      ['edge', 'edge-triggered (EPOLLET)'],
      ['level', 'level-triggered'],
    ]),
  };
}
