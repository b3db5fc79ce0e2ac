// One side of the page (two in compare mode): a session's timeline and plot,
// and at the cursor the event, the epoll lists and the buffer gauges. Each
// side draws its own session at the cursor the transport gives it; what a
// click or the export button means is the page's business (SideHooks).
import { formatTraceRecord } from '../../src/browser.js';
import { h, replace } from './dom.js';
import { renderEpoll } from './epoll-view.js';
import { num, summary } from './format.js';
import { frameAt, type Frame } from './frames.js';
import { renderGauges } from './gauges.js';
import { Plot } from './plot.js';
import type { RunOutcome } from './run-protocol.js';
import type { Session } from './session.js';
import { badgesOf, Timeline } from './timeline.js';

export interface SideHooks {
  /** A row of the timeline or a point of the plot was clicked. */
  pick(index: number): void;
  export(session: Session): void;
}

export class Side {
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
    hooks: SideHooks,
  ) {
    this.timeline = new Timeline({ label: id === 'a' ? 'Timeline' : 'Timeline B', onPick: (i) => hooks.pick(i) });
    this.plot = new Plot((i) => hooks.pick(i));
    this.title = h('h2', { class: 'side-title', text: '' });
    this.verdict = h('span', { class: 'verdict' });
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
    const traceCol = h('div', { class: 'trace-col' }, this.timeline.el, h('h3', { class: 'plot-title', text: 'Bytes over the trace' }), this.plot.el);
    this.el = h(
      'section',
      { class: `side side-${id}`, attrs: { 'aria-label': id === 'a' ? 'run A' : 'run B' } },
      h('div', { class: 'side-head' }, this.title, this.verdict, this.exportBtn),
      h('div', { class: 'side-body' }, traceCol, stateCol),
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
    } else if ('live' in s.source) {
      this.title.textContent = s.source.title;
      const first = s.model.records[0]?.seq;
      replace(this.verdict, h('span', { class: 'muted', text: s.model.n ? `${num(s.model.n)} events (#${num(first ?? 0)} on)` : 'no events yet' }));
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
    const live = s !== null && s.source !== 'run' && 'live' in s.source;
    // A live server with no events yet still has connections and interest lists to show.
    if (!s || (s.model.n === 0 && !live)) {
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
      readyUnknown: live ? 'not known: Linux shows an epoll\u2019s interest list, never its ready list' : null,
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
}
