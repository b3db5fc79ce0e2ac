// The search box over the timelines: a query (search.ts's language), the
// count of matches and where the cursor is among them, previous/next, and
// "only matches" to filter the timeline. Typing applies the query after a
// short pause (a long trace is searched once per pause, not per key);
// Enter applies it at once and goes to the next match.
import { h } from './dom.js';
import { num } from './format.js';
import { lowerBound, parseQuery, type Query } from './search.js';

export interface FindHooks {
  /** The query changed (null: none) or the filter was turned on/off. */
  apply(query: Query | null, only: boolean): void;
  /** Previous (-1) or next (1) match. */
  go(dir: 1 | -1): void;
}

const DEBOUNCE_MS = 200;

/** The query language in a sentence (the box's description and tooltip; the help dialog has it too). */
export const QUERY_HELP =
  'Terms, all of which must hold: call:write, fd:s3, err:EAGAIN (err:any, err:none), ev:OUT (ev:IN|OUT: both in one mask), actor:client, moment:data-dropped, or a bare word (a call, actor, fd name or errno). a,b means either; a leading - negates.';

export class FindBar {
  readonly el: HTMLElement;
  private readonly input: HTMLInputElement;
  private readonly only: HTMLInputElement;
  private readonly count: HTMLElement;
  private readonly problem: HTMLElement;
  private timer = 0;
  private applied = '';
  private query: Query | null = null;

  constructor(private readonly hooks: FindHooks) {
    this.input = h('input', {
      id: 'find',
      attrs: {
        type: 'search',
        placeholder: 'call:write err:EAGAIN fd:s3 ev:OUT',
        autocomplete: 'off',
        spellcheck: 'false',
        'aria-describedby': 'find-help find-problem',
        'aria-keyshortcuts': '/',
      },
    });
    this.input.title = QUERY_HELP;
    this.input.addEventListener('input', () => {
      clearTimeout(this.timer);
      this.timer = window.setTimeout(() => this.apply(), DEBOUNCE_MS);
    });
    this.input.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter') {
        ev.preventDefault();
        this.apply();
        hooks.go(ev.shiftKey ? -1 : 1);
      } else if (ev.key === 'Escape') {
        ev.preventDefault();
        this.input.value = '';
        this.apply();
      }
    });
    this.only = h('input', { id: 'find-only', attrs: { type: 'checkbox' }, on: { change: () => this.hooks.apply(this.query, this.only.checked) } });
    this.count = h('span', { id: 'find-count', class: 'find-count', attrs: { 'aria-live': 'polite', 'aria-atomic': 'true' } });
    this.problem = h('span', { id: 'find-problem', class: 'find-problem', attrs: { role: 'status' } });
    const button = (id: string, text: string, label: string, dir: 1 | -1, keys: string): HTMLButtonElement =>
      h('button', { id, attrs: { type: 'button', 'aria-label': label, 'aria-keyshortcuts': keys }, title: `${label} (${keys})`, text, on: { click: () => hooks.go(dir) } });
    this.el = h(
      'span',
      { class: 'findbar', attrs: { role: 'search', 'aria-label': 'search the timeline' } },
      h('label', { attrs: { for: 'find' }, text: 'Find' }),
      this.input,
      button('find-prev', '▲', 'Previous match', -1, 'Shift+N'),
      button('find-next', '▼', 'Next match', 1, 'N'),
      this.count,
      h('span', { class: 'field inline' }, this.only, h('label', { attrs: { for: 'find-only' }, text: 'Only matches' })),
      this.problem,
      h('span', { id: 'find-help', class: 'visually-hidden', text: QUERY_HELP }),
    );
  }

  focus(): void {
    this.input.focus();
    this.input.select();
  }

  private apply(): void {
    clearTimeout(this.timer);
    const text = this.input.value;
    if (text === this.applied) return;
    const parsed = parseQuery(text);
    if (!parsed.ok) {
      // A half-typed query keeps the last good one on screen and says what is wrong.
      this.problem.textContent = `⚠ ${parsed.error}`;
      this.input.setAttribute('aria-invalid', 'true');
      return;
    }
    this.problem.textContent = '';
    this.input.removeAttribute('aria-invalid');
    this.applied = text;
    this.query = parsed.query;
    this.hooks.apply(this.query, this.only.checked);
  }

  /** The readout for the cursor: which match it is on, or how many there are. `lists`: each side's matches. */
  update(cursor: number, lists: ReadonlyArray<Int32Array | null>): void {
    if (!this.query) {
      this.count.textContent = '';
      delete this.count.dataset.count;
      return;
    }
    const a = lists[0] ?? null;
    const total = a?.length ?? 0;
    this.count.dataset.count = String(total);
    const k = a ? lowerBound(a, cursor) : 0;
    const on = a !== null && a[k] === cursor;
    const own = total === 0 ? 'no match' : on ? `match ${num(k + 1)} of ${num(total)}` : `${num(total)} match${total === 1 ? '' : 'es'}`;
    const b = lists[1];
    this.count.textContent = b ? `A: ${own} · B: ${num(b.length)}` : own;
  }
}
