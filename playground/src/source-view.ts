// The C++ behind the event under the cursor: the reactor function that made
// the call (the record's `site`; for an epoll_ctl a Channel update asked
// for, the line that asked: its `origin`), shown whole with that line
// marked and scrolled into the middle of the box. The reactor's sources are
// bundled into the page at build time, so a run's sites always match the
// code shown: the trace and the page come from the same commit.
import { CallSiteTable, callSiteTable, parseCallSite, TraceStore, type CallSite, type TraceRecord } from '../../src/browser.js';
import type { RecordList } from './record-list.js';
import { h, replace } from './dom.js';
import { functionExtent } from './source-extent.js';

const RAW = import.meta.glob<string>('../../native/reactor/**/*.{cc,h}', { query: '?raw', import: 'default', eager: true });

/** Repo-relative path ('native/reactor/tcp_connection.cc') -> text. */
export const SOURCES: ReadonlyMap<string, string> = new Map(
  Object.entries(RAW).map(([path, text]) => [path.replace(/^(\.\.\/)+/, ''), text]),
);

/** A record's site or origin as text, given the trace's sites by number. */
function textOf(v: string | number | undefined, texts: readonly string[]): string | undefined {
  return typeof v === 'number' ? texts[v] : v;
}

/** What the panel shows for a record: the line to mark and, when it differs, the call it led to. */
export function sourceOf(r: TraceRecord | undefined, texts: readonly string[]): { show: CallSite; via: CallSite | null } | null {
  const text = textOf(r?.site, texts);
  if (text === undefined) return null;
  const site = parseCallSite(text);
  if (!site) return null;
  const originText = textOf(r?.origin, texts);
  const origin = originText !== undefined ? parseCallSite(originText) : null;
  return origin ? { show: origin, via: site } : { show: site, via: null };
}

/** Each trace's sites by number (call-site.ts), read once per trace. */
const TABLES = new WeakMap<RecordList, readonly string[]>();

function sitesOf(records: RecordList): readonly string[] {
  let texts = TABLES.get(records);
  if (texts === undefined) {
    texts = records instanceof TraceStore ? storeSites(records) : callSiteTable(records).texts;
    TABLES.set(records, texts);
  }
  return texts;
}

/**
 * A compact trace's sites without making every record: a site's text is in
 * the one record that first has it, and that record's template is new there
 * (a store numbers its templates in the order records first have them).
 */
function storeSites(store: TraceStore): readonly string[] {
  const table = new CallSiteTable();
  let next = 0;
  for (let i = 0; i < store.length; i++) {
    const k = store.templateAt(i);
    if (k < next) continue;
    next = k + 1;
    const r = store.get(i);
    table.resolve(r?.site);
    table.resolve(r?.origin);
  }
  return table.texts;
}

/** How far back a peer's or the app's event looks for the reactor's last call. */
const LOOK_BACK = 2000;

