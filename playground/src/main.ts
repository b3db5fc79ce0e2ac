// The playground: pick a scenario, turn the knobs, run it on the wasm
// reactor (in a worker), then walk the trace event by event, forward and
// back, with every view driven by the same trace and per-step snapshots.
//
// This file wires the parts together and owns what they share: the runs
// (one worker per side), the sessions on screen, the compare bar and the
// verdicts. The parts: knobs-panel.ts (what the next run will be),
// playback.ts (the cursor), side.ts (the views of one session), findbar.ts
// (the search), moments.ts and verdict.ts (what a run shows),
// import-share.ts (traces, links and the editor), live-panel.ts (a real
// server's live view), messages.ts.
import { formatScenarioFailure, TraceStore, type MomentName, type VariantName } from '../../src/browser.js';
import { alignSteps, type AlignMode } from './alignment.js';
import { firstDivergence } from './compare.js';
import { behaviourDivergenceOf, behaviourSteps, FACET_LABELS, type BehaviourDivergence, type StepFacts } from './compare-meaning.js';
import { byId, h, replace } from './dom.js';
import { num, ordinal, summary } from './format.js';
import { MAX_RUN_EVENTS } from './run-protocol.js';
import { ExplorePanel } from './explore-panel.js';
import { FindBar } from './findbar.js';
import { ImportShare } from './import-share.js';
import { KnobsPanel } from './knobs-panel.js';
import { LivePanel } from './live-panel.js';
import { Messages } from './messages.js';
import { Playback } from './playback.js';
import { ExactFrames } from './exact-frames.js';
import { RunCancelled, RunInvalid, Runner } from './runner.js';
import { FrameList } from './frame-list.js';
import { makeSession, type RunSummary, type Session } from './session.js';
import { Side } from './side.js';
import { TraceModel } from './trace-model.js';
import { verdictMark, verdictOf } from './verdict.js';

class App {
  /** Wall-clock ms of the last run, worker included (read by the perf test). */
  lastRunMs = 0;
  /** Where the last run's time went: the worker's run, handing it over, parsing the trace, the session (moments), showing it. */
  lastRunPhases: Record<string, number> = {};

  /** Runs again made for exact state, over the sessions on screen (the e2e tests read it). */
  exactRuns(): number {
    return this.sides.reduce((n, s) => n + (s.session?.exact?.runs ?? 0), 0);
  }
  private readonly runners = [new Runner(), new Runner()];
  private readonly messages = new Messages();
  private readonly sides: [Side, Side];
  private readonly knobs: KnobsPanel;
  private readonly playback: Playback;
  private readonly share: ImportShare;
  private readonly explore: ExplorePanel;
  private readonly live: LivePanel;
  private readonly find: FindBar;
  /** A live session is on screen (set by the first one, cleared by a run or an import). */
  private liveShown = false;
  private divergence: number | null = null;
  /** Where the two runs first behave differently (compare mode), or null. */
  private behaviour: BehaviourDivergence | null = null;
  /** Both runs cut into reactor steps (compare mode), or null. */
  private steps: [StepFacts[], StepFacts[]] | null = null;
  /** How run B follows the cursor in compare mode: by reactor step (default) or by event position. */
  private alignBy: AlignMode = 'step';
  /** Bumped by every run and import, so a run that finishes after a newer one started is dropped. */
  private runSerial = 0;

  private readonly result: HTMLElement;
  private readonly progress: HTMLElement;
  private readonly runBtn: HTMLButtonElement;
  private readonly cancelBtn: HTMLButtonElement;
  private readonly compareBar: HTMLElement;
  private readonly sidesEl: HTMLElement;

