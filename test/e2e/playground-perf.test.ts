// The playground with a 200,000-event trace: how long the page takes to load,
// to run the scenario, and to jump to the last event, and that the timeline
// stays virtualized (a bounded number of rows in the DOM) while it scrolls.
// The numbers are printed and saved in test-results/playground/perf.json;
// the bounds are generous (a shared CI machine), meant to catch a regression
// by an order of magnitude, such as rendering every row.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { afterRun, ARTIFACTS, keyToPaint, ready, shot, startPlayground, type Playground } from './helpers.js';

const FLOOD_STEPS = 860;
/** day26-as-written reads 1 KiB at a time: a flooding peer makes ~240 trace records per reactor step. */
const BIG = {
  version: 1,
  name: 'flood-200k',
  title: 'A peer floods an echo server (200,000+ events)',
  explanation: 'A client writes 64 KiB chunks until EAGAIN, every step, to the tutorial’s echo server, which reads 1 KiB at a time.',
  options: { family: 'unix', app: 'echo', variant: 'day26-as-written', sndbuf: 16384, peerReadRate: 65536 },
  peers: [{ name: 'client' }],
  steps: [
    { do: 'connect', peer: 'client' },
    { do: 'flood', peer: 'client', steps: FLOOD_STEPS },
  ],
  expect: [],
};

let pg: Playground;
beforeAll(async () => {
  pg = await startPlayground();
});
afterAll(async () => {
  await pg?.close();
});

describe('the playground with a 200,000-event trace', () => {
  it('loads, runs, jumps to the end and scrolls within bounds', async () => {
    const numbers: Record<string, number> = {};
    const t0 = performance.now();
    const t = await pg.open();
    const { page } = t;
    numbers.loadToFirstRunMs = Math.round(performance.now() - t0);
    numbers.domContentLoadedMs = Math.round(
      await page.evaluate(() => (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).domContentLoadedEventEnd),
    );

    // Run the big scenario from the editor.
    await page.click('#edit');
    await page.locator('#scenario-json').fill(JSON.stringify(BIG, null, 2));
    const r0 = performance.now();
    await afterRun(page, () => page.click('#editor-run'), 180_000);
    numbers.runWallMs = Math.round(performance.now() - r0);
    numbers.runInWorkerMs = Number(await page.evaluate(() => (window as unknown as { edgeloopPlayground: { lastRunMs: number } }).edgeloopPlayground.lastRunMs));
    const events = await page.evaluate(() => Number((document.querySelector('#position') as HTMLElement).textContent?.match(/of ([\d,]+)/)?.[1]?.replace(/,/g, '')));
    numbers.events = events;
    expect(events).toBeGreaterThanOrEqual(200_000);
    expect(await page.locator('.side-a .verdict').getAttribute('data-held')).toBe('true');

    // Jump to the last event: the time until two frames have been painted.
    const jump = (key: string): Promise<number> => keyToPaint(page, key);
    numbers.jumpToLastMs = Math.round(await jump('End'));
    expect(Number(await page.evaluate(() => document.body.dataset.cursor))).toBe(events - 1);
    expect(Number(await page.locator('.side-a .tl-row.current').getAttribute('data-seq'))).toBe(events);
    numbers.stepBackMs = Math.round(await jump('PageUp'));
    numbers.jumpToFirstMs = Math.round(await jump('Home'));
    await jump('End');
    await shot(page, '20-perf-200k-last-event');

    // Scrolling: ten jumps across the whole timeline, each painted; the DOM keeps a bounded number of rows.
    const scroll = await page.evaluate(async () => {
      const vp = document.querySelector('.side-a .tl-viewport') as HTMLElement;
      const times: number[] = [];
      let maxRows = 0;
      for (let k = 0; k <= 10; k++) {
        const start = performance.now();
        vp.scrollTop = (vp.scrollHeight - vp.clientHeight) * (k / 10);
        await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
        times.push(performance.now() - start);
        maxRows = Math.max(maxRows, vp.querySelectorAll('.tl-row:not([hidden])').length);
      }
      return { worst: Math.max(...times), maxRows };
    });
    numbers.scrollWorstFrameMs = Math.round(scroll.worst);
    numbers.timelineRowsInDom = scroll.maxRows;

    // The same trace, exported and imported back.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-action="export-a"]')]);
    const file = join(ARTIFACTS, 'flood-200k.jsonl');
    await download.saveAs(file);
    const i0 = performance.now();
    await afterRun(page, () => page.setInputFiles('#import-file', file), 120_000);
    numbers.importMs = Math.round(performance.now() - i0);
    numbers.importJumpToLastMs = Math.round(await jump('End'));
    expect(Number(await page.evaluate(() => document.body.dataset.cursor))).toBe(events - 1);
    await ready(page);

    console.log(`playground performance (${events} events):\n${Object.entries(numbers).map(([k, v]) => `  ${k}: ${v}`).join('\n')}`);
    writeFileSync(join(ARTIFACTS, 'perf.json'), `${JSON.stringify(numbers, null, 2)}\n`);
    expect(t.errors).toEqual([]);
    expect(numbers.loadToFirstRunMs).toBeLessThan(20_000);
    expect(numbers.runWallMs).toBeLessThan(150_000);
    expect(numbers.jumpToLastMs).toBeLessThan(2_000);
    expect(numbers.stepBackMs).toBeLessThan(2_000);
    expect(numbers.scrollWorstFrameMs).toBeLessThan(1_000);
    expect(numbers.timelineRowsInDom).toBeLessThan(200);
    expect(numbers.importMs).toBeLessThan(60_000);
    expect(numbers.importJumpToLastMs).toBeLessThan(2_000);
    await page.close();
  });
});
