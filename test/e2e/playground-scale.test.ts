// Issue 14 point 8, in the page: a run of about a million events (the
// scale bench's echo scenario: 40 tcp peers, 4 KiB rounds), how long it
// takes from the click to the page showing it, where that time goes, how
// much memory the tab's renderer holds, and whether the page still moves
// in a frame. The numbers are printed against the targets (5 s,
// 500 MB, 50 ms) and saved in test-results/playground/scale.json; the
// bounds asserted are an order of magnitude looser (a shared 2-core CI
// machine), there to catch a return of what was fixed: a run that kept a
// million record objects in the worker and again in the page took 18.5 s
// and 2.2 GB.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { echoScenario, ECHO_RECORDS_PER_ROUND } from '../../bench/scenarios.js';
import { afterRun, ARTIFACTS, keyToPaint, noErrors, rendererMemoryMiB, shot, usePlayground } from './helpers.js';

const playground = usePlayground();

const CAP_TEXT = "The run reached the playground's cap of 1,000,000 events and was stopped there";
const TARGETS = { runMs: 5_000, peakMiB: 500, navigateMs: 50 };

describe('the playground with a million events', () => {
  it('runs a scenario to the page’s cap of 1,000,000 events, shows what ran, and moves through it; prints the figures against the targets', async () => {
    const t = await playground().open();
    const { page } = t;
    // A few rounds more than a million events: the page stops the run at its cap and shows what ran.
    const rounds = Math.ceil(1_030_000 / ECHO_RECORDS_PER_ROUND);
    await page.click('#edit');
    await page.locator('#scenario-json').fill(JSON.stringify(echoScenario(rounds)));

    const n: Record<string, number> = {};
    n.privateBeforeMiB = Math.round(rendererMemoryMiB(playground().profile, 'private'));
    let peak = n.privateBeforeMiB;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rendererMemoryMiB(playground().profile, 'private'));
    }, 100);
    const r0 = performance.now();
    try {
      await afterRun(page, () => page.click('#editor-run'), 300_000);
    } catch (e) {
      clearInterval(sampler);
      throw e;
    }
    n.runWallMs = Math.round(performance.now() - r0);
    const capNotice = page.locator('#messages [data-topic="run"]');
    expect(await capNotice.textContent()).toContain(CAP_TEXT);
    const app = (await page.evaluate(() => {
      const a = (window as unknown as { edgeloopPlayground: { lastRunMs: number; lastRunPhases: Record<string, number> } }).edgeloopPlayground;
      return { ms: a.lastRunMs, phases: a.lastRunPhases };
    })) as { ms: number; phases: Record<string, number> };
    n.runInPageMs = Math.round(app.ms);
    for (const [k, v] of Object.entries(app.phases)) n[k] = v;
    n.events = Number(await page.evaluate(() => (document.querySelector('#position') as HTMLElement).textContent?.match(/of ([\d,]+)/)?.[1]?.replace(/,/g, '')));
    n.privateRunPeakMiB = Math.round(Math.max(peak, rendererMemoryMiB(playground().profile, 'private')));
    n.pageHeapMiB = Math.round(await page.evaluate(() => (performance as unknown as { memory: { usedJSHeapSize: number } }).memory.usedJSHeapSize / 1048576));

    const move = (key: string): Promise<number> => keyToPaint(page, key);
    n.jumpToLastMs = Math.round(await move('End'));
    expect(Number(await page.evaluate(() => document.body.dataset.cursor))).toBe(n.events - 1);
    n.stepBackMs = Math.round(await move('PageUp'));
    n.stepBackAgainMs = Math.round(await move('PageUp'));
    n.jumpToFirstMs = Math.round(await move('Home'));
    await move('End');
    await shot(page, '30-scale-1m-last-event');
    n.privateAfterMiB = Math.round(rendererMemoryMiB(playground().profile, 'private'));
    clearInterval(sampler);
    // The tab's peak: through the run and the moves after it.
    n.privatePeakMiB = Math.round(Math.max(peak, n.privateAfterMiB));

    // An event inside the last reactor step (one before its end): its exact state comes from running the
    // scenario again up to it, in a worker, once the cursor rests there.
    await page.keyboard.press('ArrowLeft');
    const e0 = performance.now();
    await page.waitForSelector('.side-a .gauges .frame-note[data-exact="true"]', { timeout: 60_000 });
    n.exactStateNearLastMs = Math.round(performance.now() - e0);
    expect(await page.locator('.side-a .gauges .frame-note').textContent()).toContain(`Up to event #${n.events - 1}`);

    const verdict = (ok: boolean): string => (ok ? 'met' : 'missed');
    const navigate = Math.max(n.jumpToLastMs, n.stepBackMs, n.stepBackAgainMs, n.jumpToFirstMs);
    console.log(
      [
        `the playground with ${n.events.toLocaleString('en-US')} events (the echo scenario, 40 tcp peers):`,
        ...Object.entries(n).map(([k, v]) => `  ${k}: ${v}`),
        `  run in the page under ${TARGETS.runMs} ms: ${verdict(n.runWallMs < TARGETS.runMs)} (${n.runWallMs} ms)`,
        `  the tab under ${TARGETS.peakMiB} MiB: ${verdict(n.privatePeakMiB < TARGETS.peakMiB)} (peak ${n.privatePeakMiB} MiB of renderer private memory, ${n.privateBeforeMiB} before the run)`,
        `  step back and jump under ${TARGETS.navigateMs} ms: ${verdict(navigate < TARGETS.navigateMs)} (worst ${navigate} ms)`,
      ].join('\n'),
    );
    writeFileSync(join(ARTIFACTS, 'scale.json'), `${JSON.stringify({ ...n, targets: TARGETS }, null, 2)}\n`);

    expect(n.events).toBeGreaterThan(1_000_000);
    expect(n.events).toBeLessThan(1_001_000);
    // The cap notice stays while the capped run is shown: it was a note that faded after 8 s, and on a
    // loaded machine the moves and the exact state above took longer than that (the check failed).
    expect(await capNotice.textContent()).toContain(CAP_TEXT);
    expect(await capNotice.getAttribute('data-stays')).toBe('true');
    expect(n.runWallMs).toBeLessThan(120_000);
    expect(n.privatePeakMiB).toBeLessThan(1_500);
    expect(navigate).toBeLessThan(1_000);
    noErrors(t);
    await page.close();
  });
});
