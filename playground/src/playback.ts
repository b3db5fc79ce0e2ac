// The transport: one cursor (an index into the trace) shared by both sides,
// moved event by event, reactor step by step, by playing at a speed, by
// going to an event number, or from the keyboard. Stepping back is exact
// and as cheap as stepping forward: every view is drawn from the trace and
// the snapshot at the cursor; nothing is undone.
import { h } from './dom.js';
import { num } from './format.js';
import { QUERY_HELP } from './findbar.js';
import type { Alignment } from './alignment.js';
import { lowerBound } from './search.js';
import type { Side } from './side.js';

/** Events per second. */
const SPEEDS = [1, 4, 16, 64, 256, 1024, 8192];

const KEYS: Array<[string, string]> = [
  ['→ or ↓', 'next event'],
  ['← or ↑', 'previous event (a true step back: for a run made here, the buffers, the interest list and the ready list are the state up to the event under the cursor, inside a step taken by running the scenario again; an imported trace has only its interest list, a live view the server’s last snapshot)'],
  ['Page Down or ]', 'next reactor step'],
  ['Page Up or [', 'previous reactor step'],
  ['Home / End', 'first / last event'],
  ['m / Shift+M', 'next / previous moment (the ◆ chips above the timeline)'],
  ['/', 'search the timeline (Enter: next match, Shift+Enter: previous, Escape: clear)'],
  ['n / Shift+N', 'next / previous match of the search'],
  ['Space', 'play / pause'],
  ['+ / −', 'faster / slower'],
  ['d', 'jump to the first divergence (compare mode)'],
  ['b', 'jump to the first difference in behaviour (compare mode)'],
  ['?', 'this help'],
];

export interface PlaybackHooks {
  /** The first event where the two runs differ (compare mode), or null: the d key's target. */
  divergence(): number | null;
  /** A's event where the runs first behave differently (compare mode), or null: the b key's target. */
  behaviourDivergence(): number | null;
  /** The / key: put the focus in the search box. */
  focusFind(): void;
  /** The cursor moved (the search's count follows it). */
  moved(cursor: number): void;
}

export class Playback {
  readonly toolbar: HTMLElement;
  readonly helpDialog: HTMLDialogElement;
  private at = 0;
  private align: Alignment | null = null;
  /** B's event when it was set exactly (showB) and the cursor has not moved since. */
  private bAt: number | null = null;
  private pendingB: number | null = null;
  private playing = false;
  private speed = 16;
  /** Events owed to the cursor: at low speeds a frame is worth a fraction of one. */
  private playAcc = 0;
  private playLast = 0;
  private readonly position: HTMLElement;
  private readonly playBtn: HTMLButtonElement;
  private readonly speedSel: HTMLSelectElement;
  private readonly gotoInput: HTMLInputElement;

