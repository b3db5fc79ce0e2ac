// The playground, end to end in Chromium: it loads without console errors,
// plays a scenario forward and back with every view matching the trace and
// the snapshots at that point, compares two variants, shares a link,
// exports and re-imports a trace (one from the real server too), and keeps
// working after bad links, trace files and scenario documents.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';

import { builtinScenario, explore, listBuiltinScenarios } from '../../src/browser.js';
import { createServer } from '../../src/index.js';
import { firstDivergence } from '../../playground/src/compare.js';
import { firstBehaviourDivergence } from '../../playground/src/compare-meaning.js';
import { frameAt, type Frame } from '../../playground/src/frames.js';
import { modelFromJsonl } from '../../playground/src/trace-model.js';
import { connect } from '../helpers/server.js';
import { afterRun, ARTIFACTS, cursor, expectedRun, expectedStates, noErrors, pickScenario, ready, shot, usePlayground } from './helpers.js';

const playground = usePlayground();


interface Shown {
  cursor: number;
  seq: number;
  step: number | null;
  conns: Array<{ id: number; sendBuf: number; kernel: number; peer: number | null }>;
  interest: Array<{ fd: number; name: string; events: string }>;
  ready: string;
}

/** What side A shows now: the cursor, the current timeline row, gauges, interest and ready lists. */
async function shown(page: Page, side = 'a'): Promise<Shown> {
  return page.evaluate((s) => {
    const root = document.querySelector(`.side-${s}`) as HTMLElement;
    const row = root.querySelector('.tl-row.current') as HTMLElement | null;
    const note = root.querySelector('.frame-note') as HTMLElement | null;
    const conns = [...root.querySelectorAll<HTMLElement>('.gauges .conn')].map((c) => {
      const v = (k: string): number | null => {
        const g = c.querySelector<HTMLElement>(`[data-gauge="${k}"]`);
        return g?.dataset.value === undefined ? null : Number(g.dataset.value);
      };
      return { id: Number(c.dataset.conn), sendBuf: v('sendBuf') as number, kernel: v('kernel') as number, peer: v('peer') };
    });
    const interest = [...root.querySelectorAll<HTMLElement>('table.interest tbody tr[data-fd]')].map((tr) => ({
      fd: Number(tr.dataset.fd),
      name: tr.dataset.name as string,
      events: (tr.querySelector('td.mask') as HTMLElement).title,
    }));
    return {
      cursor: Number(document.body.dataset.cursor),
      seq: Number(row?.dataset.seq ?? -1),
      step: note ? Number(note.dataset.step) : null,
      conns,
      interest,
      ready: (root.querySelector('.ready-list') as HTMLElement | null)?.dataset.ready ?? '',
    };
  }, side);
}

/** The frame's values as the gauges show them; its interest list without the flags epoll always adds. */
function expectedFromFrame(f: Frame): { conns: Shown['conns']; interest: Shown['interest']; ready: string } {
  return {
    conns: f.conns.map((c) => ({ id: c.id, sendBuf: c.sendBuf, kernel: c.kernel ? c.kernel.charged : c.kernelSendQueue, peer: c.peerReceiveQueue })),
    interest: f.interest
      .map((e) => ({ fd: e.fd, name: e.name ?? '?', events: e.events.split('|').filter((x) => x !== 'EPOLLERR' && x !== 'EPOLLHUP').join('|') }))
      .sort((a, b) => a.fd - b.fd),
    ready: f.ready.join(','),
  };
}


