// The timeline: one row per trace record, one column (lane) per actor,
// rendered virtually (only the rows in view exist in the DOM), so a trace
// of 200,000 events scrolls and jumps as fast as one of 200. Marks are text
// badges (EAGAIN, partial, +EPOLLOUT, −EPOLLOUT, OUT ready, EOF, error, the
// run's moments), never colour alone. A search marks its matches; filtering
// shows only them: the rows are then positions in the list of matches,
// still rendered virtually.
import type { TraceRecord } from '../../src/browser.js';
import { h, replace } from './dom.js';
import { summary } from './format.js';
import type { FrameList } from './frame-list.js';
import { badgesOf } from './badges.js';
import { MOMENT_INFO, type Moments } from './moments.js';
import { lowerBound } from './search.js';
import type { TraceModel } from './trace-model.js';

export const ROW_H = 26;
const OVERSCAN = 12;
/** Below this width: one column, the actor named in each row. */
const COMPACT_WIDTH = 420;
/** From this width: a full column of text per actor. Between: a narrow rail per actor with a marker. */
const LANES_WIDTH = 1000;
type Mode = 'compact' | 'rails' | 'lanes';

export interface TimelineOptions {
  /** For the list's accessible name: 'Timeline', 'Timeline A'... */
  label: string;
  onPick(index: number): void;
}

export class Timeline {
  readonly el: HTMLElement;
  private readonly head: HTMLElement;
  private readonly viewport: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly layer: HTMLElement;
  private readonly empty: HTMLElement;
  private readonly key: HTMLElement;
  private model: TraceModel | null = null;
  /** Step number at each record that ends a step (-1 elsewhere). */
  private stepEnd: Int32Array = new Int32Array(0);
  private cursor = 0;
  private divergence: number | null = null;
  private mode: Mode = 'rails';
  private pool: HTMLElement[] = [];
  private raf = 0;
  private lastRange = '';
  /** Filtering: the record index shown at each row (null: every record, row i is record i). */
  private view: Int32Array | null = null;
  /** The search's matches, one flag per record (null: no search). */
  private matchFlags: Uint8Array | null = null;
  /** The first occurrence of each moment, by record index. */
  private momentAt = new Map<number, string[]>();

  constructor(private readonly options: TimelineOptions) {
    this.head = h('div', { class: 'tl-head', attrs: { 'aria-hidden': 'true' } });
    this.spacer = h('div', { class: 'tl-spacer' });
    this.layer = h('div', { class: 'tl-layer', attrs: { role: 'list', 'aria-label': options.label } });
    this.empty = h('p', { class: 'tl-empty', text: 'No trace yet: pick a scenario, or import a trace.' });
    this.viewport = h(
      'div',
      {
        class: 'tl-viewport',
        attrs: { tabindex: 0, 'aria-label': `${options.label}: scroll, or click an event to jump to it` },
        on: { scroll: () => this.schedule() },
      },
      this.spacer,
      this.layer,
      this.empty,
    );
    this.layer.addEventListener('click', (ev) => {
      const row = (ev.target as HTMLElement).closest<HTMLElement>('.tl-row');
      if (row?.dataset.index !== undefined) this.options.onPick(Number(row.dataset.index));
    });
    this.key = h('div', { class: 'tl-key' });
    this.el = h('div', { class: 'timeline' }, this.key, this.head, this.viewport);
    new ResizeObserver(() => {
      const w = this.el.clientWidth;
      const mode: Mode = w === 0 ? this.mode : w < COMPACT_WIDTH ? 'compact' : w >= LANES_WIDTH ? 'lanes' : 'rails';
      if (mode !== this.mode) {
        this.mode = mode;
        this.layout();
      }
      this.schedule();
    }).observe(this.el);
  }

  setData(model: TraceModel | null, frames: FrameList | null, divergence: number | null = null): void {
    this.model = model;
    this.divergence = divergence;
    this.stepEnd = new Int32Array(model?.n ?? 0).fill(-1);
    // A new trace: the page sets its matches and moments again.
    this.view = null;
    this.matchFlags = null;
    this.momentAt = new Map();
    if (model && frames) {
      for (let k = 0; k < frames.length; k++) {
        const records = frames.recordsAt(k);
        if (records > 0 && records <= model.n) this.stepEnd[records - 1] = frames.stepAt(k);
      }
    }
    this.pool.forEach((r) => r.remove());
    this.pool = [];
    this.layout();
    this.lastRange = '';
    this.render();
  }

  /** A search's matches (ascending record indexes), or null; `only`: show just those rows. */
  setMatches(matches: Int32Array | null, only: boolean): void {
    const n = this.model?.n ?? 0;
    if (matches) {
      const flags = new Uint8Array(n);
      for (const i of matches) flags[i] = 1;
      this.matchFlags = flags;
    } else this.matchFlags = null;
    this.view = matches && only ? matches : null;
    this.layout();
    this.scrollTo(this.cursor);
    this.render();
  }

