// The playground: pick a scenario, turn the knobs, run it on the wasm
// reactor (in a worker), then walk the trace event by event, forward and
// back, with every view driven by the same trace and per-step snapshots.
import {
  builtinScenario,
  formatScenarioFailure,
  formatTraceRecord,
  listBuiltinScenarios,
  validateScenarioOptions,
  type BuiltinScenarioInfo,
  type ScenarioDocument,
  type ScenarioOptions,
  type VariantName,
} from '../../src/browser.js';
import { firstDivergence } from './compare.js';
import { byId, field, h, replace } from './dom.js';
import { ScenarioEditor } from './editor.js';
import { renderEpoll } from './epoll-view.js';
import { bytes, num, summary } from './format.js';
import { frameAt, type Frame } from './frames.js';
import { renderGauges } from './gauges.js';
import { Plot } from './plot.js';
import type { RunOutcome } from './run-protocol.js';
import { RunCancelled, RunInvalid, Runner } from './runner.js';
import { decodeLink, encodeLink, LinkError } from './share.js';
import { badgesOf, Timeline } from './timeline.js';
import { modelFromJsonl, TraceFormatError, TRACE_LIMITS, type TraceModel } from './trace-model.js';

const VARIANTS: readonly VariantName[] = ['edgeloop', 'day26-as-written', 'day25-write-all'];
const VARIANT_TEXT: Record<VariantName, string> = {
  edgeloop: 'edgeloop (the fix)',
  'day26-as-written': 'day26-as-written (tutorial: EPOLLOUT never off, ET lost)',
  'day25-write-all': 'day25-write-all (tutorial: write all, drop the rest)',
};
const SPEEDS = [1, 4, 16, 64, 256, 1024, 8192];
const DEFAULT_HWM = 4 * 1024 * 1024;
const MAX_IMPORT_BYTES = TRACE_LIMITS.maxChars;

interface Session {
  model: TraceModel;
  frames: Frame[] | null;
  outcome: RunOutcome | null;
  variant: VariantName | null;
  /** 'run' (made here) or the imported file's name. */
  source: 'run' | { file: string };
  stepEnds: number[];
  peakSendBuf: Map<number, number>;
  highWaterMark: number;
}

function makeSession(model: TraceModel, frames: Frame[] | null, outcome: RunOutcome | null, variant: VariantName | null, source: Session['source']): Session {
  const stepEnds = frames ? frames.slice(1).map((f) => f.records - 1).filter((i) => i >= 0 && i < model.n) : model.reactorWaits.slice();
  const peak = new Map<number, number>();
  for (const f of frames ?? []) for (const c of f.conns) peak.set(c.id, Math.max(peak.get(c.id) ?? 0, c.sendBuf));
  return { model, frames, outcome, variant, source, stepEnds, peakSendBuf: peak, highWaterMark: outcome?.options.highWaterMark ?? DEFAULT_HWM };
}

// ---- one side (two in compare mode) ----

class Side {
  readonly el: HTMLElement;
  readonly timeline: Timeline;
  readonly plot: Plot;
  private readonly title: HTMLElement;
  private readonly verdict: HTMLElement;
  private readonly eventBox: HTMLElement;
  private readonly gauges: HTMLElement;
  private readonly epollEl: HTMLElement;
  private readonly exportBtn: HTMLButtonElement;
  session: Session | null = null;
  private epoll: string | null = null;
  private cursor = 0;
  private showAllConns = false;

  constructor(
    readonly id: 'a' | 'b',
    private readonly app: App,
  ) {
    this.timeline = new Timeline({ label: id === 'a' ? 'Timeline' : 'Timeline B', onPick: (i) => app.setCursor(i) });
    this.plot = new Plot((i) => app.setCursor(i));
    this.title = h('h2', { class: 'side-title', text: '' });
    this.verdict = h('span', { class: 'verdict' });
    this.exportBtn = h('button', {
      attrs: { type: 'button', 'data-action': `export-${id}` },
      text: 'Export trace (.jsonl)',
      title: 'Download this trace as JSON Lines',
      on: { click: () => this.export() },
    });
    this.eventBox = h('section', { class: 'panel event-box', attrs: { 'aria-label': 'current event' } });
    this.gauges = h('section', { class: 'panel gauges', attrs: { 'aria-label': 'buffer gauges' } });
    this.epollEl = h('section', { class: 'panel epoll', attrs: { 'aria-label': 'epoll interest and ready lists' } });
    const stateCol = h(
      'div',
      { class: 'state-col' },
      this.eventBox,
      h('h3', { text: 'epoll' }),
      this.epollEl,
      h('h3', { text: 'Buffers' }),
      this.gauges,
    );
    const traceCol = h('div', { class: 'trace-col' }, this.timeline.el, h('h3', { class: 'plot-title', text: 'Bytes over the trace' }), this.plot.el);
    this.el = h(
      'section',
      { class: `side side-${id}`, attrs: { 'aria-label': id === 'a' ? 'run A' : 'run B' } },
      h('div', { class: 'side-head' }, this.title, this.verdict, this.exportBtn),
      h('div', { class: 'side-body' }, traceCol, stateCol),
    );
  }

  setSession(s: Session | null, divergence: number | null): void {
    this.session = s;
    this.epoll = s?.model.mainEpoll ?? null;
    this.timeline.setData(s?.model ?? null, s?.frames ?? null, divergence);
    this.plot.setData(s?.model ?? null, s?.frames ?? null);
    this.exportBtn.disabled = !s;
    if (!s) {
      this.title.textContent = 'No trace';
      replace(this.verdict);
      return;
    }
    if (s.source === 'run') {
      const o = s.outcome as RunOutcome;
      this.title.textContent = `${this.id === 'b' ? 'B' : 'A'}: ${s.variant ?? ''} · ${o.options.family} · seed ${o.options.seed ?? 1}`;
      const text = o.ok ? 'PASS: every expectation held' : `FAIL: ${o.failures.length} expectation${o.failures.length === 1 ? '' : 's'} failed`;
      replace(this.verdict, h('span', { class: o.ok ? 'pass' : 'fail', text: `${o.ok ? '✔' : '✘'} ${text}` }));
    } else {
      this.title.textContent = `Imported: ${s.source.file} · kernel ${s.model.header.kernel}${s.model.header.seed !== null ? ` · seed ${s.model.header.seed}` : ''}`;
      replace(this.verdict, h('span', { class: 'muted', text: `${num(s.model.n)} events` }));
    }
  }