  /** `leading` opens the toolbar: a control of the page's own (the sidebar toggle); `search` goes before the position. */
  constructor(
    private readonly sides: readonly [Side, Side],
    private readonly hooks: PlaybackHooks,
    leading: HTMLElement,
    search: HTMLElement,
  ) {
    const btn = (id: string, text: string, label: string, fn: () => void, keys: string): HTMLButtonElement =>
      h('button', { id, attrs: { type: 'button', 'aria-label': label, 'aria-keyshortcuts': keys }, title: `${label} (${keys})`, text, on: { click: fn } });
    this.playBtn = btn('play', '▶ Play', 'Play / pause', () => this.togglePlay(), 'Space');
    this.speedSel = h(
      'select',
      { id: 'speed', on: { change: () => (this.speed = Number(this.speedSel.value)) } },
      ...SPEEDS.map((s) => h('option', { attrs: { value: s }, text: `${num(s)} events/s` })),
    );
    this.speedSel.value = String(this.speed);
    // Announced when it changes (politely: after whatever the reader is saying), so a keyboard user hears where a key took them.
    this.position = h('span', { id: 'position', class: 'position', attrs: { 'aria-live': 'polite', 'aria-atomic': 'true' } });
    this.gotoInput = h('input', { id: 'goto', attrs: { type: 'number', min: 1, placeholder: '#', inputmode: 'numeric' } });
    this.gotoInput.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter') this.gotoSeq();
    });
    this.toolbar = h(
      'div',
      { class: 'transport', attrs: { role: 'toolbar', 'aria-label': 'transport' } },
      leading,
      btn('first', '|◀', 'First event', () => this.setCursor(0), 'Home'),
      btn('prev-step', '◀◀ step', 'Previous reactor step', () => this.stepBy(-1), 'PageUp'),
      btn('prev', '◀ event', 'Previous event', () => this.setCursor(this.at - 1), 'ArrowLeft'),
      this.playBtn,
      btn('next', 'event ▶', 'Next event', () => this.setCursor(this.at + 1), 'ArrowRight'),
      btn('next-step', 'step ▶▶', 'Next reactor step', () => this.stepBy(1), 'PageDown'),
      btn('last', '▶|', 'Last event', () => this.setCursor(Number.MAX_SAFE_INTEGER), 'End'),
      btn('prev-moment', '◀ ◆', 'Previous moment', () => this.jumpMoment(-1), 'Shift+M'),
      btn('next-moment', '◆ ▶', 'Next moment', () => this.jumpMoment(1), 'M'),
      h('div', { class: 'field inline' }, h('label', { attrs: { for: 'speed' }, text: 'Speed' }), this.speedSel),
      h('div', { class: 'field inline' }, h('label', { attrs: { for: 'goto' }, text: 'Go to event #' }), this.gotoInput),
      search,
      this.position,
    );
    this.helpDialog = h(
      'dialog',
      { id: 'help-dialog', class: 'dialog', attrs: { 'aria-labelledby': 'help-title' } },
      h('h2', { id: 'help-title', text: 'Keyboard shortcuts' }),
      h('table', { class: 'keys' }, h('tbody', {}, ...KEYS.map(([k, v]) => h('tr', {}, h('th', { text: k }), h('td', { text: v }))))),
      h('h3', { text: 'Search' }),
      h('p', { class: 'help-search', text: QUERY_HELP }),
      h('div', { class: 'dialog-buttons' }, h('button', { attrs: { type: 'button' }, text: 'Close', on: { click: () => this.helpDialog.close() } })),
    );
  }

  /** The event index of run A (and of B, lined up by position). */
  get cursor(): number {
    return this.at;
  }

  /**
   * How run B follows the cursor in compare mode: B's event for A's event i
   * (alignment.ts), or null to show B at the same position.
   */
  setAlignment(alignment: Alignment | null): void {
    this.align = alignment;
    this.bAt = null;
  }

  /** B's event at the cursor. */
  get cursorB(): number {
    return this.bAt ?? (this.align ? this.align.toB(this.at) : this.at);
  }

  /**
   * Shows run B's event j exactly (a click on B's timeline, B's moment or
   * match), with A at the point of its own run that j belongs to. Lined up
   * by step, a long step of B has more events than A's: those are reached
   * this way, and the next cursor move lines B up again.
   */
  showB(j: number, scroll = true): void {
    if (!this.align) {
      this.setCursor(j, scroll);
      return;
    }
    const nB = this.sides[1].session?.model.n ?? 0;
    const jb = Math.max(0, Math.min(Math.floor(j), nB - 1));
    this.pendingB = jb;
    this.setCursor(this.align.fromB(jb), scroll);
  }

  /** The cursor's range: lined up by position, the longer trace's (it reaches the end of either run); by meaning, A's. */
  private get n(): number {
    const a = this.sides[0].session?.model.n ?? 0;
    return this.align ? a : Math.max(a, this.sides[1].session?.model.n ?? 0);
  }

  setCursor(i: number, scroll = true): void {
    const n = this.n;
    this.at = n === 0 ? 0 : Math.max(0, Math.min(Math.floor(i), n - 1));
    this.bAt = this.pendingB;
    this.pendingB = null;
    this.sides[0].show(this.at, scroll, this.playing);
    if (this.sides[1].session) this.sides[1].show(this.cursorB, scroll, this.playing);
    const s = this.sides[0].session;
    const r = s?.model.records.get(Math.min(this.at, (s?.model.n ?? 1) - 1));
    // A live view's frames are the server's snapshots, not reactor steps.
    const step = s?.frames && s.source === 'run' ? s.frames.stepAt(s.frames.frameAt(this.at)) : undefined;
    this.position.textContent = n === 0 ? 'no trace' : `event #${r?.seq ?? this.at + 1} of ${num(n)}${step !== undefined ? ` · step ${step}` : ''}`;
    this.position.dataset.index = String(this.at);
    document.body.dataset.cursor = String(this.at);
    document.body.dataset.cursorB = String(this.cursorB);
    this.hooks.moved(this.at);
  }

  /** To the next (1) or previous (-1) moment of either side: in compare mode the cursor is shared, and B's moments are where B differs. */
  jumpMoment(dir: 1 | -1): void {
    this.jumpAmong(this.sides.map((s) => (s.session ? s.momentStops() : null)), dir);
  }

  /** To the next or previous match of the search, on either side. */
  jumpMatch(dir: 1 | -1): void {
    this.jumpAmong(this.sides.map((s) => (s.session ? s.matches : null)), dir);
  }

  /**
   * lists[0]: A's stops, lists[1]: B's. Lined up by step, B's are compared
   * at the point of A they belong to, and a B stop is shown exactly.
   */
  private jumpAmong(lists: ReadonlyArray<ArrayLike<number> | null>, dir: 1 | -1): void {
    let best: { at: number; side: 0 | 1; index: number } | null = null;
    const b = this.cursorB;
    lists.forEach((list, side) => {
      if (!list) return;
      const aligned = side === 1 && this.align !== null;
      const here = aligned ? b : this.at;
      const k = dir > 0 ? lowerBound(list, here + 1) : lowerBound(list, here) - 1;
      if (k < 0 || k >= list.length) return;
      const index = list[k] as number;
      const at = aligned ? (this.align as Alignment).fromB(index) : index;
      if (best === null || (dir > 0 ? at < best.at : at > best.at)) best = { at, side: side as 0 | 1, index };
    });
    const found = best as { at: number; side: 0 | 1; index: number } | null;
    if (found === null) return;
    if (found.side === 1 && this.align) this.showB(found.index);
    else this.setCursor(found.index);
  }

  private stepBy(dir: 1 | -1): void {
    const ends = this.sides[0].session?.stepEnds ?? [];
    const c = this.at;
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

  /** Event numbers are the trace's seq, which only has to increase (an imported trace may skip numbers): searched, not computed. */
  private gotoSeq(): void {
    const want = Number(this.gotoInput.value);
    const model = this.sides[0].session?.model;
    if (!model || !Number.isFinite(want)) return;
    let lo = 0;
    let hi = model.n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((model.records.get(mid)?.seq ?? 0) < want) lo = mid + 1;
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
    if (this.at >= this.n - 1) this.setCursor(0);
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
        this.setCursor(this.at + adv);
        if (this.at >= this.n - 1) {
          this.stopPlay();
          return;
        }
      }
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  }

  stopPlay(): void {
    const was = this.playing;
    this.playing = false;
    this.playBtn.textContent = '▶ Play';
    // Playing asks for no exact state (a run again per window would keep a core busy): now it may.
    if (was) this.setCursor(this.at, false);
  }

  private changeSpeed(dir: 1 | -1): void {
    const k = Math.max(0, Math.min(SPEEDS.length - 1, SPEEDS.indexOf(this.speed) + dir));
    this.speed = SPEEDS[k] as number;
    this.speedSel.value = String(this.speed);
  }

  /** For the document's keydown: the shortcuts hold wherever the focus is, except where typing belongs. */
  onKey(ev: KeyboardEvent): void {
    if (ev.defaultPrevented || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const t = ev.target as HTMLElement | null;
    if (document.querySelector('dialog[open]')) return;
    // Typing goes to text fields and selects; on a checkbox or a button only Space and Enter are theirs.
    if (t?.closest('textarea, select, [contenteditable="true"]')) return;
    if (t instanceof HTMLInputElement && !['checkbox', 'radio', 'button', 'submit', 'file'].includes(t.type)) return;
    if ((t instanceof HTMLInputElement || t?.tagName === 'BUTTON' || t?.tagName === 'LABEL') && (ev.key === ' ' || ev.key === 'Enter')) return;
    const go: Record<string, () => void> = {
      ArrowRight: () => this.setCursor(this.at + 1),
      ArrowDown: () => this.setCursor(this.at + 1),
      ArrowLeft: () => this.setCursor(this.at - 1),
      ArrowUp: () => this.setCursor(this.at - 1),
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
      m: () => this.jumpMoment(1),
      M: () => this.jumpMoment(-1),
      n: () => this.jumpMatch(1),
      N: () => this.jumpMatch(-1),
      '/': () => this.hooks.focusFind(),
      d: () => {
        const d = this.hooks.divergence();
        if (d !== null) this.setCursor(d);
      },
      b: () => {
        const d = this.hooks.behaviourDivergence();
        if (d !== null) this.setCursor(d);
      },
      '?': () => this.helpDialog.showModal(),
    };
    const fn = go[ev.key];
    if (!fn) return;
    ev.preventDefault();
    fn();
  }
}