  setMoments(moments: Moments | null): void {
    this.momentAt = new Map();
    for (const m of moments?.list ?? []) {
      const at = this.momentAt.get(m.index) ?? [];
      at.push(MOMENT_INFO[m.name].label);
      this.momentAt.set(m.index, at);
    }
    this.lastRange = '';
    this.render();
  }

  /** Rows in the list: every record, or the matches when filtering. */
  private get rows(): number {
    return this.view ? this.view.length : (this.model?.n ?? 0);
  }

  setDivergence(i: number | null): void {
    this.divergence = i;
    this.lastRange = '';
    this.render();
  }

  private layout(): void {
    const lanes = this.model?.lanes ?? [];
    const l = Math.max(1, lanes.length);
    this.el.dataset.mode = this.mode;
    // Room for the largest sequence number and the cursor mark.
    const digits = String(this.model?.records.get((this.model?.n ?? 1) - 1)?.seq ?? 1).length;
    const seq = `calc(${digits + 3}ch + 12px)`;
    const step = 'calc(4ch + 14px)';
    let cols: string;
    if (this.mode === 'compact') cols = `${seq} ${step} minmax(0, 1fr)`;
    else if (this.mode === 'lanes') cols = `${seq} ${step} repeat(${l}, minmax(0, 1fr))`;
    else cols = `${seq} ${step} repeat(${l}, 20px) 5.5em minmax(0, 1fr)`;
    this.el.style.setProperty('--tl-cols', cols);
    const laneHead = (name: string, k: number): HTMLElement =>
      this.mode === 'rails'
        ? h('span', { class: 'lane-title rail-title', title: laneAbout(name), text: String(k + 1) })
        : h('span', { class: 'lane-title', title: laneAbout(name), text: laneName(name) });
    if (this.mode === 'compact') replace(this.head, h('span', { text: '#' }), h('span', { text: 'step', title: STEP_ABOUT }), h('span', { text: 'actor: call → result' }));
    else if (this.mode === 'lanes') replace(this.head, h('span', { text: '#' }), h('span', { text: 'step', title: STEP_ABOUT }), ...lanes.map(laneHead));
    else replace(this.head, h('span', { text: '#' }), h('span', { text: 'step', title: STEP_ABOUT }), ...lanes.map(laneHead), h('span', { text: 'actor' }), h('span', { text: 'call → result' }));
    replace(
      this.key,
      this.mode === 'rails' && lanes.length ? `Lanes: ${lanes.map((name, k) => `${k + 1} ${laneName(name)}`).join(' · ')}` : '',
    );
    this.spacer.style.height = `${this.rows * ROW_H}px`;
    this.empty.textContent = this.view && (this.model?.n ?? 0) > 0 ? 'No event matches the search.' : 'No trace yet: pick a scenario, or import a trace.';
    this.empty.hidden = this.rows > 0;
    for (const r of this.pool) r.remove();
    this.pool = [];
    this.lastRange = '';
  }

  private schedule(): void {
    if (this.raf) return;
    this.raf = requestAnimationFrame(() => {
      this.raf = 0;
      this.render();
    });
  }

  /** Moves the cursor; scrolls it into view unless told not to. */
  setCursor(i: number, scroll = true): void {
    this.cursor = i;
    if (scroll) this.scrollTo(i);
    this.lastRange = '';
    this.render();
  }

  private scrollTo(i: number): void {
    // Filtering, the cursor's row is the first match at or after it.
    const top = (this.view ? Math.min(lowerBound(this.view, i), Math.max(0, this.view.length - 1)) : i) * ROW_H;
    const vh = this.viewport.clientHeight;
    const st = this.viewport.scrollTop;
    if (top < st + ROW_H || top > st + vh - 2 * ROW_H) this.viewport.scrollTop = Math.max(0, top - vh / 2 + ROW_H / 2);
  }

  /** The rows now in the DOM (record indexes unless filtering: positions among the matches). */
  visibleRange(): [number, number] {
    const n = this.rows;
    const first = Math.max(0, Math.floor(this.viewport.scrollTop / ROW_H) - OVERSCAN);
    const last = Math.min(n - 1, Math.ceil((this.viewport.scrollTop + this.viewport.clientHeight) / ROW_H) + OVERSCAN);
    return [first, last];
  }

  render(): void {
    const model = this.model;
    if (!model || model.n === 0) return;
    const [first, last] = this.visibleRange();
    const key = `${first}:${last}:${this.cursor}:${this.mode}`;
    if (key === this.lastRange) return;
    this.lastRange = key;
    const view = this.view;
    // Filtering, the first match after a cursor that is not a match is marked: the cursor sits just above it.
    const gap = view && !this.matchFlags?.[this.cursor] ? lowerBound(view, this.cursor) : -1;
    const count = Math.max(0, last - first + 1);
    while (this.pool.length < count) {
      const row = h('div', { class: 'tl-row', attrs: { role: 'listitem' } });
      this.layer.append(row);
      this.pool.push(row);
    }
    for (let k = 0; k < this.pool.length; k++) {
      const row = this.pool[k] as HTMLElement;
      if (k >= count) {
        row.hidden = true;
        row.className = 'tl-row';
        row.removeAttribute('aria-current');
        delete row.dataset.index;
        continue;
      }
      row.hidden = false;
      const pos = first + k;
      this.fill(row, view ? (view[pos] as number) : pos, pos, pos === gap);
    }
  }