  setDivergence(i: number | null): void {
    this.timeline.setDivergence(i);
  }

  show(cursor: number, scroll: boolean): void {
    const s = this.session;
    if (!s || s.model.n === 0) {
      renderGauges(this.gauges, null);
      renderEpoll(this.epollEl, null);
      replace(this.eventBox);
      return;
    }
    const i = Math.min(cursor, s.model.n - 1);
    this.cursor = i;
    this.timeline.setCursor(i, scroll);
    this.plot.setCursor(i);
    const k = s.frames ? frameAt(s.frames, i) : -1;
    const frame = s.frames ? (s.frames[k] as Frame) : null;
    const lagging = frame !== null && frame.step > 0 && frame.records < i + 1 && k < (s.frames?.length ?? 0) - 1;
    renderGauges(this.gauges, {
      frame,
      lagging,
      highWaterMark: s.highWaterMark,
      peakSendBuf: s.peakSendBuf,
      model: s.model,
      cursor: i,
      showAll: this.showAllConns,
      onShowAll: (all) => {
        this.showAllConns = all;
        this.show(this.cursor, false);
      },
    });
    renderEpoll(this.epollEl, {
      model: s.model,
      cursor: i,
      frame,
      epoll: this.epoll,
      onEpoll: (name) => {
        this.epoll = name;
        this.show(this.cursor, false);
      },
    });
    const r = s.model.records[i];
    if (r) {
      const badges = badgesOf(s.model, i);
      replace(
        this.eventBox,
        h('h3', { text: `Event #${r.seq} of ${num(s.model.n)} · ${r.actor} · t=${r.t} ms` }),
        h('p', { class: 'event-summary', dataset: { seq: r.seq }, text: summary(r) }),
        badges.length ? h('ul', { class: 'badge-notes' }, ...badges.map((b) => h('li', {}, h('span', { class: `badge ${b.cls}`, text: b.text }), ` ${b.title}`))) : null,
        h('details', {}, h('summary', { text: 'Raw record' }), h('pre', { class: 'raw', text: `${formatTraceRecord(r)}\n${JSON.stringify(r)}` })),
      );
    }
  }

  export(): void {
    const s = this.session;
    if (!s) return;
    const name =
      s.source === 'run'
        ? `edgeloop-${this.app.scenarioLabel()}-${s.variant ?? 'run'}-seed${s.outcome?.options.seed ?? 1}.jsonl`
        : s.source.file.endsWith('.jsonl')
          ? s.source.file
          : `${s.source.file}.jsonl`;
    const blob = new Blob([s.model.text], { type: 'application/x-ndjson' });
    const url = URL.createObjectURL(blob);
    const a = h('a', { attrs: { href: url, download: name.replace(/[^A-Za-z0-9._-]+/g, '_') } });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    this.app.say('info', `Exported ${num(s.model.n)} events as ${name}.`);
  }
}

// ---- the page ----

class App {
  private readonly builtins: BuiltinScenarioInfo[] = listBuiltinScenarios();
  private readonly runners = [new Runner(), new Runner()];
  private readonly sides: [Side, Side];
  private readonly editor = new ScenarioEditor();
  private customDoc: ScenarioDocument | null = null;
  private scenarioName: string;
  private cursor = 0;
  private playing = false;
  private speed = 16;
  private playAcc = 0;
  private playLast = 0;
  private divergence: number | null = null;
  private runSerial = 0;

  // controls
  private readonly picker: HTMLSelectElement;
  private readonly about: HTMLElement;
  private readonly knobs: Record<string, HTMLInputElement | HTMLSelectElement> = {};
  private readonly knobErrors: HTMLElement;
  private knobsChanged: HTMLElement | null = null;
  private readonly result: HTMLElement;
  private readonly messages: HTMLElement;
  private readonly progress: HTMLElement;
  private readonly runBtn: HTMLButtonElement;
  private readonly cancelBtn: HTMLButtonElement;
  private readonly compareBox: HTMLInputElement;
  private readonly compareVariant: HTMLSelectElement;
  private readonly compareBar: HTMLElement;
  private readonly position: HTMLElement;
  private readonly playBtn: HTMLButtonElement;
  private readonly speedSel: HTMLSelectElement;
  private readonly gotoInput: HTMLInputElement;
  private readonly sidesEl: HTMLElement;
  private readonly linkOut: HTMLInputElement;
  private readonly editorDialog: HTMLDialogElement;
  private readonly helpDialog: HTMLDialogElement;
  private readonly fileInput: HTMLInputElement;

