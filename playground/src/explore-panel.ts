// The Explore panel: runs seeds of generated scenarios (faults, every
// invariant after every step) in a worker on the wasm reactor, lists each
// invariant's first failure, shrunk, and opens one in the timeline (as an
// edited document, so it can be re-run, shared and compared). The seed and
// the package version are the whole bug report: the same seeds give the same
// failures here, in `edgeloop explore` and in the API.
import { EXPLORE_APPS, FAMILIES, VARIANTS, type ScenarioDocument, type VariantName } from '../../src/browser.js';
import { field, h, replace, select } from './dom.js';
import type { ExploreReply, ExploreRequest } from './explore-protocol.js';

export interface ExploreHooks {
  /** Opens a failure's document in the timeline and runs it. */
  open(doc: ScenarioDocument): void;
}

/** Seeds a page runs at most per search (a tab is not a campaign: use `edgeloop explore`). */
export const MAX_PAGE_SEEDS = 100_000;

interface Found {
  seed: number;
  invariant: string;
  message: string;
  shrinks: number;
  document: ScenarioDocument;
}

export class ExplorePanel {
  readonly el: HTMLElement;
  private readonly variant: HTMLSelectElement;
  private readonly family: HTMLSelectElement;
  private readonly app: HTMLSelectElement;
  private readonly from: HTMLInputElement;
  private readonly to: HTMLInputElement;
  private readonly runBtn: HTMLButtonElement;
  private readonly stopBtn: HTMLButtonElement;
  private readonly status: HTMLElement;
  private readonly list: HTMLElement;
  private worker: Worker | null = null;
  private serial = 0;
  private found: Found[] = [];

  constructor(private readonly hooks: ExploreHooks) {
    const num = (id: string, value: number): HTMLInputElement =>
      h('input', { id, attrs: { type: 'number', min: 0, step: 1, value, inputmode: 'numeric' } });
    this.variant = select('x-variant', VARIANTS.map((v) => [v, v]));
    this.family = select('x-family', [['', 'both'], ...FAMILIES.map((f): [string, string] => [f, f])]);
    this.app = select('x-app', [['', 'all'], ...EXPLORE_APPS.map((a): [string, string] => [a, a])]);
    this.from = num('x-from', 0);
    this.to = num('x-to', 200);
    this.runBtn = h('button', { id: 'x-run', attrs: { type: 'button' }, text: 'Explore', on: { click: () => this.start() } });
    this.stopBtn = h('button', { id: 'x-stop', attrs: { type: 'button', hidden: true }, text: 'Stop', on: { click: () => this.stop('stopped') } });
    this.status = h('p', { id: 'x-status', class: 'muted', attrs: { role: 'status' } });
    this.list = h('ol', { id: 'x-failures', class: 'explore-failures' });
    this.el = h(
      'section',
      { id: 'explore', attrs: { 'aria-label': 'explore' } },
      h('h2', { text: 'Explore' }),
      h('p', {
        class: 'muted',
        text: 'Generated scenarios with faults, checked after every step against every invariant. The first failure of each invariant is shrunk to a small scenario you can open.',
      }),
      field('Variant', this.variant),
      h('div', { class: 'field-row' }, field('Seeds from', this.from), field('to (not included)', this.to)),
      field('Family', this.family),
      field('App', this.app),
      h('div', { class: 'buttons' }, this.runBtn, this.stopBtn),
      this.status,
      this.list,
    );
  }

  private options(): ExploreRequest['options'] | string {
    // Digits only: Number('') is 0 and Number('1e3') is 1000, neither what was typed.
    const whole = (v: string): number => (/^\d{1,10}$/.test(v.trim()) ? Number(v.trim()) : NaN);
    const from = whole(this.from.value);
    const to = whole(this.to.value);
    if (!Number.isSafeInteger(from) || from > 0xffffffff) return 'Seeds from: a whole number from 0 to 4294967295.';
    if (!Number.isSafeInteger(to) || to <= from) return 'Seeds to: a whole number greater than "from" (the range is half-open).';
    if (to - from > MAX_PAGE_SEEDS) return `At most ${MAX_PAGE_SEEDS.toLocaleString('en-US')} seeds per search here; run longer campaigns with edgeloop explore.`;
    const o: ExploreRequest['options'] = { variant: this.variant.value as VariantName, seeds: [from, to] };
    if (this.family.value) o.family = this.family.value as 'unix' | 'tcp';
    if (this.app.value) o.app = this.app.value as NonNullable<ExploreRequest['options']['app']>;
    return o;
  }

