// Issue 14, the receive side and time: for TCP, a sequence graph of the
// server's send side (Stevens/tcptrace style: written, sent, acknowledged,
// the window's edge), from the simulated kernel's tcp_sock fields after
// every reactor step. Checked against the same run made in Node: the
// values at the cursor are the kernel's, the lines keep their order
// (acknowledged <= sent <= written, sent <= the window edge), and an
// AF_UNIX run, which has no sequence, shows none.
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { builtinScenario } from '../../src/index.js';
import { frameAt } from '../../playground/src/frames.js';
import { bytes } from '../../playground/src/format.js';
import { ARTIFACTS, expectedRun, noErrors, pickScenario, shot, usePlayground } from './helpers.js';

const playground = usePlayground();

describe('the TCP sequence graph', () => {
  it('draws the send sequence of the busiest connection, with the kernel’s values at the cursor', async () => {
    const t = await playground().open();
    const { page } = t;
    await pickScenario(page, 'large-response-slow-reader');
    const graph = page.locator('.side-a .seq-plot');
    await expect.poll(() => graph.isVisible()).toBe(true);
    const exp = await expectedRun(builtinScenario('large-response-slow-reader'));

    // Somewhere in the middle of the response, then at the end.
    const last = exp.frames[exp.frames.length - 1]!;
    for (const target of [Math.floor(last.records / 2), last.records - 1]) {
      await page.evaluate((k) => {
        (window as unknown as { edgeloopPlayground: { playback: { setCursor(i: number): void } } }).edgeloopPlayground.playback.setCursor(k);
      }, target);
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      const connId = Number(await page.locator('.side-a .seq-conn').inputValue());
      const f = exp.frames[frameAt(exp.frames, target)]!;
      const c = f.conns.find((x) => x.id === connId);
      const tcp = c?.kernel?.tcp;
      expect(tcp, `connection ${connId} at ${target}`).toBeTruthy();
      const base = exp.frames.flatMap((x) => x.conns.filter((y) => y.id === connId && y.kernel?.tcp)).at(0)!.kernel!.tcp!.seq.una;
      const shown = async (key: string) => (await graph.locator(`.legend-item[data-series="${key}"] strong`).textContent()) ?? '';
      expect(await shown('written')).toBe(bytes(tcp!.seq.write - base));
      expect(await shown('sent')).toBe(bytes(tcp!.seq.nxt - base));
      expect(await shown('acked')).toBe(bytes(tcp!.seq.una - base));
      expect(await shown('edge')).toBe(bytes(tcp!.seq.wndEdge - base));
      expect(tcp!.seq.una).toBeLessThanOrEqual(tcp!.seq.nxt);
      expect(tcp!.seq.nxt).toBeLessThanOrEqual(tcp!.seq.write);
      expect(tcp!.seq.nxt).toBeLessThanOrEqual(tcp!.seq.wndEdge);
      expect(await graph.locator('.seq-gaps').textContent()).toContain(`in flight ${bytes(tcp!.seq.nxt - tcp!.seq.una)}`);
      await graph.screenshot({ path: join(ARTIFACTS, `41-seq-graph-at-${target === last.records - 1 ? 'end' : 'middle'}.png`) });
    }
    // The whole run, then the close-up again.
    await graph.locator('button.seq-zoom').click();
    await expect.poll(() => graph.getAttribute('data-view')).toBe('whole');
    await graph.screenshot({ path: join(ARTIFACTS, '42-seq-graph-whole-run.png') });
    await graph.locator('button.seq-zoom').click();
    await expect.poll(() => graph.getAttribute('data-view')).toBe('near');
    // The slow reader's window: at some step sent presses against the edge (the peer's buffer is full).
    const pressed = exp.frames.some((f) => f.conns.some((c) => c.kernel?.tcp && c.kernel.tcp.seq.nxt === c.kernel.tcp.seq.wndEdge && c.kernel.tcp.seq.write > c.kernel.tcp.seq.nxt));
    expect(pressed).toBe(true);
    await shot(page, '40-seq-graph-slow-reader');

    // AF_UNIX has no sequence: no graph.
    await pickScenario(page, 'epollout-left-on');
    await expect.poll(() => graph.isVisible()).toBe(false);
    noErrors(t);
    await page.close();
  });
});
