// Issue 14 point 8: a run whose reactor buffered hundreds of MiB (a day-26
// flood, a 256 MiB bulk response) left the tab that large for as long as it
// stayed open, because a wasm memory never shrinks and the run worker lived
// on. Even a small run's idle worker held about 100 MiB. Now the page ends
// the worker once each run is over (runner.ts) and the next run starts a
// fresh one (one instantiation of the module). The renderers' resident
// memory after the large run is printed: 663 MiB with the worker ended,
// 1,392 MiB when it lived on (measured once each, this machine).
import { describe, expect, it } from 'vitest';

import { floodScenario as flood } from '../../bench/scenarios.js';
import { afterRun, noErrors, rendererMemoryMiB, usePlayground } from './helpers.js';

const playground = usePlayground();

// flood(steps): day26-as-written and a unix client flooding it, send_buf_
// growing ~200 KiB a step (the scale bench's scenario).

interface RunnerState {
  alive: boolean;
  started: number;
}

describe("the run worker's memory", () => {
  it('every run ends its worker, a large one too (its wasm memory past 128 MiB); the next run gets a fresh one', async () => {
    const t = await playground().open();
    const { page } = t;
    const state = (): Promise<RunnerState> =>
      page.evaluate(() => {
        const r = (window as unknown as { edgeloopPlayground: { runners: Array<{ alive: boolean; workersStarted: number }> } }).edgeloopPlayground.runners[0]!;
        return { alive: r.alive, started: r.workersStarted };
      });
    const run = async (doc: unknown): Promise<void> => {
      await page.click('#edit');
      await page.locator('#scenario-json').fill(JSON.stringify(doc, null, 2));
      await afterRun(page, () => page.click('#editor-run'), 120_000);
    };

    // The page's first run (a built-in scenario) is over: its worker is gone.
    const first = await state();
    expect(first.alive).toBe(false);
    expect(first.started).toBeGreaterThanOrEqual(1);

    // 1,000 steps: send_buf_ ~200 MiB, so the wasm memory is well past 128 MiB.
    await run(flood(1000));
    const afterBig = await state();
    await page.waitForTimeout(1500);
    const rss = rendererMemoryMiB(playground().profile, 'rss');
    console.log(`renderers' RSS after a 1,000-step day-26 flood (send_buf_ ~200 MiB), its worker ended: ${rss.toFixed(0)} MiB`);
    expect(afterBig).toEqual({ alive: false, started: first.started + 1 });

    // Each next run starts a fresh worker, and ends it.
    await run(flood(20));
    expect(await state()).toEqual({ alive: false, started: first.started + 2 });
    await run(flood(30));
    expect(await state()).toEqual({ alive: false, started: first.started + 3 });
    noErrors(t);
    await page.close();
  });
});
