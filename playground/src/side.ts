// One side of the page (two in compare mode): a session's moments strip,
// timeline and plot, and at the cursor the event, the epoll lists and the
// buffer gauges. Each
// side draws its own session at the cursor the transport gives it; what a
// click or the export button means is the page's business (SideHooks).
import { formatTraceRecord } from '../../src/browser.js';
import { h, replace } from './dom.js';
import { renderEpoll } from './epoll-view.js';
import { num, ordinal, summary } from './format.js';
import { renderGauges } from './gauges.js';
import { MOMENT_INFO, type Moment } from './moments.js';
import { Plot } from './plot.js';
import { SeqPlot } from './seq-plot.js';
import { lowerBound, matchIndexes, type Query } from './search.js';
import type { RunSummary, Session } from './session.js';
import { badgesOf } from './badges.js';
import { SourceView } from './source-view.js';
import { Timeline } from './timeline.js';
import { verdictMark } from './verdict.js';

export interface SideHooks {
  /** A row of the timeline or a point of the plot was clicked. */
  pick(index: number): void;
  export(session: Session): void;
}

export class Side {
  readonly el: HTMLElement;
  readonly timeline: Timeline;
  readonly plot: Plot;
  readonly seqPlot: SeqPlot;
  private readonly title: HTMLElement;
  private readonly verdict: HTMLElement;
  /** Under the title when the knobs changed what the scenario shows: the reader must not take the run for a failure. */
  private readonly verdictNote: HTMLElement;
  private readonly eventBox: HTMLElement;
  private readonly gauges: HTMLElement;
  private readonly epollEl: HTMLElement;
  private readonly exportBtn: HTMLButtonElement;
  private readonly momentsEl: HTMLElement;
  /** The C++ behind the event at the cursor. */
  readonly source: SourceView;
  session: Session | null = null;
  /** The search's matches in this session (ascending record indexes), or null without a search. */
  matches: Int32Array | null = null;
  private query: Query | null = null;
  private filterOnly = false;
  private epoll: string | null = null;
  private cursor = 0;
  private showAllConns = false;

