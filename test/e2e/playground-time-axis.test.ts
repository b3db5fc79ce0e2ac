// Issue 14, time: the bytes plot can put time on its x axis (virtual ms on
// the sim). Only where the clock moved: no built-in scenario lets time
// pass, so there the choice is off and says why; a scenario that advances
// the clock draws each event at its t, and a click picks the event at that
// time.
import { describe, expect, it } from 'vitest';

import { afterRun, noErrors, shot, usePlayground } from './helpers.js';

const playground = usePlayground();

/** A client writes, the clock moves 40 ms (TCP's delayed ACK fires), it writes again, 200 ms pass. */
const TIMED = {
  version: 1,
  name: 'timed-echo',
  title: 'An echo with the clock moving',
  explanation: 'The client writes, 40 ms pass, it writes again, 200 ms pass.',
  options: { family: 'tcp', app: 'echo' },
  peers: [{ name: 'client' }],
  steps: [
    { do: 'connect', peer: 'client' },
    { do: 'step', count: 2 },
    { do: 'write', peer: 'client', bytes: 1000 },
    { do: 'step', count: 2 },
    { do: 'advance', ms: 40 },
    { do: 'write', peer: 'client', bytes: 1000 },
    { do: 'step', count: 2 },
    { do: 'advance', ms: 200 },
    { do: 'step', count: 1 },
  ],
  expect: [],
};

describe('the plot’s time axis', () => {
  it('is off, saying why, when the virtual clock never moved; on a run that advances it, draws events at their t', async () => {
    const t = await playground().open();
    const { page } = t;
    const axis = page.locator('.side-a .plot-axis');
    expect(await axis.isDisabled()).toBe(true);
    expect(await axis.getAttribute('title')).toContain('The virtual clock did not move in this run');

    await page.click('#edit');
    await page.locator('#scenario-json').fill(JSON.stringify(TIMED, null, 2));
    await afterRun(page, () => page.click('#editor-run'));
    expect(await axis.isDisabled()).toBe(false);
    await axis.click();
    expect(await page.locator('.side-a .plot').getAttribute('data-axis')).toBe('time');
    expect(await axis.getAttribute('aria-pressed')).toBe('true');

    // A click at three quarters of the width picks an event of the last 200 ms (t >= 40), not the event three quarters of the way.
    const box = (await page.locator('.side-a .plot-canvas').first().boundingBox())!;
    await page.mouse.click(box.x + 58 + (box.width - 58 - 8) * 0.75, box.y + box.height / 2);
    const picked = Number(await page.evaluate(() => document.body.dataset.cursor));
    const tAt = await page.evaluate((i) => (window as unknown as { edgeloopPlayground: { sides: Array<{ session: { model: { t: Float64Array } } }> } }).edgeloopPlayground.sides[0]!.session.model.t[i], picked);
    expect(tAt).toBeGreaterThanOrEqual(40);
    await shot(page, '45-plot-time-axis');

    await axis.click();
    expect(await page.locator('.side-a .plot').getAttribute('data-axis')).toBe('events');
    noErrors(t);
    await page.close();
  });
});
