// The scenario as JSON, editable, with every validation error shown next to
// its field: a marker and the message on the field's line (validateScenario's
// segments located in the text), and the same list below, each entry moving
// the caret to its line. The document is only ever parsed as JSON and
// validated; nothing in it runs.
import { parseScenario, type ScenarioDocument } from '../../src/browser.js';
import { h, replace } from './dom.js';
import { JsonSyntaxError, lineOf, locate } from './json-locate.js';

const LINE_H = 18;

export interface EditorIssue {
  line: number;
  path: string;
  message: string;
}

export class ScenarioEditor {
  readonly el: HTMLElement;
  readonly textarea: HTMLTextAreaElement;
  private readonly gutter: HTMLElement;
  private readonly notes: HTMLElement;
  private readonly notesLayer: HTMLElement;
  private readonly list: HTMLElement;
  private readonly status: HTMLElement;
  private issues: EditorIssue[] = [];

  constructor() {
    this.textarea = h('textarea', {
      id: 'scenario-json',
      class: 'ed-text',
      attrs: { spellcheck: 'false', wrap: 'off', 'aria-label': 'Scenario document (JSON)', 'aria-describedby': 'ed-status ed-errors', autocomplete: 'off' },
    });
    this.gutter = h('pre', { class: 'ed-gutter', attrs: { 'aria-hidden': 'true' } });
    this.notesLayer = h('div', { class: 'ed-notes-layer' });
    this.notes = h('div', { class: 'ed-notes', attrs: { 'aria-hidden': 'true' } }, this.notesLayer);
    this.list = h('ul', { id: 'ed-errors', class: 'ed-errors', attrs: { 'aria-label': 'validation errors' } });
    this.status = h('p', { id: 'ed-status', class: 'ed-status', attrs: { role: 'status' } });
    this.textarea.addEventListener('scroll', () => this.sync());
    this.textarea.addEventListener('input', () => this.renderGutter());
    this.el = h('div', { class: 'editor-wrap' }, h('div', { class: 'editor' }, this.gutter, this.textarea, this.notes), this.status, this.list);
  }

  setText(text: string): void {
    this.textarea.value = text;
    this.issues = [];
    this.render();
    this.status.textContent = '';
  }

  get text(): string {
    return this.textarea.value;
  }

  /** Validates the text; shows the errors next to their fields. Returns the document when valid. */
  check(): ScenarioDocument | null {
    const text = this.textarea.value;
    let located: Map<string, { line: number; col: number }> | null = null;
    try {
      located = locate(text);
    } catch (e) {
      if (e instanceof JsonSyntaxError) {
        this.issues = [{ line: e.where.line, path: '(JSON)', message: `not valid JSON: ${e.message}` }];
        this.render();
        this.reveal(e.where.line);
        this.status.textContent = '1 problem: the text is not valid JSON.';
        return null;
      }
      throw e;
    }
    const v = parseScenario(text);
    if (v.ok) {
      this.issues = [];
      this.render();
      this.status.textContent = 'The scenario is valid.';
      return v.scenario;
    }
    this.issues = v.errors.map((e) => ({ line: lineOf(located as Map<string, { line: number; col: number }>, e.segments), path: e.path || '(document)', message: e.message }));
    this.issues.sort((a, b) => a.line - b.line);
    this.render();
    this.reveal((this.issues[0] as EditorIssue).line);
    this.status.textContent = `${this.issues.length} problem${this.issues.length === 1 ? '' : 's'} — each is shown beside its field and listed below.`;
    return null;
  }

  get problems(): readonly EditorIssue[] {
    return this.issues;
  }

  private render(): void {
    this.renderGutter();
    replace(
      this.list,
      ...this.issues.map((iss) =>
        h(
          'li',
          { dataset: { path: iss.path, line: iss.line } },
          h('button', { class: 'link', attrs: { type: 'button' }, text: `line ${iss.line}`, on: { click: () => this.goTo(iss.line) } }),
          ' ',
          h('code', { text: iss.path }),
          `: ${iss.message}`,
        ),
      ),
    );
    this.sync();
  }

  private renderGutter(): void {
    const lines = this.textarea.value.split('\n').length;
    const bad = new Set(this.issues.map((i) => i.line));
    // Runs of plain line numbers as text; a line with a problem as a marked span.
    const parts: Array<string | HTMLElement> = [];
    let run = '';
    for (let n = 1; n <= lines; n++) {
      if (bad.has(n)) {
        if (run) parts.push(run);
        run = '';
        parts.push(h('span', { class: 'ed-bad', text: `⚠${String(n).padStart(4)}\n` }));
      } else run += ` ${String(n).padStart(4)}\n`;
    }
    if (run) parts.push(run);
    replace(this.gutter, ...parts);
    const byLine = new Map<number, EditorIssue[]>();
    for (const i of this.issues) byLine.set(i.line, [...(byLine.get(i.line) ?? []), i]);
    replace(
      this.notesLayer,
      ...[...byLine.entries()].map(([line, list]) => {
        const note = h('div', { class: 'ed-note', dataset: { line }, text: `⚠ ${list.map((i) => `${i.path}: ${i.message}`).join(' · ')}` });
        note.style.top = `${(line - 1) * LINE_H + 6}px`;
        return note;
      }),
    );
    this.sync();
  }

  private sync(): void {
    this.gutter.scrollTop = this.textarea.scrollTop;
    this.notesLayer.style.transform = `translateY(${-this.textarea.scrollTop}px)`;
  }

  /** Scrolls `line` into view without moving the caret. */
  private reveal(line: number): void {
    const top = (line - 1) * LINE_H;
    const view = this.textarea.clientHeight;
    if (top < this.textarea.scrollTop || top > this.textarea.scrollTop + view - 3 * LINE_H) this.textarea.scrollTop = Math.max(0, top - 3 * LINE_H);
    this.sync();
  }

  goTo(line: number): void {
    const lines = this.textarea.value.split('\n');
    let off = 0;
    for (let k = 0; k < line - 1 && k < lines.length; k++) off += (lines[k] as string).length + 1;
    this.textarea.focus();
    if (line === 1) this.textarea.setSelectionRange(0, 0);
    else this.textarea.setSelectionRange(off, off + (lines[line - 1]?.length ?? 0));
    this.textarea.scrollTop = Math.max(0, (line - 4) * LINE_H);
    this.sync();
  }
}