  private start(): void {
    const options = this.options();
    if (typeof options === 'string') {
      this.status.textContent = options;
      return;
    }
    this.stop(null);
    this.found = [];
    replace(this.list);
    const id = ++this.serial;
    const w = new Worker(new URL('./explore-worker.ts', import.meta.url), { type: 'module', name: 'edgeloop-explore' });
    this.worker = w;
    w.addEventListener('message', (ev: MessageEvent<ExploreReply>) => this.onReply(id, ev.data));
    w.addEventListener('error', (ev) => {
      ev.preventDefault();
      this.finish(`The explore worker failed: ${ev.message || 'unknown error'}`);
    });
    this.runBtn.disabled = true;
    this.stopBtn.hidden = false;
    this.status.textContent = `Exploring seeds ${options.seeds[0]} to ${options.seeds[1] - 1}…`;
    w.postMessage({ id, options } satisfies ExploreRequest);
  }

  private onReply(id: number, m: ExploreReply): void {
    if (id !== this.serial) return;
    switch (m.type) {
      case 'progress': {
        const rate = m.seedsRun / Math.max(m.elapsedMs / 1000, 1e-3);
        this.status.textContent = `${m.seedsRun.toLocaleString('en-US')} of ${m.seedsTotal.toLocaleString('en-US')} seeds, ${rate.toFixed(0)} seeds/s, ${m.failures} failing`;
        return;
      }
      case 'failure':
        this.add({ seed: m.seed, invariant: m.invariant, message: m.message, shrinks: m.shrinks, document: m.document });
        return;
      case 'done': {
        const failing = m.failingSeeds.length;
        this.finish(
          `${m.seedsRun.toLocaleString('en-US')} seeds in ${(m.elapsedMs / 1000).toFixed(1)} s: ` +
            (failing === 0 ? 'no invariant broken.' : `${failing} seed${failing === 1 ? '' : 's'} broke an invariant (${this.found.length} shown, shrunk).`),
        );
        return;
      }
      case 'error':
        this.finish(`Explore failed: ${m.message}`);
        return;
    }
  }

  private add(f: Found): void {
    this.found.push(f);
    const open = h('button', {
      class: 'x-open',
      attrs: { type: 'button' },
      text: 'Open',
      title: 'Open this scenario in the timeline and run it',
      dataset: { seed: f.seed, invariant: f.invariant },
      on: { click: () => this.hooks.open(f.document) },
    });
    this.list.append(
      h(
        'li',
        { dataset: { seed: f.seed, invariant: f.invariant } },
        h('strong', { text: f.invariant }),
        ` · seed ${f.seed} · ${f.document.peers.length} peer${f.document.peers.length === 1 ? '' : 's'}, ${f.document.steps.length} actions, ${f.document.faults?.length ?? 0} faults (shrunk in ${f.shrinks} steps) `,
        open,
        h('div', { class: 'muted', text: f.message }),
      ),
    );
  }

  /** Ends a search: `why` is the status to show (null: say nothing, a new one starts). */
  private stop(why: string | null): void {
    if (this.worker) {
      this.worker.terminate();
      this.worker = null;
      this.serial++;
    }
    if (why !== null) this.finish(`Stopped. ${this.found.length} failure${this.found.length === 1 ? '' : 's'} found so far.`);
  }

  private finish(text: string): void {
    this.worker?.terminate();
    this.worker = null;
    this.runBtn.disabled = false;
    this.stopBtn.hidden = true;
    this.status.textContent = text;
  }
}