  constructor(root: HTMLElement) {
    const sideHooks = (side: 'a' | 'b') => ({
      pick: (i: number) => {
        // Following a live server, a click means "look here": pause, or the next window would move the cursor away.
        if (this.liveShown) this.live.pause();
        // An event of run B is B's own index: lined up by step, A goes to the point it belongs to.
        if (side === 'b') this.playback.showB(i);
        else this.playback.setCursor(i);
      },
      export: (s: Session) => this.share.exportTrace(s),
    });
    this.sides = [new Side('a', sideHooks('a')), new Side('b', sideHooks('b'))];
    this.knobs = new KnobsPanel({
      run: () => void this.run(),
      compareToggled: () => this.toggleCompare(),
      gotoMoment: (name, variant) => void this.gotoMoment(name, variant),
      momentState: (name, variant) => this.momentState(name, variant),
    });
    const sidebarToggle = h('button', {
      id: 'toggle-sidebar',
      attrs: { type: 'button', 'aria-expanded': 'true', 'aria-controls': 'sidebar' },
      text: 'Hide panel',
      title: 'Hide or show the scenario and knobs panel (more room for the timelines)',
      on: { click: () => this.toggleSidebar() },
    });
    this.find = new FindBar({
      apply: (query, only) => {
        for (const side of this.sides) side.setQuery(query, only);
        this.find.update(this.playback.cursor, this.matchLists());
      },
      go: (dir) => this.playback.jumpMatch(dir),
    });
    this.playback = new Playback(
      this.sides,
      {
        divergence: () => this.divergence,
        behaviourDivergence: () => this.behaviour?.indexA ?? null,
        focusFind: () => this.find.focus(),
        moved: (cursor) => this.find.update(cursor, this.matchLists()),
      },
      sidebarToggle,
      this.find.el,
    );
    this.result = h('section', { id: 'result', class: 'result', attrs: { 'aria-label': 'expectations' } });
    this.share = new ImportShare({
      knobs: this.knobs,
      playback: this.playback,
      messages: this.messages,
      result: this.result,
      run: (at) => this.run(at),
      showOnly: (s) => this.showOnly(s),
    });

    this.runBtn = h('button', { id: 'run', class: 'primary', attrs: { type: 'button' }, text: 'Run', title: 'Run the scenario with these knobs (Enter in a knob field)', on: { click: () => void this.run() } });
    this.cancelBtn = h('button', { id: 'cancel', attrs: { type: 'button', hidden: true }, text: 'Cancel run', on: { click: () => this.cancel() } });
    this.progress = h('p', { id: 'progress', class: 'progress', attrs: { role: 'status', hidden: true } });
    this.compareBar = h('div', { class: 'compare-bar', attrs: { hidden: true, role: 'region', 'aria-label': 'comparison' } });
    this.sidesEl = h('div', { class: 'sides' }, this.sides[0].el);

    const header = h(
      'header',
      { class: 'topbar' },
      h('h1', {}, 'edgeloop', h('span', { class: 'sub', text: ' playground' })),
      this.knobs.scenarioField,
      this.runBtn,
      this.cancelBtn,
      this.knobs.compareField,
      h('span', { class: 'spacer' }),
      this.share.editButton,
      this.share.importButton,
      this.share.fileInput,
      this.share.copyLinkButton,
      h('button', { id: 'help', attrs: { type: 'button', 'aria-label': 'Keyboard shortcuts' }, text: '?', on: { click: () => this.playback.helpDialog.showModal() } }),
    );
    this.explore = new ExplorePanel({
      open: (doc) => {
        this.knobs.useCustom(doc);
        void this.run();
      },
    });
    this.live = new LivePanel({ show: (session, follow) => this.showLive(session, follow) });
    const sidebar = h(
      'aside',
      { id: 'sidebar', class: 'sidebar', attrs: { 'aria-label': 'scenario and knobs' } },
      this.knobs.about,
      this.knobs.knobsSection,
      this.result,
      this.live.el,
      this.explore.el,
    );
    const workspace = h('section', { class: 'workspace', attrs: { 'aria-label': 'trace' } }, this.playback.toolbar, this.compareBar, this.sidesEl);
    replace(
      root,
      header,
      this.messages.el,
      this.progress,
      h('div', { class: 'share-row' }, this.share.linkOut),
      h('main', { class: 'layout' }, sidebar, workspace),
      this.share.editorDialog,
      this.playback.helpDialog,
    );
    root.removeAttribute('aria-busy');
    document.addEventListener('keydown', (ev) => this.playback.onKey(ev));
  }