describe('the playground in Chromium', () => {
  it('loads the first scenario with no console errors, readable at 1280x800', async () => {
    const t = await playground().open();
    const { page } = t;
    const first = listBuiltinScenarios()[0];
    // It ran (a failed run sets state "error" and says so on the page, not in the console).
    expect(await page.evaluate(() => document.body.dataset.state)).toBe('ready');
    expect(await page.locator('.tl-row').count()).toBeGreaterThan(0);
    expect(await page.locator('#about h2').textContent()).toBe(first?.title);
    expect(await page.locator('#about .explanation').textContent()).toBe(first?.explanation);
    // Every catalogue entry is in the picker.
    const options = await page.locator('#scenario option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(options).toEqual(listBuiltinScenarios().map((b) => b.name));
    // Labelled controls: every input and select has a label or an aria-label.
    const unlabelled = await page.evaluate(() =>
      [...document.querySelectorAll('input, select, textarea')]
        .filter((el) => !(el as HTMLInputElement).labels?.length && !el.getAttribute('aria-label') && (el as HTMLInputElement).type !== 'hidden')
        .map((el) => el.id || el.outerHTML.slice(0, 60)),
    );
    expect(unlabelled).toEqual([]);
    // The trigger knob: edge by default, adjustable for the edgeloop reactor.
    expect(await page.locator('#k-trigger').inputValue()).toBe('edge');
    expect(await page.locator('#k-trigger').isDisabled()).toBe(false);
    expect(await page.locator('#k-trigger-hint').textContent()).toContain('one read or accept per report is enough');
    // The built page forbids inline scripts and eval (the wasm glue needs
    // neither), in its meta tag and in the server's headers, which are what
    // bind the worker the simulation runs in; the runs below work under it.
    const policy = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    expect(policy).toMatch(/script-src 'self' 'wasm-unsafe-eval'(;|$)/);
    expect(policy).not.toMatch(/unsafe-inline|'unsafe-eval'/);
    const served = await page.evaluate(async () => (await fetch(location.href)).headers.get('content-security-policy'));
    expect(served).toBe(policy);
    // Nothing overflows the window sideways.
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await shot(page, '01-load-1280x800');
    noErrors(t);
    await page.close();
  });

  it('the connection limit: the built-in runs with its knob set, the accepts past the limit close at once, and the knob changes the run', async () => {
    const t = await playground().open();
    const { page } = t;
    await pickScenario(page, 'connection-limit');
    expect(await page.locator('.side-a .verdict').getAttribute('data-held')).toBe('true');
    expect(await page.locator('#k-maxconn').inputValue()).toBe('2');
    // The page shows the run the library makes: same trace, record for record.
    const exp = await expectedRun(builtinScenario('connection-limit'));
    const rows = await page.locator('.side-a .tl-row').count();
    expect(rows).toBeGreaterThan(0);
    const model = modelFromJsonl(exp.trace);
    const closes = [...model.records].filter((r) => r.actor === 'reactor' && r.call === 'close').length;
    expect(closes).toBeGreaterThanOrEqual(3);
    // Raise the limit: all five are served, so the scenario's "three refused" no longer holds: the knob changed what it shows, and the page says which expectation.
    await page.fill('#k-maxconn', '5');
    await afterRun(page, () => page.click('#run'));
    expect(await page.locator('.side-a .verdict').getAttribute('data-held')).toBe('false');
    expect(await page.locator('.side-a .verdict').getAttribute('data-verdict')).toBe('knobs');
    expect(await page.locator('#result .failures li').count()).toBeGreaterThan(0);
    // A bad value is named beside its knob and never reaches a run.
    await page.fill('#k-maxconn', '0');
    await page.click('#run');
    expect(await page.locator('[data-path="options.maxConnections"]').textContent()).toContain('⚠');
    expect(await page.locator('#k-maxconn').getAttribute('aria-invalid')).toBe('true');
    await shot(page, 'connection-limit');
    noErrors(t);
    await page.close();
  });

  it('steps forward and back: gauges, interest list and timeline match the trace and the snapshot at each step', async () => {
    const t = await playground().open();
    const { page } = t;
    const name = 'epollout-off-when-drained';
    await pickScenario(page, name);
    const exp = await expectedRun(builtinScenario(name));
    const model = modelFromJsonl(exp.trace);
    expect(await page.locator('.side-a .verdict').getAttribute('data-held')).toBe('true');

    const states = await expectedStates(builtinScenario(name));
    let insideChecked = 0;
    const check = async (): Promise<Shown> => {
      let s = await shown(page);
      const rec = model.records.get(s.cursor);
      expect(s.seq).toBe(rec?.seq);
      const k = frameAt(exp.frames, s.cursor);
      const f = exp.frames[k] as Frame;
      expect(s.step).toBe(f.step);
      // Inside a step the page shows the state right after the event, once the run again has taken it.
      const inside = f.records < s.cursor + 1 && k < exp.frames.length - 1;
      if (inside) {
        await page.waitForSelector('.side-a .gauges .frame-note[data-exact="true"]');
        s = await shown(page);
        insideChecked++;
      }
      const want = expectedFromFrame(inside ? (states[s.cursor] as Frame) : f);
      expect(s.conns).toEqual(want.conns);
      // The interest list comes from the trace's epoll_ctl records; at a step's end it is the kernel's.
      const fromTrace = model.interestAt(s.cursor, model.mainEpoll as string).map((e) => ({ fd: e.fd, name: e.name ?? '?', events: e.events }));
      expect([...s.interest].sort((a, b) => a.fd - b.fd)).toEqual([...fromTrace].sort((a, b) => a.fd - b.fd));
      if ((f.step > 0 && f.records === s.cursor + 1) || inside) {
        expect([...s.interest].sort((a, b) => a.fd - b.fd)).toEqual(want.interest);
        expect(s.ready).toBe(want.ready);
      }
      return s;
    };

    // Reactor steps forward: each lands on a step's last event.
    const seen: Shown[] = [];
    for (let k = 1; k <= 6; k++) {
      await page.keyboard.press('PageDown');
      const s = await check();
      expect(s.cursor).toBe((exp.frames[k] as Frame).records - 1);
      expect(s.step).toBe(k);
      seen.push(s);
    }
    await shot(page, '02-step-6');
    // A true step back: the state is the snapshot of that step again, not a replay guess.
    for (let k = 5; k >= 1; k--) {
      await page.keyboard.press('PageUp');
      const s = await check();
      expect(s).toEqual(seen[k - 1]);
    }
    // Event by event, forward and back.
    for (let k = 0; k < 5; k++) {
      const before = await cursor(page);
      await page.keyboard.press('ArrowRight');
      expect(await cursor(page)).toBe(before + 1);
      await check();
    }
    for (let k = 0; k < 3; k++) {
      const before = await cursor(page);
      await page.click('#prev');
      expect(await cursor(page)).toBe(before - 1);
      await check();
    }
    // Jump anywhere: a click on a row, then the last event.
    // Rows are recycled as the list scrolls: name the row by its index, not its position in the DOM.
    const visible = await page.locator('.side-a .tl-row[data-index]').evaluateAll((rs) => rs.map((r) => Number((r as HTMLElement).dataset.index)));
    const target = (visible.sort((a, b) => a - b)[Math.floor(visible.length / 2)] as number) + 0;
    await page.locator(`.side-a .tl-row[data-index="${target}"]`).click();
    expect(await cursor(page)).toBe(target);
    await check();
    await page.keyboard.press('End');
    expect(await cursor(page)).toBe(model.n - 1);
    await check();
    // Event by event went inside steps: those states were the exact ones, not the step's.
    expect(insideChecked).toBeGreaterThan(3);
    // Play: Space starts, the cursor moves on its own; Space stops it.
    await page.keyboard.press('Home');
    await page.keyboard.press('Space');
    await page.waitForFunction(() => Number(document.body.dataset.cursor) >= 3, null, { timeout: 10_000 });
    await page.keyboard.press('Space');
    const stopped = await cursor(page);
    await page.waitForTimeout(300);
    expect(await cursor(page)).toBe(stopped);
    noErrors(t);
    await page.close();
  });

  it('marks EAGAIN, partial writes and EPOLLOUT on/off in the timeline with text', async () => {
    const t = await playground().open();
    const { page } = t;
    await pickScenario(page, 'large-response-slow-reader');
    const model = modelFromJsonl((await expectedRun(builtinScenario('large-response-slow-reader'))).trace);
    const find = (pred: (i: number) => boolean): number => {
      for (let i = 0; i < model.n; i++) if (pred(i)) return i;
      return -1;
    };
    const cases: Array<[string, number]> = [
      ['EAGAIN', find((i) => model.records.get(i)?.err === 'EAGAIN' && model.records.get(i)?.call === 'write')],
      ['partial', find((i) => ((model.marks[i] as number) & 4) !== 0)],
      ['+EPOLLOUT', find((i) => ((model.marks[i] as number) & 8) !== 0)],
      ['−EPOLLOUT', find((i) => ((model.marks[i] as number) & 16) !== 0)],
    ];
    for (const [badge, i] of cases) {
      expect(i, badge).toBeGreaterThanOrEqual(0);
      await page.fill('#goto', String(model.records.get(i)?.seq));
      await page.press('#goto', 'Enter');
      expect(await cursor(page)).toBe(i);
      const badges = await page.locator('.side-a .tl-row.current .badge').allTextContents();
      expect(badges).toContain(badge);
    }
    await shot(page, '03-marks');
    noErrors(t);
    await page.close();
  });

  it('the trigger knob runs the reactor level-triggered: no EPOLLET in the interest list, the trace as the API gives it', async () => {
    const t = await playground().open();
    const { page } = t;
    const name = 'et-partial-read';
    await pickScenario(page, name);
    await page.selectOption('#k-trigger', 'level');
    await afterRun(page, () => page.click('#run'));
    expect(await page.evaluate(() => document.body.dataset.state)).toBe('ready');
    const expected = await expectedRun(builtinScenario(name), { trigger: 'level' });
    const model = modelFromJsonl(expected.trace);
    await page.keyboard.press('End');
    const s = await shown(page);
    expect(s.cursor).toBe(model.n - 1);
    expect(s.interest.length).toBeGreaterThan(0);
    for (const e of s.interest) expect(e.events).not.toContain('EPOLLET');
    // For a tutorial variant the knob shows edge, disabled.
    await page.selectOption('#k-variant', 'day26-as-written');
    expect(await page.locator('#k-trigger').isDisabled()).toBe(true);
    expect(await page.locator('#k-trigger').inputValue()).toBe('edge');
    noErrors(t);
    await page.close();
  });

  it('compare mode shows the first divergence between day26-as-written and edgeloop', async () => {
    const t = await playground().open();
    const { page } = t;
    const name = 'epollout-left-on';
    await pickScenario(page, name);
    expect(await page.locator('#k-variant').inputValue()).toBe('day26-as-written');
    await page.selectOption('#compare-variant', 'edgeloop');
    await afterRun(page, () => page.check('#compare'));
    const a = await expectedRun(builtinScenario(name), { variant: 'day26-as-written' });
    const b = await expectedRun(builtinScenario(name), { variant: 'edgeloop' });
    const d = firstDivergence(modelFromJsonl(a.trace), modelFromJsonl(b.trace));
    expect(d).not.toBeNull();
    expect(Number(await page.locator('#divergence').getAttribute('data-index'))).toBe(d);
    expect(await page.locator('#divergence').textContent()).toContain(`First divergence at event #${(d as number) + 1}`);
    expect(await page.locator('.side-b .side-title').textContent()).toContain('edgeloop');
    await page.keyboard.press('d');
    expect(await cursor(page)).toBe(d);
    for (const side of ['a', 'b']) {
      const row = page.locator(`.side-${side} .tl-row.current`);
      expect(await row.getAttribute('class')).toContain('diverge');
      expect(await row.locator('.badge.b-diverge').textContent()).toContain('first diff');
    }
    // The two sides show their own state at the same event.
    const sa = await shown(page, 'a');
    const sb = await shown(page, 'b');
    expect(sa.cursor).toBe(sb.cursor);
    await shot(page, '04-compare');
    // More room for the two timelines: the side panel folds away.
    await page.click('#toggle-sidebar');
    expect(await page.locator('#sidebar').isHidden()).toBe(true);
    await shot(page, '04b-compare-wide');
    await page.click('#toggle-sidebar');
    expect(await page.locator('#sidebar').isVisible()).toBe(true);
    noErrors(t);
    await page.close();
  });

  it('compare mode lines run B up by reactor step and names the first difference in behaviour: EPOLLOUT left on', async () => {
    const t = await playground().open();
    const { page } = t;
    const name = 'epollout-left-on';
    await pickScenario(page, name);
    await page.selectOption('#compare-variant', 'edgeloop');
    await afterRun(page, () => page.check('#compare'));
    const a = await expectedRun(builtinScenario(name), { variant: 'day26-as-written' });
    const b = await expectedRun(builtinScenario(name), { variant: 'edgeloop' });
    const ra = [...modelFromJsonl(a.trace).records];
    const rb = [...modelFromJsonl(b.trace).records];
    const d = firstBehaviourDivergence(ra, rb);
    expect(d?.facet).toBe('epollout');
    const bar = page.locator('#behaviour-divergence');
    expect(await bar.getAttribute('data-facet')).toBe('epollout');
    expect(await bar.textContent()).toContain(`First difference in behaviour at the reactor’s ${d?.step}th epoll_wait`);
    expect(await bar.locator('.div-a').textContent()).toContain('EPOLLOUT in the interest: on for connection 1');
    expect(await bar.locator('.div-b').textContent()).toContain('EPOLLOUT in the interest: on for no connection');
    // The textual divergence is still there beside it.
    expect(await page.locator('#divergence').textContent()).toContain('First divergence at event #');

    // b: A at day 26's step, B at edgeloop's MOD that takes EPOLLOUT off, far apart by position.
    await page.keyboard.press('b');
    const sa = await shown(page, 'a');
    const sb = await shown(page, 'b');
    expect(sa.seq).toBe((ra[d!.indexA] as { seq: number }).seq);
    expect(sb.seq).toBe((rb[d!.indexB] as { seq: number }).seq);
    expect(sa.seq - sb.seq).toBeGreaterThan(500);
    const rowB = page.locator('.side-b .tl-row.current');
    expect(await rowB.textContent()).toContain('MOD');
    await shot(page, '04c-compare-behaviour');

    // Lined up by step: wherever the cursor is on A, B is in the same reactor step.
    const stepOf = (records: typeof ra, i: number): number => records.slice(0, i + 1).filter((r) => r.actor === 'reactor' && r.call === 'epollWait').length;
    const cursors = async (): Promise<[number, number]> => [Number(await page.evaluate(() => document.body.dataset.cursor)), Number(await page.evaluate(() => document.body.dataset.cursorB))];
    await page.keyboard.press('Home');
    for (let k = 0; k < 40; k++) {
      await page.keyboard.press(k % 3 === 2 ? 'ArrowRight' : 'PageDown');
      const [i, j] = await cursors();
      expect(stepOf(rb, j), `A at #${i + 1}, B at #${j + 1}`).toBe(stepOf(ra, i));
    }

    // Both sides' state (the event, the epoll lists, the buffers) in view beside their timelines, at 1440x900.
    await page.setViewportSize({ width: 1440, height: 900 });
    for (const side of ['a', 'b']) {
      for (const panel of ['.event-box', '.epoll', '.tl-row.current']) {
        const box = await page.locator(`.side-${side} ${panel}`).first().boundingBox();
        expect(box, `${side} ${panel}`).not.toBeNull();
        expect(box!.y, `${side} ${panel} top`).toBeGreaterThanOrEqual(0);
        expect(box!.y + Math.min(box!.height, 40), `${side} ${panel} in the window`).toBeLessThanOrEqual(900);
      }
    }
    await shot(page, '04d-compare-state-in-view');
    await page.setViewportSize({ width: 1280, height: 800 });

    // By position, B is at A's index again.
    await page.selectOption('#align-by', 'position');
    await page.keyboard.press('b');
    expect(await page.evaluate(() => document.body.dataset.cursorB)).toBe(await page.evaluate(() => document.body.dataset.cursor));
    noErrors(t);
    await page.close();
  });

  it('Explore runs seeds in a worker, lists each invariant\'s shrunk failure, and opens one in the timeline with the same verdict as the API', async () => {
    const t = await playground().open();
    const { page } = t;
    await page.selectOption('#x-variant', 'day26-as-written');
    await page.fill('#x-from', '0');
    await page.fill('#x-to', '20');
    await page.click('#x-run');
    await page.waitForFunction(() => /seeds in .* s:/.test(document.querySelector('#x-status')?.textContent ?? ''), undefined, { timeout: 60_000 });
    const listed = await page.locator('#x-failures li').evaluateAll((lis) => lis.map((li) => `${(li as HTMLElement).dataset.seed}:${(li as HTMLElement).dataset.invariant}`));
    // The same seeds give the same failures in the API (wasm, as the page runs it).
    const api = await explore({ variant: 'day26-as-written', seeds: [0, 20], engine: 'wasm' });
    expect([...listed].sort()).toEqual(api.failures.map((f) => `${f.seed}:${f.invariant}`).sort());
    expect(listed.length).toBeGreaterThan(0);
    const first = api.failures.find((f) => `${f.seed}:${f.invariant}` === listed[0]);
    await afterRun(page, () => page.locator('#x-failures .x-open').first().click());
    expect(await page.locator('#scenario').inputValue()).toBe('__custom__');
    expect(await page.locator('#result').textContent()).toContain(`invariants.${first?.invariant}`);
    await shot(page, '05-explore');
    // Bad input is said, not run.
    await page.fill('#x-to', '0');
    await page.click('#x-run');
    expect(await page.locator('#x-status').textContent()).toContain('greater than');
    noErrors(t);
    await page.close();
  });

  it('a shared link reproduces the same state in a fresh page', async () => {
    const t = await playground().open();
    const { page } = t;
    await pickScenario(page, 'high-water-mark');
    await page.fill('#k-seed', '7');
    await page.fill('#k-hwm', '1048576');
    await afterRun(page, () => page.click('#run'));
    for (let k = 0; k < 9; k++) await page.keyboard.press('PageDown');
    await page.keyboard.press('ArrowLeft');
    const before = await shown(page);
    const positionText = await page.locator('#position').textContent();
    await page.click('#copy-link');
    const link = await page.locator('#share-link').inputValue();
    expect(link).toMatch(/#s=[A-Za-z0-9_-]+$/);
    expect(await page.evaluate(() => location.hash)).toBe(''); // opt-in: the page's own URL is untouched

    const t2 = await playground().open(link.slice(link.indexOf('#')));
    const p2 = t2.page;
    expect(await p2.locator('#scenario').inputValue()).toBe('high-water-mark');
    expect(await p2.locator('#k-seed').inputValue()).toBe('7');
    expect(await p2.locator('#k-hwm').inputValue()).toBe('1048576');
    expect(await shown(p2)).toEqual(before);
    expect(await p2.locator('#position').textContent()).toBe(positionText);
    await shot(p2, '05-shared-link');
    noErrors(t);
    noErrors(t2);
    await page.close();
    await p2.close();
  });

  it('exported traces import back identically; a trace from the real server imports too', async () => {
    const t = await playground().open();
    const { page } = t;
    await pickScenario(page, 'half-close-pending-output');
    const exp = await expectedRun(builtinScenario('half-close-pending-output'));
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-action="export-a"]')]);
    const file = join(ARTIFACTS, download.suggestedFilename());
    await download.saveAs(file);
    const text = readFileSync(file, 'utf8');
    expect(text).toBe(exp.trace); // byte for byte what runScenario gives in Node

    await page.keyboard.press('End');
    const lastRow = await page.locator('.side-a .tl-row.current .c-call').textContent();
    await afterRun(page, () => page.setInputFiles('#import-file', file));
    expect(await page.locator('.side-a .side-title').textContent()).toContain('Imported');
    await page.keyboard.press('End');
    expect(await page.locator('.side-a .tl-row.current .c-call').textContent()).toBe(lastRow);
    expect(await cursor(page)).toBe(modelFromJsonl(text).n - 1);
    const [again] = await Promise.all([page.waitForEvent('download'), page.click('[data-action="export-a"]')]);
    const file2 = join(ARTIFACTS, `reexported-${again.suggestedFilename()}`);
    await again.saveAs(file2);
    expect(readFileSync(file2, 'utf8')).toBe(text);

    // A real server's trace (createServer({ trace }), the format `edgeloop serve --trace` writes).
    const serverTrace = join(ARTIFACTS, 'real-server-bulk.jsonl');
    const server = createServer({ port: 0, app: { bulk: 256 * 1024 }, sndbuf: 8192, trace: serverTrace });
    const { port } = await server.listen();
    const s = await connect(port);
    let got = 0;
    s.on('data', (d: Buffer) => (got += d.length));
    await new Promise<void>((resolve) => s.on('end', () => resolve()));
    s.end();
    await server.close();
    expect(got).toBe(256 * 1024);
    await afterRun(page, () => page.setInputFiles('#import-file', serverTrace));
    const real = modelFromJsonl(readFileSync(serverTrace, 'utf8'));
    expect(await page.locator('.side-a .side-title').textContent()).toContain('kernel linux');
    await page.keyboard.press('End');
    expect(await cursor(page)).toBe(real.n - 1);
    const badges = await page.locator('.side-a .tl-row .badge').allTextContents();
    expect(badges.length).toBeGreaterThan(0);
    await page.keyboard.press('Home');
    await shot(page, '06-real-server-trace');
    noErrors(t);
    await page.close();
  });

  it('a malformed link shows a message naming the problem; nothing in it is executed; the page keeps working', async () => {
    const cases: Array<[string, RegExp]> = [
      ['#s=%%%not-base64', /not base64url/],
      ['#s=AAAA', /does not decompress/],
      ['#x=1', /no playground state/],
    ];
    for (const [hash, why] of cases) {
      const t = await playground().open(hash);
      const msg = await t.page.locator('.message.error').textContent();
      expect(msg).toContain('This link could not be used');
      expect(msg).toMatch(why);
      expect(await t.page.locator('.side-a .verdict').getAttribute('data-held')).toBe('true'); // the default scenario ran
      await t.page.keyboard.press('PageDown');
      expect(await cursor(t.page)).toBeGreaterThan(0);
      noErrors(t);
      await t.page.close();
    }
    // A well-formed link whose scenario is invalid names the field; one with markup in its title shows it as text.
    const t = await playground().open();
    const { page } = t;
    const hashes = await page.evaluate(async () => {
      const pack = async (body: unknown): Promise<string> => {
        const s = new Blob([JSON.stringify(body)]).stream().pipeThrough(new CompressionStream('deflate-raw'));
        const bytes = new Uint8Array(await new Response(s).arrayBuffer());
        let bin = '';
        for (const b of bytes) bin += String.fromCharCode(b);
        return `#s=${btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')}`;
      };
      const doc = {
        version: 1,
        name: 'markup',
        title: '<img src=x onerror="window.pwned=1">Markup title',
        explanation: '<script>window.pwned=2</script> plain text only',
        options: { family: 'unix', app: 'echo' },
        peers: [{ name: 'c' }],
        steps: [{ do: 'connect', peer: 'c' }, { do: 'write', peer: 'c', data: '<b>hi</b>' }, { do: 'run', maxSteps: 50 }],
        expect: [],
      };
      return { bad: await pack({ v: 1, doc: { ...doc, steps: [{ do: 'write', peer: 'c', bytes: -1 }] } }), markup: await pack({ v: 1, doc }) };
    });
    const bad = await playground().open(hashes.bad);
    expect(await bad.page.locator('.message.error').textContent()).toMatch(/steps\[0\]\.bytes/);
    noErrors(bad);
    await bad.page.close();
    const mk = await playground().open(hashes.markup);
    expect(await mk.page.locator('#about h2').textContent()).toBe('<img src=x onerror="window.pwned=1">Markup title');
    expect(await mk.page.locator('#about img, #about script').count()).toBe(0);
    expect(await mk.page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    await shot(mk.page, '07-markup-as-text');
    noErrors(mk);
    await mk.page.close();
    await page.close();
  });

  it('a malformed trace file shows the line and the problem; the previous trace stays', async () => {
    const t = await playground().open();
    const { page } = t;
    const before = await shown(page);
    const files: Array<[string, string, RegExp]> = [
      ['empty.jsonl', '', /empty/],
      ['not-json.jsonl', '{"type":"header","version":1,"kernel":"sim","seed":1}\n{"seq":1,\n', /line 2: not valid JSON/],
      ['bad-field.jsonl', '{"type":"header","version":1,"kernel":"sim","seed":1}\n{"seq":1,"t":0,"actor":"a","call":"read","args":{}}\n{"seq":2,"t":"soon","actor":"a","call":"read","args":{}}\n', /line 3: "t" must be/],
      ['wrong-header.jsonl', '{"seq":1,"t":0,"actor":"a","call":"read","args":{}}\n', /line 1: the first line must be the trace header/],
      ['markup.jsonl', '{"type":"header","version":1,"kernel":"sim","seed":1}\n{"seq":1,"t":0,"actor":"<img src=x onerror=alert(1)>","call":"x","args":{},"evil":1}\n', /unknown field "evil"/],
    ];
    for (const [name, text, why] of files) {
      const path = join(ARTIFACTS, name);
      writeFileSync(path, text);
      await page.evaluate(() => document.querySelectorAll('.message').forEach((m) => m.remove()));
      await page.setInputFiles('#import-file', path);
      const msg = page.locator('.message.error[data-topic="import"]');
      await msg.waitFor();
      const got = await msg.textContent();
      expect(got).toContain(`Cannot import “${name}”`);
      expect(got).toMatch(why);
      expect(await shown(page)).toEqual(before); // the previous trace is still shown
    }
    await shot(page, '08-bad-trace');
    await page.keyboard.press('ArrowRight');
    expect(await cursor(page)).toBe(before.cursor + 1);
    noErrors(t);
    await page.close();
  });

  it('the scenario editor shows each validation error beside its field, and runs the fixed document', async () => {
    const t = await playground().open();
    const { page } = t;
    await page.click('#edit');
    const area = page.locator('#scenario-json');
    const doc = builtinScenario(listBuiltinScenarios()[0]?.name as string) as unknown as Record<string, unknown>;
    // Not JSON at all.
    await area.fill('{ "version": 1,\n  "name": oops }');
    await page.click('#editor-check');
    expect(await page.locator('#ed-status').textContent()).toContain('not valid JSON');
    expect(await page.locator('#ed-errors li').first().textContent()).toContain('line 2');
    // Two bad fields: each error on its field's line.
    const broken = JSON.parse(JSON.stringify(doc)) as { options: Record<string, unknown>; steps: Array<Record<string, unknown>> };
    broken.options.family = 'udp';
    (broken.steps[1] as Record<string, unknown>).maxSteps = -5;
    const text = JSON.stringify(broken, null, 2);
    await area.fill(text);
    await page.click('#editor-check');
    const lines = text.split('\n');
    const lineOf = (needle: string): number => lines.findIndex((l) => l.includes(needle)) + 1;
    const items = await page.locator('#ed-errors li').evaluateAll((ls) => ls.map((l) => ({ path: (l as HTMLElement).dataset.path, line: Number((l as HTMLElement).dataset.line) })));
    expect(items).toEqual([
      { path: 'options.family', line: lineOf('"family": "udp"') },
      { path: 'steps[1].maxSteps', line: lineOf('"maxSteps": -5') },
    ]);
    const notes = await page.locator('.ed-note').evaluateAll((ns) => ns.map((n) => ({ line: Number((n as HTMLElement).dataset.line), text: n.textContent })));
    expect(notes.map((n) => n.line)).toEqual([lineOf('"family": "udp"'), lineOf('"maxSteps": -5')]);
    expect(notes[0]?.text).toContain('options.family');
    await shot(page, '09-editor-errors');
    // Running is refused while invalid; the dialog stays.
    await page.click('#editor-run');
    expect(await page.locator('#editor-dialog').getAttribute('open')).not.toBeNull();
    // Fixed: it runs as an edited scenario.
    broken.options.family = 'tcp';
    (broken.steps[1] as Record<string, unknown>).maxSteps = 6000;
    (broken as unknown as { title: string }).title = 'Edited slow reader';
    await area.fill(JSON.stringify(broken, null, 2));
    await afterRun(page, () => page.click('#editor-run'));
    expect(await page.locator('#scenario option:checked').textContent()).toBe('Edited: Edited slow reader');
    expect(await page.locator('.side-a .verdict').getAttribute('data-held')).toBe('true');
    // Bad knobs are shown beside the knob.
    await page.fill('#k-sndbuf', '-3');
    await page.click('#run');
    expect(await page.locator('[data-path="options.sndbuf"]').textContent()).toContain('⚠');
    expect(await page.locator('#k-sndbuf').getAttribute('aria-invalid')).toBe('true');
    noErrors(t);
    await page.close();
  });

  it('is usable in a narrow window', async () => {
    const t = await playground().open('', { width: 420, height: 900 });
    const { page } = t;
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    expect(await page.locator('.side-a .timeline').getAttribute('data-mode')).toBe('compact');
    await page.keyboard.press('PageDown');
    await shot(page, '10-narrow-420');
    await page.setViewportSize({ width: 800, height: 900 });
    await page.waitForTimeout(200);
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await shot(page, '11-medium-800');
    noErrors(t);
    await page.close();
  });
});