  constructor(
    readonly id: 'a' | 'b',
    hooks: SideHooks,
  ) {
    this.timeline = new Timeline({ label: id === 'a' ? 'Timeline' : 'Timeline B', onPick: (i) => hooks.pick(i) });
    this.plot = new Plot((i) => hooks.pick(i));
    this.seqPlot = new SeqPlot((i) => hooks.pick(i));
    this.title = h('h2', { class: 'side-title', text: '' });
    this.verdict = h('span', { class: 'verdict' });
    this.verdictNote = h('p', { class: 'verdict-note', attrs: { hidden: true } });
    this.exportBtn = h('button', {
      attrs: { type: 'button', 'data-action': `export-${id}` },
      text: 'Export trace (.jsonl)',
      title: 'Download this trace as JSON Lines',
      on: {
        click: () => {
          if (this.session) hooks.export(this.session);
        },
      },
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
    this.momentsEl = h('nav', { class: 'moments', attrs: { 'aria-label': id === 'a' ? 'Moments of the run' : 'Moments of run B' } });
    this.momentsEl.addEventListener('click', (ev) => {
      const chip = (ev.target as HTMLElement).closest<HTMLElement>('.moment-chip');
      if (chip?.dataset.index !== undefined) hooks.pick(Number(chip.dataset.index));
    });
    this.source = new SourceView(id === 'a' ? 'Run A' : 'Run B');
    this.source.el.classList.add(`source-${id}`);
    const traceCol = h('div', { class: 'trace-col' }, this.momentsEl, this.timeline.el, h('h3', { class: 'plot-title', text: 'Bytes over the trace' }), this.plot.el, this.seqPlot.el);
    this.el = h(
      'section',
      { class: `side side-${id}`, attrs: { 'aria-label': id === 'a' ? 'run A' : 'run B' } },
      h('div', { class: 'side-head' }, this.title, this.verdict, this.exportBtn, this.verdictNote),
      // The source sits under the trace column (its own grid row: in compare mode, between each side's trace and state).
      h('div', { class: 'side-body' }, traceCol, this.source.el, stateCol),
    );
  }

  setSession(s: Session | null, divergence: number | null): void {
    // A live view brings a new window every 250 ms: the epoll picked stays picked.
    const keep = s !== null && s.source !== 'run' && 'live' in s.source && s.model.epolls.some((e) => e.name === this.epoll);
    this.session = s;
    if (!keep) this.epoll = s?.model.mainEpoll ?? null;
    // A live view's frames are the server's snapshots, not reactor steps: the step column stays empty.
    this.timeline.setData(s?.model ?? null, s?.source === 'run' ? s.frames : null, divergence);
    this.plot.setData(s?.model ?? null, s?.frames ?? null);
    this.seqPlot.setData(s?.model ?? null, s?.source === 'run' ? s.frames : null);
    this.timeline.setMoments(s?.moments ?? null);
    this.plot.setMoments(s?.moments ?? null);
    this.renderMoments();
    this.applyQuery();
    this.exportBtn.disabled = !s;
    delete this.verdict.dataset.verdict;
    delete this.verdict.dataset.held;
    this.verdictNote.hidden = true;
    if (!s) {
      this.title.textContent = 'No trace';
      replace(this.verdict);
      return;
    }
    if (s.source === 'run') {
      const o = s.outcome as RunSummary;
      this.title.textContent = `${this.id === 'b' ? 'B' : 'A'}: ${s.variant ?? ''} · ${o.options.family} · seed ${o.options.seed ?? 1}`;
      const v = s.verdict;
      // What the run shows, not whether it passed: the expectations held is the lesson for one variant, failed for the other.
      this.verdict.dataset.held = String(o.ok);
      if (v) {
        this.verdict.dataset.verdict = v.kind;
        replace(this.verdict, h('span', { class: `v-${v.kind}`, title: v.detail, text: `${verdictMark(v.kind)} ${v.headline}` }));
        if (v.kind === 'knobs' || v.kind === 'unexpected') {
          this.verdictNote.textContent = v.detail;
          this.verdictNote.hidden = false;
        }
      } else replace(this.verdict, h('span', { class: 'muted', text: o.ok ? 'every expectation held' : `${num(o.failures.length)} checks failed` }));
    } else if ('live' in s.source) {
      this.title.textContent = s.source.title;
      const first = s.model.records.get(0)?.seq;
      replace(this.verdict, h('span', { class: 'muted', text: s.model.n ? `${num(s.model.n)} events (#${num(first ?? 0)} on)` : 'no events yet' }));
    } else {
      this.title.textContent = `Imported: ${s.source.file} · kernel ${s.model.header.kernel}${s.model.header.seed !== null ? ` · seed ${s.model.header.seed}` : ''}`;
      replace(this.verdict, h('span', { class: 'muted', text: `${num(s.model.n)} events` }));
    }
  }

  setDivergence(i: number | null): void {
    this.timeline.setDivergence(i);
  }

  /** A search over this side's trace (null: none); `only`: the timeline shows just the matches. */
  setQuery(query: Query | null, only: boolean): void {
    this.query = query;
    this.filterOnly = only;
    this.applyQuery();
  }

  private applyQuery(): void {
    const s = this.session;
    this.matches = s && this.query ? matchIndexes(s.model.records, this.query, s.moments) : null;
    this.timeline.setMatches(this.matches, this.filterOnly);
  }

  /** Where "next moment" stops: the first occurrence of each kind. */
  momentStops(): number[] {
    return this.session?.moments.list.map((m) => m.index) ?? [];
  }

  private renderMoments(): void {
    const s = this.session;
    if (!s) {
      replace(this.momentsEl);
      return;
    }
    const list = s.moments.list;
    const chips = list.map((m) => {
      const info = MOMENT_INFO[m.name];
      const seq = s.model.records.get(m.index)?.seq ?? m.index + 1;
      const count = m.count > 1 ? ` ×${num(m.count)}` : '';
      const chip = h('button', {
        class: `moment-chip m-${m.name}`,
        attrs: { type: 'button', 'aria-label': `${info.label}${count ? `, ${num(m.count)} times` : ''}: first at event ${seq}` },
        dataset: { moment: m.name, index: m.index, seq },
        title: `${info.about}
First at event #${seq}: ${m.detail}${m.bytes !== undefined ? `
${num(m.bytes)} bytes in all.` : ''}`,
      });
      chip.append(h('span', { class: 'chip-mark', attrs: { 'aria-hidden': 'true' }, text: '◆' }), ` ${info.label}${count}`);
      return chip;
    });
    replace(
      this.momentsEl,
      h('span', { class: 'moments-title', text: `Moments (${list.length})` }),
      chips.length ? h('span', { class: 'chips' }, ...chips) : h('span', { class: 'muted', text: 'none in this trace' }),
    );
  }

  /** The moments at record `i`: each kind that happens there, with which occurrence it is. */
  private momentsAt(i: number): Array<{ m: Moment; k: number }> {
    const s = this.session;
    if (!s) return [];
    const out: Array<{ m: Moment; k: number }> = [];
    for (const m of s.moments.list) {
      const occ = s.moments.occurrences.get(m.name) ?? [];
      const k = lowerBound(occ, i);
      if (occ[k] === i) out.push({ m, k: k + 1 });
    }
    return out;
  }

  /** `playing`: the transport is playing (no exact state is asked for on the way: it is shown once play stops). */
  show(cursor: number, scroll: boolean, playing = false): void {
    const s = this.session;
    const live = s !== null && s.source !== 'run' && 'live' in s.source;
    // A live server with no events yet still has connections and interest lists to show.
    if (!s || (s.model.n === 0 && !live)) {
      renderGauges(this.gauges, null);
      renderEpoll(this.epollEl, null);
      replace(this.eventBox);
      this.source.show(null, 0);
      return;
    }
    const i = Math.min(cursor, s.model.n - 1);
    this.cursor = i;
    this.timeline.setCursor(i, scroll);
    this.plot.setCursor(i);
    this.seqPlot.setCursor(i);
    const k = s.frames ? s.frames.frameAt(i) : -1;
    const stepFrame = s.frames?.get(k) ?? null;
    // Frame 0 too: inside the first step the panel is still the state before it. After the last step of a run
    // made here as well (a script's last actions); a live view's last snapshot is what there is.
    const inside = stepFrame !== null && stepFrame.records < i + 1 && (s.exact !== null || k < (s.frames?.length ?? 0) - 1);
    // Inside a step, the state up to this event, once the run again has taken it (exact-frames.ts); the step's meanwhile.
    const exactFrame = inside ? s.exact?.get(i) : undefined;
    if (inside && !exactFrame && s.exact && !playing) {
      s.exact.onReady = () => this.show(this.cursor, false);
      s.exact.want(i);
    }
    const frame = exactFrame ?? stepFrame;
    const lagging = inside && !exactFrame;
    renderGauges(this.gauges, {
      frame,
      lagging,
      exact: exactFrame !== undefined,
      computing: lagging && (s.exact?.computing(i) ?? false),
      waiting: lagging && (s.exact?.waiting(i) ?? false),
      exactFailed: lagging ? (s.exact?.failed ?? (s.exact?.unavailable(i) ? 'it is part of the simulation’s setup, made before the scenario’s first action, which the run again does not look into' : null)) : null,
      stepStart: stepFrame?.records ?? 0,
      highWaterMark: s.highWaterMark,
      peakSendBuf: s.peakSendBuf,
      model: s.model,
      cursor: i,
      sampled: live ? 'snapshots' : 'steps',
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
      exact: exactFrame !== undefined,
      readyUnknown: live ? 'not known: Linux shows an epoll\u2019s interest list, never its ready list' : null,
      epoll: this.epoll,
      onEpoll: (name) => {
        this.epoll = name;
        this.show(this.cursor, false);
      },
    });
    for (const chip of this.momentsEl.querySelectorAll<HTMLElement>('.moment-chip')) {
      if (Number(chip.dataset.index) === i) chip.setAttribute('aria-current', 'true');
      else chip.removeAttribute('aria-current');
    }
    const r = s.model.records.get(i);
    this.source.show(s.model.records, i);
    if (r) {
      const badges = badgesOf(s.model, i);
      const here = this.momentsAt(i);
      replace(
        this.eventBox,
        h('h3', {
          text: `Event #${r.seq} of ${num(s.model.n)} · ${r.actor} · t=${r.t} ms${s.model.header.kernel === 'sim' ? ' (virtual)' : ''}`,
          // The simulated kernel's clock moves only when the run lets time pass
          // (advance, settle, a timer): most events share one virtual instant.
          title:
            s.model.header.kernel === 'sim'
              ? "virtual time: the simulated kernel's clock moves only when the run lets time pass (an advance or settle action), and timers such as TCP's 40 ms delayed ACK fire only then. Where it stays at 0, an ACK the kernel would delay waits until the client reads or sends, but the ACKs the kernel sends at once still go out (quick ACKs, and an ACK once more than one full segment is unacknowledged). Events in between happen at the same instant"
              : 'milliseconds since the trace began, on the real clock',
        }),
        h('p', { class: 'event-summary', dataset: { seq: r.seq }, text: summary(r) }),
        here.length
          ? h(
              'ul',
              { class: 'moment-notes' },
              ...here.map(({ m, k }) =>
                h(
                  'li',
                  { dataset: { moment: m.name } },
                  h('strong', { text: `◆ ${MOMENT_INFO[m.name].label}` }),
                  m.count > 1 ? ` (the ${ordinal(k)} of ${num(m.count)})` : '',
                  `: ${MOMENT_INFO[m.name].about}`,
                  k === 1 ? h('span', { class: 'moment-detail', text: ` Here: ${m.detail}.${m.bytes !== undefined ? ` ${num(m.bytes)} bytes in all.` : ''}` }) : null,
                ),
              ),
            )
          : null,
        badges.length ? h('ul', { class: 'badge-notes' }, ...badges.map((b) => h('li', {}, h('span', { class: `badge ${b.cls}`, text: b.text }), ` ${b.title}`))) : null,
        h('details', {}, h('summary', { text: 'Raw record' }), h('pre', { class: 'raw', text: `${formatTraceRecord(r)}\n${JSON.stringify(r)}` })),
      );
    }
  }
}