  /** Applies a link's state (see import-share.ts). */
  openLink(hash: string): Promise<void> {
    return this.share.openLink(hash);
  }

  /** Attaches to a server's live view (a #live=ws://... link, printed by edgeloop serve --live). */
  attachLive(url: string): void {
    this.live.attach(url);
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

  // ---- running ----

  private cancel(): void {
    for (const r of this.runners) r.cancel();
  }

  /** Runs the scenario with the knobs (and the compare variant): the sides get fresh sessions. */
  async run(at = 0): Promise<void> {
    const knobs = this.knobs.readKnobs();
    if (!knobs) {
      // The banner points at the message: the message must be where the eye and the focus are (the knobs may be scrolled away).
      const which = this.knobs.revealFirstError();
      this.messages.say('error', `A knob is invalid${which ? ` (${which})` : ''}: see the message beside it.`, 'knobs');
      return;
    }
    this.messages.clear('knobs');
    this.playback.stopPlay();
    this.knobs.markApplied();
    this.leaveLive('A run replaced the live view (detached).');
    const serial = ++this.runSerial;
    const doc = this.knobs.currentDoc();
    const variantA = knobs.variant ?? 'edgeloop';
    const variantB = this.knobs.compare;
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
      const steps = progress[0]![0] + (variantB ? progress[1]![0] : 0);
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
      if (variantB) {
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
      const received = performance.now();
      let modelMs = 0;
      const sessions = outcomes.map((o, k) => {
        const variant = (k === 0 ? variantA : variantB) as VariantName;
        const used = k === 0 ? knobs : { ...knobs, variant, ...(variant === 'edgeloop' ? {} : { trigger: 'edge' as const }) };
        const verdict = verdictOf({ doc, variant, ok: o.ok, failures: o.failures.length, knobs: used });
        const m0 = performance.now();
        const { trace, frames, ...summary } = o;
        const model = new TraceModel(trace.header, new TraceStore(trace.columns), null);
        modelMs += performance.now() - m0;
        const list = new FrameList(frames);
        return makeSession(model, list, summary, variant, 'run', verdict, new ExactFrames(doc, k === 0 ? { ...knobs, variant: variantA } : used, list, model.n));
      });
      const sessionsMade = performance.now();
      this.setSessions(sessions as [Session] | [Session, Session]);
      this.knobs.renderAbout();
      this.renderResult();
      this.messages.clear('run');
      if (outcomes.some((o) => o.capped)) {
        this.messages.say('info', `The run reached the playground's cap of ${num(MAX_RUN_EVENTS)} events and was stopped there: what ran until then is shown.`, 'run', true);
      }
      this.playback.setCursor(at);
      this.lastRunMs = performance.now() - started;
      this.lastRunPhases = {
        workerMs: Math.round(Math.max(...outcomes.map((o) => o.ms))),
        receiveMs: Math.round(received - started - Math.max(...outcomes.map((o) => o.ms))),
        modelMs: Math.round(modelMs),
        sessionMs: Math.round(sessionsMade - received - modelMs),
        showMs: Math.round(performance.now() - sessionsMade),
      };
      document.body.dataset.state = 'ready';
      document.body.dataset.runMs = String(Math.round(this.lastRunMs));
    } catch (e) {
      if (serial !== this.runSerial) return;
      if (e instanceof RunCancelled) this.messages.say('info', 'The run was cancelled.', 'run');
      else if (e instanceof RunInvalid) this.messages.say('error', `The scenario is invalid: ${e.message}`, 'run');
      else this.messages.say('error', `The run failed: ${(e as Error).message}`, 'run');
      document.body.dataset.state = 'error';
    } finally {
      if (serial === this.runSerial) {
        this.runBtn.disabled = false;
        this.cancelBtn.hidden = true;
        this.progress.hidden = true;
      }
    }
  }

  /** An imported trace replaces the runs: whatever is running would overwrite it. */
  private showOnly(session: Session): void {
    this.leaveLive('An imported trace replaced the live view (detached).');
    this.playback.stopPlay();
    this.runSerial++;
    this.cancel();
    this.knobs.setCompare(null);
    this.setSessions([session]);
    this.renderResult();
  }

  /** A live view's newest window: it replaces what is shown, like an import; `follow` puts the cursor on its newest record. */
  private showLive(session: Session, follow: boolean): void {
    this.playback.stopPlay();
    if (!this.liveShown) {
      // Whatever was running would overwrite the live view.
      this.runSerial++;
      this.cancel();
      this.knobs.setCompare(null);
      // The knobs and expectations are the simulation's: out of the way until a run (leaveLive).
      this.knobs.knobsSection.hidden = true;
      this.result.hidden = true;
      replace(
        this.knobs.about,
        h('h2', { text: 'A real server, live' }),
        h('p', { class: 'explanation', text: 'A real server’s reactor on Linux, as it runs: its trace records (the newest in the page’s window), its connections and its epoll interest list, from the server’s live view.' }),
        h('p', { class: 'muted', text: 'The buffers come from the server’s snapshots (about 4 a second); Linux does not show an epoll’s ready list. Pause to look around; pick a scenario or press Run to go back to the simulation.' }),
      );
      this.liveShown = true;
    }
    const cursor = this.playback.cursor;
    this.setSessions([session]);
    this.playback.setCursor(follow ? session.model.n - 1 : cursor, follow);
  }

  private leaveLive(why: string): void {
    if (this.live.active) {
      this.live.detach();
      this.messages.say('info', why, 'live');
    }
    this.knobs.knobsSection.hidden = false;
    this.result.hidden = false;
    this.liveShown = false;
  }

  private setSessions(sessions: [Session] | [Session, Session]): void {
    // The sessions replaced: their workers for exact state go with them.
    for (const side of this.sides) if (side.session && !sessions.includes(side.session)) side.session.exact?.dispose();
    const [a, b] = sessions;
    this.divergence = a && b ? firstDivergence(a.model, b.model) : null;
    // Each run cut into reactor steps once (with the moments its session already has), for the divergence and the alignment.
    this.steps = a && b ? [behaviourSteps(a.model.records, a.moments), behaviourSteps(b.model.records, b.moments)] : null;
    this.behaviour = a && b && this.steps ? behaviourDivergenceOf(this.steps[0], this.steps[1], a.model.n, b.model.n) : null;
    this.sides[0].setSession(a, this.divergence);
    this.sides[1].setSession(b ?? null, this.divergence);
    this.applyAlignment();
    this.sidesEl.classList.toggle('two', !!b);
    replace(this.sidesEl, this.sides[0].el, b ? this.sides[1].el : null);
    this.renderCompareBar();
    // The explanation's links follow what this run has.
    this.knobs.refreshMomentLinks();
    this.find.update(this.playback.cursor, this.matchLists());
  }

  private matchLists(): Array<Int32Array | null> {
    return this.sides.filter((s) => s.session).map((s) => s.matches);
  }

  /**
   * The side whose run has the moment: the run of the variant the phrase is about when it is on screen (its
   * moment or none), else any run that has it (the knobs may have changed the variant).
   */
  private momentSide(name: MomentName, variant: VariantName): Side | null {
    const runs = this.sides.filter((s) => s.session?.source === 'run');
    const exact = runs.find((s) => s.session?.variant === variant);
    if (exact) return exact.session?.moments.byName.has(name) ? exact : null;
    return runs.find((s) => s.session?.moments.byName.has(name)) ?? null;
  }

  private momentState(name: MomentName, variant: VariantName): 'here' | 'absent' | 'run' {
    if (this.canRunBeside(variant)) return 'run';
    return this.momentSide(name, variant) ? 'here' : 'absent';
  }

  /** A phrase about the contrast, with only the scenario's run on screen: one click runs the contrast beside it. */
  private canRunBeside(variant: VariantName): boolean {
    const a = this.sides[0].session;
    return a?.source === 'run' && !this.sides[1].session && a.variant !== variant && this.knobs.currentDoc().contrast?.variant === variant;
  }

  private async gotoMoment(name: MomentName, variant: VariantName): Promise<void> {
    if (this.canRunBeside(variant)) {
      this.knobs.setCompare(variant);
      await this.run(this.playback.cursor);
    }
    const side = this.momentSide(name, variant);
    const m = side?.session?.moments.byName.get(name);
    if (!m) {
      this.messages.say('info', 'This run has no such moment (the knobs or the variant changed what happens).', 'moment');
      return;
    }
    this.playback.stopPlay();
    if (side === this.sides[1]) this.playback.showB(m.index);
    else this.playback.setCursor(m.index);
  }

  /** B follows A by reactor step, anchored at both divergences (alignment.ts), or by position. */
  private applyAlignment(): void {
    const a = this.sides[0].session;
    const b = this.sides[1].session;
    if (!a || !b || !this.steps || this.alignBy === 'position') {
      this.playback.setAlignment(null);
      return;
    }
    // The lesson's anchor first: where the two divergences disagree, b lands exactly and d lands on A only.
    const anchors: Array<readonly [number, number]> = [];
    if (this.behaviour) anchors.push([this.behaviour.indexA, this.behaviour.indexB]);
    if (this.divergence !== null) anchors.push([this.divergence, this.divergence]);
    this.playback.setAlignment(alignSteps(this.steps[0], this.steps[1], a.model.n, b.model.n, anchors));
  }

  private renderBehaviour(a: Session, b: Session): HTMLElement {
    const d = this.behaviour;
    if (!d) return h('p', { id: 'behaviour-divergence', dataset: { index: '' }, text: 'The two runs behave alike: at every reactor step the clients got the same bytes, nothing more was dropped or closed, and the same connections waited for EPOLLOUT.' });
    const what = d.facets.map((f) => FACET_LABELS[f]).join(', ');
    return h(
      'div',
      { id: 'behaviour-divergence', dataset: { index: d.indexA, indexB: d.indexB, step: d.step, facet: d.facet } },
      // Counted in the reactor's epoll_waits: the page's step column counts the simulation's steps, which differ.
      h('p', {}, h('strong', { text: d.step === 0 ? 'First difference in behaviour before the reactor’s first epoll_wait' : `First difference in behaviour at the reactor’s ${ordinal(d.step)} epoll_wait` }), ` — ${what}.`),
      h('p', { class: 'div-a' }, h('span', { class: 'tag', text: `A ${a.variant}` }), `${FACET_LABELS[d.facet]}: ${d.a}`),
      h('p', { class: 'div-b' }, h('span', { class: 'tag', text: `B ${b.variant}` }), `${FACET_LABELS[d.facet]}: ${d.b}`),
      h('button', { id: 'jump-behaviour', attrs: { type: 'button' }, text: 'Jump to it (b)', on: { click: () => this.playback.setCursor(d.indexA) } }),
    );
  }

  private renderAlignChoice(): HTMLElement {
    const select = h(
      'select',
      {
        id: 'align-by',
        on: {
          change: (ev) => {
            this.alignBy = (ev.target as HTMLSelectElement).value as AlignMode;
            this.applyAlignment();
            this.playback.setCursor(this.playback.cursor, true);
          },
        },
      },
      h('option', { attrs: { value: 'step' }, text: 'reactor step (what they do)' }),
      h('option', { attrs: { value: 'position' }, text: 'event position' }),
    ) as HTMLSelectElement;
    select.value = this.alignBy;
    return h('p', { class: 'align-choice' }, h('label', { attrs: { for: 'align-by' }, text: 'Run B follows the cursor by ' }), select);
  }

  private renderCompareBar(): void {
    const a = this.sides[0].session;
    const b = this.sides[1].session;
    if (!a || !b || this.knobs.compare === null) {
      this.compareBar.hidden = true;
      return;
    }
    this.compareBar.hidden = false;
    const d = this.divergence;
    if (d === null) {
      replace(this.compareBar, h('p', { id: 'divergence', dataset: { index: '' }, text: `The two runs are identical (${num(a.model.n)} events).` }));
      return;
    }
    const behaviour = this.renderBehaviour(a, b);
    const ra = a.model.records.get(d);
    const rb = b.model.records.get(d);
    replace(
      this.compareBar,
      h(
        'div',
        { id: 'divergence', dataset: { index: d, seq: d + 1 } },
        h('p', {}, h('strong', { text: `First divergence at event #${d + 1}` }), ` — the runs agree on the ${num(d)} events before it.`),
        h('p', { class: 'div-a' }, h('span', { class: 'tag', text: `A ${a.variant}` }), ra ? `${ra.actor}: ${summary(ra)}` : '(trace ended)'),
        h('p', { class: 'div-b' }, h('span', { class: 'tag', text: `B ${b.variant}` }), rb ? `${rb.actor}: ${summary(rb)}` : '(trace ended)'),
        h('button', { id: 'jump-divergence', attrs: { type: 'button' }, text: 'Jump to it (d)', on: { click: () => this.playback.setCursor(d) } }),
      ),
      behaviour,
      this.renderAlignChoice(),
    );
  }

  private toggleCompare(): void {
    if (this.sides[0].session?.source !== 'run' && this.knobs.compare !== null && this.sides[0].session) {
      // An imported trace has no scenario to re-run: compare the picked scenario instead.
      this.messages.say('info', 'Compare runs the picked scenario with two variants.');
    }
    void this.run(this.playback.cursor);
  }

  private renderResult(): void {
    const s = this.sides[0].session;
    if (!s || !s.outcome) {
      replace(this.result);
      return;
    }
    const sides = [this.sides[0].session, this.sides[1].session].filter((x): x is Session => !!x?.outcome);
    const doc = this.knobs.currentDoc();
    const children: HTMLElement[] = [h('h2', { text: 'What the run shows' })];
    for (const side of sides) {
      const o = side.outcome as RunSummary;
      const v = side.verdict;
      const kind = v?.kind ?? 'other';
      children.push(
        h(
          'div',
          { class: `verdict-block v-${kind}`, dataset: { variant: side.variant ?? '', verdict: kind, held: String(o.ok) } },
          h('p', {}, h('strong', { text: `${verdictMark(kind)} ${v?.headline ?? ''} — ${side.variant}` }), ` · ${num(o.steps)} steps, ${num(side.model.n)} events, ${Math.round(o.ms)} ms`),
          v ? h('p', { class: 'verdict-detail', text: v.detail }) : null,
          o.failures.length
            ? h(
                'details',
                { attrs: { open: kind === 'unexpected' || kind === 'knobs' } },
                h('summary', { text: `Expectations that did not hold (${num(o.failures.length)})` }),
                h('ul', { class: 'failures' }, ...o.failures.slice(0, 20).map((f) => h('li', { text: formatScenarioFailure(f) }))),
              )
            : h('p', { class: 'muted', text: doc.expect.length ? `All ${num(doc.expect.length)} expectations held.` : 'The scenario has no expectations.' }),
        ),
      );
    }
    replace(this.result, ...children);
  }
}

// ---- boot ----

async function boot(): Promise<void> {
  const root = byId('app');
  const t0 = performance.now();
  const app = new App(root);
  (window as unknown as { edgeloopPlayground: unknown }).edgeloopPlayground = app;
  const live = /^#live=(.+)$/.exec(location.hash);
  if (live) app.attachLive(decodeURIComponent(live[1] as string));
  else if (location.hash.length > 1) await app.openLink(location.hash);
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
