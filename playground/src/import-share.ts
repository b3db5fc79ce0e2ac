// Everything that leaves or enters the page: traces exported and imported
// as JSON Lines, links that reproduce the page's state, and the scenario
// editor. Whatever comes in (a file, a link, an edited document) is parsed
// and validated, never executed, and shown as text only; a bad one gets a
// message naming the problem while the page keeps what it showed.
import { h, replace } from './dom.js';
import { ScenarioEditor } from './editor.js';
import { bytes, num } from './format.js';
import type { KnobsPanel } from './knobs-panel.js';
import type { Messages } from './messages.js';
import type { Playback } from './playback.js';
import { makeSession, type Session } from './session.js';
import { decodeLink, encodeLink, LinkError } from './share.js';
import { modelFromJsonl, TraceFormatError, TRACE_LIMITS, type TraceModel } from './trace-model.js';

/** Checked on the file's size, before reading it: the parser refuses a longer text anyway, so a bigger file is not worth loading. */
const MAX_IMPORT_BYTES = TRACE_LIMITS.maxChars;

export interface ImportShareDeps {
  knobs: KnobsPanel;
  playback: Playback;
  messages: Messages;
  /** The expectations panel: an imported trace describes itself there instead. */
  result: HTMLElement;
  /** Runs the scenario with the knobs, the cursor at `at`. */
  run(at?: number): Promise<void>;
  /** Stops playback and any run, turns compare off and shows `session` alone. */
  showOnly(session: Session): void;
}

export class ImportShare {
  /** For the header, in this order. */
  readonly editButton: HTMLButtonElement;
  readonly importButton: HTMLButtonElement;
  readonly fileInput: HTMLInputElement;
  readonly copyLinkButton: HTMLButtonElement;
  /** Where a link is shown when the clipboard refuses it. */
  readonly linkOut: HTMLInputElement;
  readonly editorDialog: HTMLDialogElement;
  private readonly editor = new ScenarioEditor();

  constructor(private readonly deps: ImportShareDeps) {
    this.editButton = h('button', { id: 'edit', attrs: { type: 'button' }, text: 'Edit JSON', title: 'Edit the scenario as JSON', on: { click: () => this.openEditor() } });
    // A real button opens the file chooser: the file input (whose look cannot be styled) stays out of sight and out of the
    // tab order, so neither a click nor the keyboard ever puts the focus on an invisible control.
    this.fileInput = h('input', {
      id: 'import-file',
      attrs: { type: 'file', hidden: true, tabindex: -1, 'aria-label': 'Trace file to import', accept: '.jsonl,.ndjson,.json,.txt,application/x-ndjson' },
    });
    this.importButton = h('button', {
      id: 'import',
      attrs: { type: 'button' },
      text: 'Import trace',
      title: 'Open a JSON Lines trace: one exported here, or recorded by edgeloop serve --trace',
      on: { click: () => this.fileInput.click() },
    });
    this.fileInput.addEventListener('change', () => {
      const f = this.fileInput.files?.[0];
      if (f) void this.importFile(f);
      // Cleared so that choosing the same file again still fires change.
      this.fileInput.value = '';
    });
    this.copyLinkButton = h('button', { id: 'copy-link', attrs: { type: 'button' }, text: 'Copy link', title: 'Put the scenario, knobs, seed and position in a link', on: { click: () => void this.copyLink() } });
    this.linkOut = h('input', { id: 'share-link', attrs: { type: 'text', readonly: true, hidden: true, 'aria-label': 'link to this state' } });
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
  }

  // ---- traces ----

  /** Downloads the session's trace as JSON Lines. */
  exportTrace(s: Session): void {
    const name =
      s.source === 'run'
        ? `edgeloop-${this.deps.knobs.scenarioLabel()}-${s.variant ?? 'run'}-seed${s.outcome?.options.seed ?? 1}.jsonl`
        : 'live' in s.source
          ? `edgeloop-live-${s.model.records.get(0)?.seq ?? 0}-${s.model.records.get(s.model.n - 1)?.seq ?? 0}.jsonl`
          : s.source.file.endsWith('.jsonl')
          ? s.source.file
          : `${s.source.file}.jsonl`;
    const blob = new Blob([s.model.text], { type: 'application/x-ndjson' });
    const url = URL.createObjectURL(blob);
    const a = h('a', { attrs: { href: url, download: name.replace(/[^A-Za-z0-9._-]+/g, '_') } });
    document.body.append(a);
    a.click();
    a.remove();
    // Revoked later, not at once: the download may not have started reading the blob yet.
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    this.deps.messages.say('info', `Exported ${num(s.model.n)} events as ${name}.`);
  }