  private fill(row: HTMLElement, i: number, pos: number, afterCursor: boolean): void {
    const model = this.model as TraceModel;
    const r = model.records.get(i) as TraceRecord;
    const lane = model.lane[i] as number;
    const current = i === this.cursor;
    row.style.transform = `translateY(${pos * ROW_H}px)`;
    row.dataset.index = String(i);
    row.dataset.seq = String(r.seq);
    row.className = 'tl-row';
    if (current) row.classList.add('current');
    if (i > this.cursor) row.classList.add('future');
    if (this.stepEnd[i] !== -1) row.classList.add('step-end');
    if (lane === 255) row.classList.add('action');
    if (i === this.divergence) row.classList.add('diverge');
    if (this.matchFlags?.[i]) row.classList.add('match');
    if (afterCursor) row.classList.add('after-cursor');
    if (current) row.setAttribute('aria-current', 'true');
    else row.removeAttribute('aria-current');

    const seq = h('span', { class: 'c-seq', text: `${current ? '▶ ' : this.matchFlags?.[i] ? '• ' : ''}${r.seq}` });
    if (this.matchFlags?.[i]) seq.title = 'matches the search';
    const step = h('span', { class: 'c-step', text: this.stepEnd[i] !== -1 ? String(this.stepEnd[i]) : '' });
    if (this.stepEnd[i] !== -1) step.title = `end of reactor step ${this.stepEnd[i]}`;
    const text = summary(r);
    const badges = badgesOf(model, i).map((b) => h('span', { class: `badge ${b.cls}`, text: b.text, title: b.title }));
    if (i === this.divergence) badges.unshift(h('span', { class: 'badge b-diverge', text: '≠ first diff', title: 'first divergence: the first event where the two runs differ' }));
    // One small mark however many moments fall here (the row's text keeps its room); the strip and the event box name them.
    const here = this.momentAt.get(i);
    if (here) {
      badges.unshift(
        h('span', { class: 'badge b-moment', title: `a moment of this run: ${here.join(', ')}` }, '◆', h('span', { class: 'visually-hidden', text: ` moment: ${here.join(', ')}` })),
      );
    }
    const title = `#${r.seq} t=${r.t}ms ${r.actor}: ${text}`;
    const body = h('span', { class: 'c-text', text });
    if (lane === 255) {
      const cell = h('span', { class: 'c-call', title }, body, ...badges);
      cell.style.gridColumn = '3 / -1';
      replace(row, seq, step, cell);
      return;
    }
    if (this.mode === 'compact') {
      replace(row, seq, step, h('span', { class: 'c-call', title }, h('span', { class: 'c-actor', text: `${r.actor}: ` }), body, ...badges));
      return;
    }
    const others = model.lanes[lane] === 'other actors';
    if (this.mode === 'lanes') {
      const cells: HTMLElement[] = [];
      for (let l = 0; l < model.lanes.length; l++) {
        cells.push(
          l === lane
            ? h('span', { class: 'c-call', title }, others ? h('span', { class: 'c-actor', text: `${r.actor}: ` }) : null, body, ...badges)
            : h('span', { class: 'c-lane' }),
        );
      }
      replace(row, seq, step, ...cells);
      return;
    }
    const rails: HTMLElement[] = [];
    for (let l = 0; l < model.lanes.length; l++) {
      rails.push(h('span', { class: l === lane ? `c-rail on lane-${l}` : 'c-rail', text: l === lane ? '●' : '' }));
    }
    replace(row, seq, step, ...rails, h('span', { class: `c-actor lane-${lane}`, text: r.actor }), h('span', { class: 'c-call', title }, body, ...badges));
  }

  focus(): void {
    this.viewport.focus();
  }
}

/**
 * A lane's name on the page. The 'peers' actor is not the clients: it is the
 * harness's shared epoll, which picks the simulated client that acts next
 * (the clients have their own lanes).
 */
function laneName(actor: string): string {
  return actor === 'peers' ? 'peers’ epoll' : actor;
}

function laneAbout(actor: string): string {
  return actor === 'peers' ? 'the simulated clients’ shared epoll (the harness’s, not the server’s): it decides which client acts next' : actor;
}

/** What the step column counts (the number marks a step's last event). */
const STEP_ABOUT = 'reactor step: one epoll_wait (timeout 0) and the handlers it ran; then the clients act. The number marks the step’s last event.';