function shortPath(file: string): string {
  return file.replace(/^native\/reactor\//, '');
}

export class SourceView {
  readonly el: HTMLElement;
  private readonly head: HTMLElement;
  private readonly code: HTMLElement;
  private readonly note: HTMLElement;
  /** What the code box holds now: file and extent, so a move inside one function only moves the mark. */
  private shown: { file: string; first: number; last: number } | null = null;
  private scrollRaf = 0;

  constructor(label: string) {
    this.head = h('p', { class: 'src-head' });
    this.code = h('pre', {
      class: 'src-code',
      // Scrollable by keyboard: it is focusable, and says what it holds.
      attrs: { tabindex: 0, role: 'region', 'aria-label': `${label}: C++ source of the function behind the event` },
    });
    // The box scrolls by keyboard once focused; the page's own keys (arrows
    // move the cursor) stay out of it, as they do out of a text field.
    this.code.addEventListener('keydown', (ev) => {
      if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
      const box = this.code;
      const line = parseFloat(getComputedStyle(box).lineHeight) || 16;
      const by: Record<string, number> = {
        ArrowDown: line,
        ArrowUp: -line,
        PageDown: box.clientHeight - line,
        PageUp: -(box.clientHeight - line),
        Home: -box.scrollHeight,
        End: box.scrollHeight,
      };
      const d = by[ev.key];
      if (d === undefined) return;
      ev.preventDefault();
      box.scrollTop += d;
    });
    this.note = h('p', { class: 'src-note' });
    this.el = h(
      'details',
      { class: 'panel source-view', attrs: { open: true } },
      h('summary', { text: 'C++ behind this call' }),
      this.head,
      this.code,
      this.note,
    );
  }

  /**
   * The C++ behind record `i` of `records`. A record of a peer or of the
   * app has none: the panel then shows the reactor's last call before it,
   * and says so.
   */
  show(records: RecordList | null, i: number): void {
    const at = records?.get(i);
    const texts = records ? sitesOf(records) : [];
    let r = at;
    let src = sourceOf(r, texts);
    const reactor = at?.actor.startsWith('reactor') ?? false;
    if (records && at && !src && !reactor) {
      for (let k = i - 1; k >= Math.max(0, i - LOOK_BACK); k--) {
        const earlier = records.get(k);
        src = sourceOf(earlier, texts);
        if (src) {
          r = earlier;
          break;
        }
      }
    }
    this.el.dataset.seq = String(r?.seq ?? '');
    if (!at || !r || !src) {
      this.shown = null;
      replace(
        this.head,
        h('span', {
          class: 'muted',
          text: !at
            ? 'No event.'
            : reactor
              ? `The trace names no C++ for event #${at.seq} (a trace recorded before reactor records named their call sites).`
              : `Event #${at.seq} (${at.actor}) is not the server’s: no reactor C++ behind it.`,
        }),
      );
      replace(this.code);
      this.code.hidden = true;
      replace(this.note);
      return;
    }
    this.code.hidden = false;
    const { show, via } = src;
    const text = SOURCES.get(show.file);
    const earlier = r !== at;
    this.el.classList.toggle('earlier', earlier);
    replace(
      this.head,
      earlier ? h('span', { class: 'src-earlier', text: `Event #${at.seq} (${at.actor}) is not the server’s; the reactor’s last call before it, #${r.seq} ${r.call}: ` }) : null,
      h('code', { class: 'src-fn', text: show.fn }),
      ' ',
      h('span', { class: 'src-file', text: `${shortPath(show.file)}:${show.line}` }),
    );
    replace(
      this.note,
      via
        ? `This line asked for the ${r.call}: the call itself is in ${via.fn} (${shortPath(via.file)}:${via.line}), through the connection's Channel.`
        : '',
    );
    if (text === undefined) {
      this.shown = null;
      replace(this.code, `${show.file} is not bundled with this page.`);
      return;
    }
    const lines = text.split('\n');
    const { first, last } = functionExtent(lines, show.line);
    // A lambda is recorded as its class's operator(): name the function it is written in.
    const lambda = /^(\w+)::operator\(\)$/.exec(show.fn);
    const around = lambda ? new RegExp(`\\b(${lambda[1]}::~?\\w+)\\s*\\(`).exec(lines[first - 1] ?? '') : null;
    if (around) this.head.querySelector('.src-fn')?.replaceChildren(`${around[1]} (a lambda in it)`);
    if (!this.shown || this.shown.file !== show.file || this.shown.first !== first || this.shown.last !== last) {
      this.shown = { file: show.file, first, last };
      const rows: Node[] = [];
      for (let n = first; n <= last; n++) {
        rows.push(
          h(
            'span',
            { class: 'src-line', dataset: { line: n } },
            h('span', { class: 'src-ln', attrs: { 'aria-hidden': 'true' }, text: String(n) }),
            h('span', { class: 'src-text', text: lines[n - 1] || ' ' }),
          ),
        );
      }
      replace(this.code, ...rows);
    }
    for (const el of this.code.querySelectorAll<HTMLElement>('.src-hit')) {
      el.classList.remove('src-hit');
      el.removeAttribute('aria-current');
    }
    const hit = this.code.querySelector<HTMLElement>(`.src-line[data-line="${show.line}"]`);
    if (hit) {
      hit.classList.add('src-hit');
      hit.setAttribute('aria-current', 'true');
      // Inside the box only: scrollIntoView would move the page too. Measured
      // in the next frame, once every view has updated: reading offsetTop here
      // laid the whole page out once more on each move (15-25 ms at 1M events).
      cancelAnimationFrame(this.scrollRaf);
      this.scrollRaf = requestAnimationFrame(() => {
        this.code.scrollTop = Math.max(0, hit.offsetTop - (this.code.clientHeight - hit.offsetHeight) / 2);
      });
    }
  }
}