  private async importFile(file: File): Promise<void> {
    const { messages } = this.deps;
    if (file.size > MAX_IMPORT_BYTES) {
      messages.say('error', `Cannot import “${file.name}”: it is ${bytes(file.size)}, more than the ${bytes(MAX_IMPORT_BYTES)} this playground reads.`, 'import');
      return;
    }
    let text: string;
    try {
      text = await file.text();
    } catch (e) {
      messages.say('error', `Cannot read “${file.name}”: ${(e as Error).message}`, 'import');
      return;
    }
    this.importText(text, file.name);
  }

  /** Shows a JSON Lines trace (not a run: no snapshots). Bad input: a message naming the line and the problem. */
  importText(text: string, name: string): boolean {
    const { knobs, messages, playback, result } = this.deps;
    let model: TraceModel;
    try {
      model = modelFromJsonl(text);
    } catch (e) {
      if (e instanceof TraceFormatError) {
        messages.say('error', `Cannot import “${name}”: ${e.message}. The page still shows the previous trace.`, 'import');
        return false;
      }
      throw e;
    }
    this.deps.showOnly(makeSession(model, null, null, null, { file: name }));
    replace(
      result,
      h('h2', { text: 'Imported trace' }),
      h('p', { text: `${name}: ${num(model.n)} events, kernel ${model.header.kernel}${model.header.seed === null ? '' : `, seed ${model.header.seed}`}.` }),
      h('p', { class: 'muted', text: 'A trace has the calls, not the buffer levels: the gauges show what the trace says. Pick a scenario to run one here.' }),
    );
    replace(
      knobs.about,
      h('h2', { text: 'Imported trace' }),
      h('p', { class: 'explanation', text: `“${name}”: ${num(model.n)} events recorded on the ${model.header.kernel === 'linux' ? 'real Linux kernel (a real server’s trace, e.g. edgeloop serve --trace)' : 'simulated kernel'}.` }),
      h('p', { class: 'muted', text: 'A trace holds the calls, not the buffer levels: the gauges say what the trace says. Pick a scenario or press Run to go back to a run made here.' }),
    );
    messages.clear('import');
    messages.say('info', `Imported ${num(model.n)} events from “${name}”.`, 'import');
    playback.setCursor(0);
    document.body.dataset.state = 'ready';
    return true;
  }

  // ---- links ----

  private async copyLink(): Promise<void> {
    const { knobs, messages } = this.deps;
    const options = knobs.readKnobs();
    if (!options) return;
    const hash = await encodeLink({
      scenario: knobs.customDoc ? null : knobs.scenarioName,
      doc: knobs.customDoc,
      knobs: options,
      cursor: this.deps.playback.cursor,
      compare: knobs.compare,
    });
    const url = `${location.origin}${location.pathname}#${hash}`;
    this.linkOut.value = url;
    this.linkOut.hidden = false;
    this.linkOut.select();
    try {
      await navigator.clipboard.writeText(url);
      messages.say('info', 'Link copied: it reproduces this scenario, knobs, seed and position.', 'link');
    } catch {
      messages.say('info', 'Here is the link (select it and copy): it reproduces this scenario, knobs, seed and position.', 'link');
    }
  }

  /** Applies a link's state; a bad link shows a message and the default scenario runs. */
  async openLink(hash: string): Promise<void> {
    const { knobs } = this.deps;
    try {
      const st = await decodeLink(hash, knobs.builtinNames);
      if (st.doc) knobs.useCustom(st.doc);
      else knobs.useBuiltin(st.scenario as string);
      knobs.fillKnobs(st.knobs);
      knobs.setCompare(st.compare);
      await this.deps.run(st.cursor);
    } catch (e) {
      const why = e instanceof LinkError ? e.message : `it could not be read (${(e as Error).message})`;
      this.deps.messages.say('error', `This link could not be used: ${why}. Showing the first scenario instead.`, 'link');
      await this.deps.run();
    }
  }

  // ---- the editor ----

  private openEditor(): void {
    this.editor.setText(`${JSON.stringify(this.deps.knobs.currentDoc(), null, 2)}\n`);
    this.editorDialog.showModal();
    this.editor.goTo(1);
    this.editor.check();
  }

  private runEdited(): void {
    const doc = this.editor.check();
    if (!doc) return;
    this.editorDialog.close();
    this.deps.knobs.useCustom(doc);
    void this.deps.run();
  }
}