  constructor(root: HTMLElement) {
    this.scenarioName = this.builtins[0]?.name ?? '';
    this.sides = [new Side('a', this), new Side('b', this)];

    this.picker = h(
      'select',
      { id: 'scenario', on: { change: () => this.pick(this.picker.value) } },
      ...this.builtins.map((b) => h('option', { attrs: { value: b.name }, text: b.title })),
    );
    this.runBtn = h('button', { id: 'run', class: 'primary', attrs: { type: 'button' }, text: 'Run', title: 'Run the scenario with these knobs (Enter in a knob field)', on: { click: () => void this.run() } });
    this.cancelBtn = h('button', { id: 'cancel', attrs: { type: 'button', hidden: true }, text: 'Cancel run', on: { click: () => this.cancel() } });
    this.compareBox = h('input', { id: 'compare', attrs: { type: 'checkbox' }, on: { change: () => this.toggleCompare() } });
    this.compareVariant = h(
      'select',
      { id: 'compare-variant', attrs: { 'aria-label': 'Variant B: the variant to compare with' }, on: { change: () => this.compareBox.checked && void this.run() } },
      ...VARIANTS.map((v) => h('option', { attrs: { value: v }, text: v })),
    );
    this.compareBar = h('div', { class: 'compare-bar', attrs: { hidden: true, role: 'region', 'aria-label': 'comparison' } });
    this.linkOut = h('input', { id: 'share-link', attrs: { type: 'text', readonly: true, hidden: true, 'aria-label': 'link to this state' } });
    this.fileInput = h('input', { id: 'import-file', class: 'visually-hidden', attrs: { type: 'file', accept: '.jsonl,.ndjson,.json,.txt,application/x-ndjson' } });
    this.fileInput.addEventListener('change', () => {
      const f = this.fileInput.files?.[0];
      if (f) void this.importFile(f);
      this.fileInput.value = '';
    });

    const header = h(
      'header',
      { class: 'topbar' },
      h('h1', {}, 'edgeloop', h('span', { class: 'sub', text: ' playground' })),
      h('div', { class: 'field inline' }, h('label', { attrs: { for: 'scenario' }, text: 'Scenario' }), this.picker),
      this.runBtn,
      this.cancelBtn,
      h('div', { class: 'field inline' }, this.compareBox, h('label', { attrs: { for: 'compare' }, text: 'Compare with' }), this.compareVariant),
      h('span', { class: 'spacer' }),
      h('button', { id: 'edit', attrs: { type: 'button' }, text: 'Edit JSON', title: 'Edit the scenario as JSON', on: { click: () => this.openEditor() } }),
      h('label', { class: 'button', attrs: { for: 'import-file' }, text: 'Import trace', title: 'Open a JSON Lines trace: one exported here, or recorded by edgeloop serve --trace' }),
      this.fileInput,
      h('button', { id: 'copy-link', attrs: { type: 'button' }, text: 'Copy link', title: 'Put the scenario, knobs, seed and position in a link', on: { click: () => void this.copyLink() } }),
      h('button', { id: 'help', attrs: { type: 'button', 'aria-label': 'Keyboard shortcuts' }, text: '?', on: { click: () => this.helpDialog.showModal() } }),
    );

    this.messages = h('div', { id: 'messages', class: 'messages', attrs: { 'aria-live': 'polite' } });
    this.progress = h('p', { id: 'progress', class: 'progress', attrs: { role: 'status', hidden: true } });

    // Sidebar: about + knobs + result.
    this.about = h('section', { id: 'about', class: 'about', attrs: { 'aria-label': 'about this scenario' } });
    this.knobErrors = h('div', { id: 'knob-errors', class: 'knob-errors', attrs: { role: 'alert' } });
    this.result = h('section', { id: 'result', class: 'result', attrs: { 'aria-label': 'expectations' } });
    const knobForm = this.buildKnobs();

    // Transport.
    const btn = (id: string, text: string, label: string, fn: () => void, keys: string): HTMLButtonElement =>
      h('button', { id, attrs: { type: 'button', 'aria-label': label, 'aria-keyshortcuts': keys }, title: `${label} (${keys})`, text, on: { click: fn } });
    this.playBtn = btn('play', '▶ Play', 'Play / pause', () => this.togglePlay(), 'Space');
    this.speedSel = h(
      'select',
      { id: 'speed', on: { change: () => (this.speed = Number(this.speedSel.value)) } },
      ...SPEEDS.map((s) => h('option', { attrs: { value: s }, text: `${num(s)} events/s` })),
    );
    this.speedSel.value = String(this.speed);
    this.position = h('span', { id: 'position', class: 'position', attrs: { 'aria-live': 'off' } });
    this.gotoInput = h('input', { id: 'goto', attrs: { type: 'number', min: 1, placeholder: '#', inputmode: 'numeric' } });
    this.gotoInput.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter') this.gotoSeq();
    });
    const transport = h(
      'div',
      { class: 'transport', attrs: { role: 'toolbar', 'aria-label': 'transport' } },
      h('button', {
        id: 'toggle-sidebar',
        attrs: { type: 'button', 'aria-expanded': 'true', 'aria-controls': 'sidebar' },
        text: 'Hide panel',
        title: 'Hide or show the scenario and knobs panel (more room for the timelines)',
        on: { click: () => this.toggleSidebar() },
      }),
      btn('first', '|◀', 'First event', () => this.setCursor(0), 'Home'),
      btn('prev-step', '◀◀ step', 'Previous reactor step', () => this.stepBy(-1), 'PageUp'),
      btn('prev', '◀ event', 'Previous event', () => this.setCursor(this.cursor - 1), 'ArrowLeft'),
      this.playBtn,
      btn('next', 'event ▶', 'Next event', () => this.setCursor(this.cursor + 1), 'ArrowRight'),
      btn('next-step', 'step ▶▶', 'Next reactor step', () => this.stepBy(1), 'PageDown'),
      btn('last', '▶|', 'Last event', () => this.setCursor(Number.MAX_SAFE_INTEGER), 'End'),
      h('div', { class: 'field inline' }, h('label', { attrs: { for: 'speed' }, text: 'Speed' }), this.speedSel),
      h('div', { class: 'field inline' }, h('label', { attrs: { for: 'goto' }, text: 'Go to event #' }), this.gotoInput),
      this.position,
    );

    this.sidesEl = h('div', { class: 'sides' }, this.sides[0].el);
    const workspace = h('section', { class: 'workspace', attrs: { 'aria-label': 'trace' } }, transport, this.compareBar, this.sidesEl);
    const sidebar = h(
      'aside',
      { id: 'sidebar', class: 'sidebar', attrs: { 'aria-label': 'scenario and knobs' } },
      this.about,
      h('section', { class: 'knobs', attrs: { 'aria-label': 'knobs' } }, h('h2', { text: 'Knobs' }), knobForm, this.knobErrors),
      this.result,
    );

    // Dialogs.
    this.editorDialog = h(
      'dialog',
      { id: 'editor-dialog', class: 'dialog wide', attrs: { 'aria-labelledby': 'editor-title' } },
      h('h2', { id: 'editor-title', text: 'Scenario document (JSON)' }),
      h('p', { class: 'muted', text: 'Edit the scenario; Check shows every problem beside its field. docs/scenarios.md describes the document. Nothing in it is executed: it is validated and run by the simulated reactor.' }),
      this.editor.el,
      h(
        'div',
        { class: 'dialog-buttons' },
        h('button', { id: 'editor-check', attrs: { type: 'button' }, text: 'Check', on: { click: () => this.editor.check() } }),
        h('button', { id: 'editor-run', class: 'primary', attrs: { type: 'button' }, text: 'Run this scenario', on: { click: () => this.runEdited() } }),
        h('button', { id: 'editor-close', attrs: { type: 'button' }, text: 'Close', on: { click: () => this.editorDialog.close() } }),
      ),
    );
    this.helpDialog = h(
      'dialog',
      { id: 'help-dialog', class: 'dialog', attrs: { 'aria-labelledby': 'help-title' } },
      h('h2', { id: 'help-title', text: 'Keyboard shortcuts' }),
      h(
        'table',
        { class: 'keys' },
        h('tbody', {},
          ...[
            ['→ or ↓', 'next event'],
            ['← or ↑', 'previous event (a true step back: the state is the snapshot at that point)'],
            ['Page Down or ]', 'next reactor step'],
            ['Page Up or [', 'previous reactor step'],
            ['Home / End', 'first / last event'],
            ['Space', 'play / pause'],
            ['+ / −', 'faster / slower'],
            ['d', 'jump to the first divergence (compare mode)'],
            ['?', 'this help'],
          ].map(([k, v]) => h('tr', {}, h('th', { text: k as string }), h('td', { text: v as string }))),
        ),
      ),
      h('div', { class: 'dialog-buttons' }, h('button', { attrs: { type: 'button' }, text: 'Close', on: { click: () => this.helpDialog.close() } })),
    );

    replace(
      root,
      header,
      this.messages,
      this.progress,
      h('div', { class: 'share-row' }, this.linkOut),
      h('main', { class: 'layout' }, sidebar, workspace),
      this.editorDialog,
      this.helpDialog,
    );
    root.removeAttribute('aria-busy');
    document.addEventListener('keydown', (ev) => this.onKey(ev));
    this.renderAbout();
    this.fillKnobs();
  }

  private toggleSidebar(): void {
    const layout = document.querySelector('.layout') as HTMLElement;
    const btn = document.getElementById('toggle-sidebar') as HTMLButtonElement;
    const hide = !layout.classList.contains('no-sidebar');
    layout.classList.toggle('no-sidebar', hide);
    (document.getElementById('sidebar') as HTMLElement).hidden = hide;
    btn.textContent = hide ? 'Show panel' : 'Hide panel';
    btn.setAttribute('aria-expanded', String(!hide));
  }

  // ---- knobs ----

  private buildKnobs(): HTMLElement {
    const sel = (id: string, options: Array<[string, string]>): HTMLSelectElement =>
      h('select', { id }, ...options.map(([v, t]) => h('option', { attrs: { value: v }, text: t })));
    const numIn = (id: string, placeholder: string): HTMLInputElement =>
      h('input', { id, attrs: { type: 'number', min: 1, step: 1, placeholder, inputmode: 'numeric' } });
    this.knobs.family = sel('k-family', [
      ['unix', 'unix (AF_UNIX stream)'],
      ['tcp', 'tcp (127.0.0.1)'],
    ]);
    this.knobs.variant = sel('k-variant', VARIANTS.map((v) => [v, VARIANT_TEXT[v]]));
    this.knobs.app = sel('k-app', [
      ['echo', 'echo'],
      ['discard', 'discard'],
      ['bulk', 'bulk (send N bytes on connect)'],
    ]);
    this.knobs.bulk = numIn('k-bulk', 'bytes');
    this.knobs.sndbuf = numIn('k-sndbuf', 'kernel default');
    this.knobs.rcvbuf = numIn('k-rcvbuf', 'kernel default');
    this.knobs.peerReadRate = numIn('k-rate', 'all available');
    this.knobs.highWaterMark = numIn('k-hwm', '4194304 (4 MiB)');
    this.knobs.seed = h('input', { id: 'k-seed', attrs: { type: 'number', min: 0, max: 4294967295, step: 1, inputmode: 'numeric' } });
    this.knobs.trigger = sel('k-trigger', [
      ['edge', 'edge-triggered (EPOLLET)'],
      ['level', 'level-triggered'],
    ]);
    this.knobs.app.addEventListener('change', () => {
      (this.knobs.bulk as HTMLInputElement).disabled = this.knobs.app?.value !== 'bulk';
    });
    this.knobs.variant.addEventListener('change', () => this.syncTrigger());
    const form = h(
      'form',
      { id: 'knob-form', class: 'knob-form', attrs: { novalidate: true } },
      field('Family', this.knobs.family),
      field('Reactor variant', this.knobs.variant),
      field('App', this.knobs.app),
      field('Bulk bytes', this.knobs.bulk),
      field('Server SO_SNDBUF (bytes)', this.knobs.sndbuf, 'Linux doubles it'),
      field('Server SO_RCVBUF (bytes)', this.knobs.rcvbuf),
      field('Peer read rate (bytes/step)', this.knobs.peerReadRate),
      field('High-water mark (bytes)', this.knobs.highWaterMark),
      field('Seed', this.knobs.seed),
      field(
        'Trigger mode',
        this.knobs.trigger,
        'Edge: read and accept until EAGAIN, one wakeup per edge. Level: one read or accept per wakeup, epoll reports the rest. The tutorial variants run as written (day26-as-written is level-triggered anyway: its short events drop EPOLLET).',
      ),
      h('button', { class: 'primary', attrs: { type: 'submit' }, text: 'Run with these knobs' }),
    );
    const changed = h('p', { id: 'knobs-changed', class: 'knobs-changed', attrs: { hidden: true, role: 'status' }, text: 'Knobs changed: press Run (or Enter) to apply them.' });
    this.knobsChanged = changed;
    form.append(changed);
    form.addEventListener('change', () => {
      changed.hidden = false;
    });
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      void this.run();
    });
    return form;
  }

  private currentDoc(): ScenarioDocument {
    return this.customDoc ?? builtinScenario(this.scenarioName);
  }

  /** Fills the knobs from the scenario's options (and overrides, from a link). */
  private fillKnobs(over: Partial<ScenarioOptions> = {}): void {
    const o = { ...this.currentDoc().options, ...over };
    const k = this.knobs;
    (k.family as HTMLSelectElement).value = o.family;
    (k.variant as HTMLSelectElement).value = o.variant ?? 'edgeloop';
    if (typeof o.app === 'object') {
      (k.app as HTMLSelectElement).value = 'bulk';
      (k.bulk as HTMLInputElement).value = String(o.app.bulk);
    } else {
      (k.app as HTMLSelectElement).value = o.app;
      (k.bulk as HTMLInputElement).value = '';
    }
    (k.bulk as HTMLInputElement).disabled = k.app?.value !== 'bulk';
    (k.sndbuf as HTMLInputElement).value = o.sndbuf === undefined ? '' : String(o.sndbuf);
    (k.rcvbuf as HTMLInputElement).value = o.rcvbuf === undefined ? '' : String(o.rcvbuf);
    (k.peerReadRate as HTMLInputElement).value = o.peerReadRate === undefined ? '' : String(o.peerReadRate);
    (k.highWaterMark as HTMLInputElement).value = o.highWaterMark === undefined ? '' : String(o.highWaterMark);
    (k.seed as HTMLInputElement).value = String(o.seed ?? 1);
    (k.trigger as HTMLSelectElement).value = o.trigger ?? 'edge';
    this.syncTrigger();
    this.showKnobErrors([]);
    const contrast = this.currentDoc().contrast?.variant;
    const own = (o.variant ?? 'edgeloop') as VariantName;
    this.compareVariant.value = contrast && contrast !== own ? contrast : (VARIANTS.find((v) => v !== own) as VariantName);
  }

  /** The trigger knob is the edgeloop variant's: for the tutorial's it shows edge, disabled. */
  private syncTrigger(): void {
    const trigger = this.knobs.trigger as HTMLSelectElement;
    const own = this.knobs.variant?.value === 'edgeloop';
    if (!own) trigger.value = 'edge';
    trigger.disabled = !own;
    trigger.title = own ? '' : 'The tutorial variants run as written; the trigger mode is the edgeloop reactor\'s option.';
  }

  /** The knobs as scenario options (validated); null with the errors shown beside their fields. */
  private readKnobs(): Partial<ScenarioOptions> | null {
    const k = this.knobs;
    const numOf = (el: HTMLInputElement | HTMLSelectElement | undefined): number | string | undefined => {
      const v = (el as HTMLInputElement).value.trim();
      if (v === '') return undefined;
      const n = Number(v);
      return Number.isFinite(n) ? n : v;
    };
    const raw: Record<string, unknown> = { family: k.family?.value, variant: k.variant?.value };
    raw.trigger = k.trigger?.value;
    raw.app = k.app?.value === 'bulk' ? { bulk: numOf(k.bulk) ?? 0 } : k.app?.value;
    for (const [key, el] of [
      ['sndbuf', k.sndbuf],
      ['rcvbuf', k.rcvbuf],
      ['peerReadRate', k.peerReadRate],
      ['highWaterMark', k.highWaterMark],
      ['seed', k.seed],
    ] as const) {
      const v = numOf(el);
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

  private showKnobErrors(errors: Array<{ path: string; message: string }>): void {
    const ids: Record<string, string> = {
      'options.family': 'k-family',
      'options.variant': 'k-variant',
      'options.app': 'k-app',
      'options.app.bulk': 'k-bulk',
      'options.sndbuf': 'k-sndbuf',
      'options.rcvbuf': 'k-rcvbuf',
      'options.peerReadRate': 'k-rate',
      'options.highWaterMark': 'k-hwm',
      'options.seed': 'k-seed',
      'options.trigger': 'k-trigger',
    };
    for (const el of document.querySelectorAll('.knob-form .field-error')) el.remove();
    for (const el of document.querySelectorAll('.knob-form [aria-invalid]')) el.removeAttribute('aria-invalid');
    const loose: string[] = [];
    for (const e of errors) {
      const id = ids[e.path];
      const input = id ? document.getElementById(id) : null;
      if (input) {
        input.setAttribute('aria-invalid', 'true');
        input.parentElement?.append(h('div', { class: 'field-error', dataset: { path: e.path }, text: `⚠ ${e.message}` }));
      } else loose.push(`${e.path}: ${e.message}`);
    }
    replace(this.knobErrors, ...loose.map((t) => h('p', { class: 'field-error', text: `⚠ ${t}` })));
  }

  // ---- scenario ----

  scenarioLabel(): string {
    return this.customDoc ? this.customDoc.name : this.scenarioName;
  }

  private pick(name: string): void {
    if (name === '__custom__') return;
    this.customDoc = null;
    this.picker.querySelector('option[value="__custom__"]')?.remove();
    this.scenarioName = name;
    this.picker.value = name;
    this.renderAbout();
    this.fillKnobs();
    void this.run();
  }

  private renderAbout(): void {
    const d = this.currentDoc();
    const children: HTMLElement[] = [
      h('h2', { text: d.title }),
      h('p', { class: 'explanation', text: d.explanation }),
    ];
    if (d.contrast) {
      children.push(h('p', { class: 'contrast' }, h('strong', { text: `Contrast (${d.contrast.variant}): ` }), d.contrast.explanation));
    }
    if (this.customDoc) children.push(h('p', { class: 'muted', text: 'An edited scenario (not from the built-in catalogue).' }));
    replace(this.about, ...children);
  }

  private openEditor(): void {
    this.editor.setText(`${JSON.stringify(this.currentDoc(), null, 2)}\n`);
    this.editorDialog.showModal();
    this.editor.goTo(1);
    this.editor.check();
  }

  private runEdited(): void {
    const doc = this.editor.check();
    if (!doc) return;
    this.editorDialog.close();
    this.useCustom(doc);
    void this.run();
  }

  private useCustom(doc: ScenarioDocument): void {
    this.customDoc = doc;
    let opt = this.picker.querySelector<HTMLOptionElement>('option[value="__custom__"]');
    if (!opt) {
      opt = h('option', { attrs: { value: '__custom__' } });
      this.picker.prepend(opt);
    }
    opt.textContent = `Edited: ${doc.title}`;
    this.picker.value = '__custom__';
    this.renderAbout();
    this.fillKnobs();
  }

  // ---- running ----

  private cancel(): void {
    for (const r of this.runners) r.cancel();
  }

  /** Runs the scenario with the knobs (and the compare variant): the sides get fresh sessions. */
  async run(at = 0): Promise<void> {
    const knobs = this.readKnobs();
    if (!knobs) {
      this.say('error', 'A knob is invalid: see the message beside it.');
      return;
    }
    this.stopPlay();
    if (this.knobsChanged) this.knobsChanged.hidden = true;
    const serial = ++this.runSerial;
    const doc = this.currentDoc();
    const variantA = (knobs.variant ?? 'edgeloop') as VariantName;
    const compare = this.compareBox.checked;
    const variantB = this.compareVariant.value as VariantName;
    this.runBtn.disabled = true;
    this.cancelBtn.hidden = false;
    this.progress.hidden = false;
    this.progress.textContent = 'Running…';
    const started = performance.now();
    const progress: Array<[number, number]> = [
      [0, 0],
      [0, 0],
    ];
    const show = (): void => {
      const steps = progress[0]![0] + (compare ? progress[1]![0] : 0);
      const recs = progress[1]![1] + progress[0]![1];
      this.progress.textContent = `Running… ${num(steps)} reactor steps, ${num(recs)} events so far.`;
    };
    try {
      const jobs = [
        this.runners[0]!.run(doc, { ...knobs, variant: variantA }, (s, r) => {
          progress[0] = [s, r];
          show();
        }),
      ];
      if (compare) {
        jobs.push(
          // The tutorial's variants run as written: the trigger knob is edgeloop's.
          this.runners[1]!.run(doc, { ...knobs, variant: variantB, ...(variantB === 'edgeloop' ? {} : { trigger: 'edge' as const }) }, (s, r) => {
            progress[1] = [s, r];
            show();
          }),
        );
      }
      const outcomes = await Promise.all(jobs);
      if (serial !== this.runSerial) return;
      const sessions = outcomes.map((o, k) => makeSession(modelFromJsonl(o.trace), o.frames, o, k === 0 ? variantA : variantB, 'run'));
      this.lastRunMs = performance.now() - started;
      this.setSessions(sessions as [Session] | [Session, Session]);
      this.renderAbout();
      this.renderResult();
      this.clearMessages('run');
      this.setCursor(at);
      document.body.dataset.state = 'ready';
      document.body.dataset.runMs = String(Math.round(this.lastRunMs));
    } catch (e) {
      if (serial !== this.runSerial) return;
      if (e instanceof RunCancelled) this.say('info', 'The run was cancelled.', 'run');
      else if (e instanceof RunInvalid) this.say('error', `The scenario is invalid: ${e.message}`, 'run');
      else this.say('error', `The run failed: ${(e as Error).message}`, 'run');
      document.body.dataset.state = 'error';
    } finally {
      if (serial === this.runSerial) {
        this.runBtn.disabled = false;
        this.cancelBtn.hidden = true;
        this.progress.hidden = true;
      }
    }
  }

  lastRunMs = 0;

  private setSessions(sessions: [Session] | [Session, Session]): void {
    const [a, b] = sessions;
    this.divergence = a && b ? firstDivergence(a.model, b.model) : null;
    this.sides[0].setSession(a, this.divergence);
    this.sides[1].setSession(b ?? null, this.divergence);
    this.sidesEl.classList.toggle('two', !!b);
    replace(this.sidesEl, this.sides[0].el, b ? this.sides[1].el : null);
    this.renderCompareBar();
  }

  private renderCompareBar(): void {
    const a = this.sides[0].session;
    const b = this.sides[1].session;
    if (!a || !b || !this.compareBox.checked) {
      this.compareBar.hidden = true;
      return;
    }
    this.compareBar.hidden = false;
    const d = this.divergence;
    if (d === null) {
      replace(this.compareBar, h('p', { id: 'divergence', dataset: { index: '' }, text: `The two runs are identical (${num(a.model.n)} events).` }));
      return;
    }
    const ra = a.model.records[d];
    const rb = b.model.records[d];
    replace(
      this.compareBar,
      h(
        'div',
        { id: 'divergence', dataset: { index: d, seq: d + 1 } },
        h('p', {}, h('strong', { text: `First divergence at event #${d + 1}` }), ` — the runs agree on the ${num(d)} events before it.`),
        h('p', { class: 'div-a' }, h('span', { class: 'tag', text: `A ${a.variant}` }), ra ? `${ra.actor}: ${summary(ra)}` : '(trace ended)'),
        h('p', { class: 'div-b' }, h('span', { class: 'tag', text: `B ${b.variant}` }), rb ? `${rb.actor}: ${summary(rb)}` : '(trace ended)'),
        h('button', { id: 'jump-divergence', attrs: { type: 'button' }, text: 'Jump to it (d)', on: { click: () => this.setCursor(d) } }),
      ),
    );
  }

  private toggleCompare(): void {
    if (this.sides[0].session?.source !== 'run' && this.compareBox.checked && this.sides[0].session) {
      // An imported trace has no scenario to re-run: compare the picked scenario instead.
      this.say('info', 'Compare runs the picked scenario with two variants.');
    }
    void this.run(this.cursor);
  }

  private renderResult(): void {
    const s = this.sides[0].session;
    if (!s || !s.outcome) {
      replace(this.result);
      return;
    }
    const sides = [this.sides[0].session, this.sides[1].session].filter((x): x is Session => !!x?.outcome);
    const doc = this.currentDoc();
    const children: HTMLElement[] = [h('h2', { text: 'Expectations' })];
    for (const side of sides) {
      const o = side.outcome as RunOutcome;
      const isContrast = doc.contrast?.variant === side.variant;
      children.push(
        h(
          'div',
          { class: `verdict-block ${o.ok ? 'pass' : 'fail'}`, dataset: { variant: side.variant ?? '' } },
          h('p', {}, h('strong', { text: `${o.ok ? '✔ PASS' : '✘ FAIL'} — ${side.variant}` }), ` · ${num(o.steps)} steps, ${num(side.model.n)} events, ${Math.round(o.ms)} ms`),
          !o.ok && isContrast ? h('p', { class: 'muted', text: 'This is the contrast variant: its failing is the point of the scenario.' }) : null,
          o.failures.length
            ? h('ul', { class: 'failures' }, ...o.failures.slice(0, 20).map((f) => h('li', { text: formatScenarioFailure(f) })))
            : h('p', { class: 'muted', text: `All ${doc.expect.length} expectations held.` }),
        ),
      );
    }
    replace(this.result, ...children);
  }

  // ---- import / share ----

  private async importFile(file: File): Promise<void> {
    if (file.size > MAX_IMPORT_BYTES) {
      this.say('error', `Cannot import “${file.name}”: it is ${bytes(file.size)}, more than the ${bytes(MAX_IMPORT_BYTES)} this playground reads.`, 'import');
      return;
    }
    let text: string;
    try {
      text = await file.text();
    } catch (e) {
      this.say('error', `Cannot read “${file.name}”: ${(e as Error).message}`, 'import');
      return;
    }
    this.importText(text, file.name);
  }

  /** Shows a JSON Lines trace (not a run: no snapshots). Bad input: a message naming the line and the problem. */
  importText(text: string, name: string): boolean {
    let model: TraceModel;
    try {
      model = modelFromJsonl(text);
    } catch (e) {
      if (e instanceof TraceFormatError) {
        this.say('error', `Cannot import “${name}”: ${e.message}. The page still shows the previous trace.`, 'import');
        return false;
      }
      throw e;
    }
    this.stopPlay();
    this.runSerial++;
    this.cancel();
    this.compareBox.checked = false;
    this.setSessions([makeSession(model, null, null, null, { file: name })]);
    this.renderResult();
    replace(
      this.result,
      h('h2', { text: 'Imported trace' }),
      h('p', { text: `${name}: ${num(model.n)} events, kernel ${model.header.kernel}${model.header.seed === null ? '' : `, seed ${model.header.seed}`}.` }),
      h('p', { class: 'muted', text: 'A trace has the calls, not the buffer levels: the gauges show what the trace says. Pick a scenario to run one here.' }),
    );
    replace(
      this.about,
      h('h2', { text: 'Imported trace' }),
      h('p', { class: 'explanation', text: `“${name}”: ${num(model.n)} events recorded on the ${model.header.kernel === 'linux' ? 'real Linux kernel (a real server’s trace, e.g. edgeloop serve --trace)' : 'simulated kernel'}.` }),
      h('p', { class: 'muted', text: 'A trace holds the calls, not the buffer levels: the gauges say what the trace says. Pick a scenario or press Run to go back to a run made here.' }),
    );
    this.clearMessages('import');
    this.say('info', `Imported ${num(model.n)} events from “${name}”.`, 'import');
    this.setCursor(0);
    document.body.dataset.state = 'ready';
    return true;
  }

  private async copyLink(): Promise<void> {
    const knobs = this.readKnobs();
    if (!knobs) return;
    const hash = await encodeLink({
      scenario: this.customDoc ? null : this.scenarioName,
      doc: this.customDoc,
      knobs,
      cursor: this.cursor,
      compare: this.compareBox.checked ? (this.compareVariant.value as VariantName) : null,
    });
    const url = `${location.origin}${location.pathname}#${hash}`;
    this.linkOut.value = url;
    this.linkOut.hidden = false;
    this.linkOut.select();
    try {
      await navigator.clipboard.writeText(url);
      this.say('info', 'Link copied: it reproduces this scenario, knobs, seed and position.', 'link');
    } catch {
      this.say('info', 'Here is the link (select it and copy): it reproduces this scenario, knobs, seed and position.', 'link');
    }
  }

  /** Applies a link's state; a bad link shows a message and the default scenario runs. */
  async openLink(hash: string): Promise<void> {
    try {
      const st = await decodeLink(hash, this.builtins.map((b) => b.name));
      if (st.doc) this.useCustom(st.doc);
      else {
        this.customDoc = null;
        this.scenarioName = st.scenario as string;
        this.picker.value = this.scenarioName;
        this.renderAbout();
      }
      this.fillKnobs(st.knobs);
      this.compareBox.checked = st.compare !== null;
      if (st.compare) this.compareVariant.value = st.compare;
      await this.run(st.cursor);
    } catch (e) {
      const why = e instanceof LinkError ? e.message : `it could not be read (${(e as Error).message})`;
      this.say('error', `This link could not be used: ${why}. Showing the first scenario instead.`, 'link');
      await this.run();
    }
  }

  // ---- messages ----

  say(kind: 'info' | 'error', text: string, topic = 'general'): void {
    for (const el of this.messages.querySelectorAll<HTMLElement>(`[data-topic="${CSS.escape(topic)}"]`)) el.remove();
    const msg = h(
      'div',
      { class: `message ${kind}`, dataset: { topic }, attrs: { role: kind === 'error' ? 'alert' : 'status' } },
      h('span', { class: 'message-kind', text: kind === 'error' ? '⚠ Problem:' : 'ℹ' }),
      h('span', { class: 'message-text', text }),
      h('button', { class: 'dismiss', attrs: { type: 'button', 'aria-label': 'Dismiss message' }, text: '×', on: { click: () => msg.remove() } }),
    );
    this.messages.append(msg);
    // Notes fade; problems stay until dismissed or replaced.
    if (kind === 'info') setTimeout(() => msg.remove(), 8000);
  }

  private clearMessages(topic: string): void {
    for (const el of this.messages.querySelectorAll<HTMLElement>(`[data-topic="${CSS.escape(topic)}"]`)) el.remove();
  }

  // ---- transport ----

  private get n(): number {
    return Math.max(this.sides[0].session?.model.n ?? 0, this.sides[1].session?.model.n ?? 0);
  }

  setCursor(i: number, scroll = true): void {
    const n = this.n;
    this.cursor = n === 0 ? 0 : Math.max(0, Math.min(Math.floor(i), n - 1));
    this.sides[0].show(this.cursor, scroll);
    if (this.sides[1].session) this.sides[1].show(this.cursor, scroll);
    const s = this.sides[0].session;
    const r = s?.model.records[Math.min(this.cursor, (s?.model.n ?? 1) - 1)];
    const step = s?.frames ? s.frames[frameAt(s.frames, this.cursor)]?.step : undefined;
    this.position.textContent = n === 0 ? 'no trace' : `event #${r?.seq ?? this.cursor + 1} of ${num(n)}${step !== undefined ? ` · step ${step}` : ''}`;
    this.position.dataset.index = String(this.cursor);
    document.body.dataset.cursor = String(this.cursor);
  }

  private stepBy(dir: 1 | -1): void {
    const ends = this.sides[0].session?.stepEnds ?? [];
    const c = this.cursor;
    if (dir > 0) {
      const next = ends.find((e) => e > c);
      this.setCursor(next ?? this.n - 1);
    } else {
      let prev = -1;
      for (const e of ends) {
        if (e < c) prev = e;
        else break;
      }
      this.setCursor(prev < 0 ? 0 : prev);
    }
  }

  private gotoSeq(): void {
    const want = Number(this.gotoInput.value);
    const model = this.sides[0].session?.model;
    if (!model || !Number.isFinite(want)) return;
    let lo = 0;
    let hi = model.n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((model.records[mid]?.seq ?? 0) < want) lo = mid + 1;
      else hi = mid;
    }
    this.setCursor(lo);
  }

  private togglePlay(): void {
    if (this.playing) this.stopPlay();
    else this.startPlay();
  }

  private startPlay(): void {
    if (this.n === 0) return;
    if (this.cursor >= this.n - 1) this.setCursor(0);
    this.playing = true;
    this.playBtn.textContent = '⏸ Pause';
    this.playLast = performance.now();
    this.playAcc = 0;
    const tick = (now: number): void => {
      if (!this.playing) return;
      this.playAcc += ((now - this.playLast) / 1000) * this.speed;
      this.playLast = now;
      const adv = Math.floor(this.playAcc);
      if (adv > 0) {
        this.playAcc -= adv;
        this.setCursor(this.cursor + adv);
        if (this.cursor >= this.n - 1) {
          this.stopPlay();
          return;
        }
      }
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  }

  private stopPlay(): void {
    this.playing = false;
    this.playBtn.textContent = '▶ Play';
  }

  private onKey(ev: KeyboardEvent): void {
    if (ev.defaultPrevented || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const t = ev.target as HTMLElement | null;
    if (document.querySelector('dialog[open]')) return;
    // Typing goes to text fields and selects; on a checkbox or a button only Space and Enter are theirs.
    if (t?.closest('textarea, select, [contenteditable="true"]')) return;
    if (t instanceof HTMLInputElement && !['checkbox', 'radio', 'button', 'submit', 'file'].includes(t.type)) return;
    if ((t instanceof HTMLInputElement || t?.tagName === 'BUTTON' || t?.tagName === 'LABEL') && (ev.key === ' ' || ev.key === 'Enter')) return;
    const go: Record<string, () => void> = {
      ArrowRight: () => this.setCursor(this.cursor + 1),
      ArrowDown: () => this.setCursor(this.cursor + 1),
      ArrowLeft: () => this.setCursor(this.cursor - 1),
      ArrowUp: () => this.setCursor(this.cursor - 1),
      PageDown: () => this.stepBy(1),
      ']': () => this.stepBy(1),
      PageUp: () => this.stepBy(-1),
      '[': () => this.stepBy(-1),
      Home: () => this.setCursor(0),
      End: () => this.setCursor(Number.MAX_SAFE_INTEGER),
      ' ': () => this.togglePlay(),
      '+': () => this.changeSpeed(1),
      '=': () => this.changeSpeed(1),
      '-': () => this.changeSpeed(-1),
      d: () => this.divergence !== null && this.setCursor(this.divergence),
      '?': () => this.helpDialog.showModal(),
    };
    const fn = go[ev.key];
    if (!fn) return;
    ev.preventDefault();
    fn();
  }

  private changeSpeed(dir: 1 | -1): void {
    const k = Math.max(0, Math.min(SPEEDS.length - 1, SPEEDS.indexOf(this.speed) + dir));
    this.speed = SPEEDS[k] as number;
    this.speedSel.value = String(this.speed);
  }
}

// ---- boot ----

async function boot(): Promise<void> {
  const root = byId('app');
  const t0 = performance.now();
  const app = new App(root);
  (window as unknown as { edgeloopPlayground: unknown }).edgeloopPlayground = app;
  if (location.hash.length > 1) await app.openLink(location.hash);
  else await app.run();
  document.body.dataset.bootMs = String(Math.round(performance.now() - t0));
}

boot().catch((e: unknown) => {
  const root = document.getElementById('app');
  if (root) {
    root.replaceChildren();
    const p = document.createElement('p');
    p.className = 'message error';
    p.setAttribute('role', 'alert');
    p.textContent = `The playground could not start: ${e instanceof Error ? e.message : String(e)}`;
    root.append(p);
  }
});

