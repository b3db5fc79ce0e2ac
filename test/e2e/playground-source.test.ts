// The C++ behind each call, in Chromium: the event under the cursor names
// the reactor function that made it, and a panel shows that function's
// source with the line marked (issue 14). In compare mode each side shows
// its own code: the tutorial's (as the day-26 variant reproduces it) next
// to edgeloop's. Screenshots go to test-results/playground.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';

import { builtinScenario, parseCallSite, spellCallSites, type SpelledRecord } from '../../src/browser.js';
import { computeMoments } from '../../playground/src/moments.js';
import { modelFromJsonl } from '../../playground/src/trace-model.js';
import { afterRun, cursor, expectedRun, noErrors, pickScenario, shot, usePlayground } from './helpers.js';

const playground = usePlayground();

interface Shown {
  fn: string;
  file: string;
  /** The marked line's number and text. */
  line: number;
  text: string;
  note: string;
  /** Whether the marked line is inside the box's visible part, and the box inside the window. */
  inView: boolean;
}

async function sourceShown(page: Page, side: 'a' | 'b'): Promise<Shown> {
  return page.evaluate((s) => {
    const root = document.querySelector(`.side-${s} .source-view`) as HTMLElement;
    const box = root.querySelector('.src-code') as HTMLElement;
    const hit = root.querySelector('.src-hit') as HTMLElement | null;
    const top = box.getBoundingClientRect();
    const r = hit?.getBoundingClientRect();
    return {
      fn: root.querySelector('.src-fn')?.textContent ?? '',
      file: root.querySelector('.src-file')?.textContent ?? '',
      line: Number(hit?.dataset.line ?? -1),
      text: hit?.querySelector('.src-text')?.textContent ?? '',
      note: root.querySelector('.src-note')?.textContent ?? '',
      inView: r !== undefined && r.top >= top.top - 1 && r.bottom <= top.bottom + 1 && r.top >= 0 && r.bottom <= window.innerHeight,
    };
  }, side);
}

/** The index of the last record at or before `k` that has a call site (the reactor's last call). */
function lastSited(records: readonly SpelledRecord[], k: number): number {
  for (let i = k; i >= 0; i--) if (records[i]?.site !== undefined) return i;
  return -1;
}

async function goto(page: Page, seq: number): Promise<void> {
  await page.fill('#goto', String(seq));
  await page.press('#goto', 'Enter');
}

describe('the C++ behind each call', () => {
  it('a partial write in day 26 shows the line of Send, then of WriteNonBlocking, that made it; the +EPOLLOUT shows the EnableWrite that asked for it', async () => {
    const t = await playground().open('', { width: 1440, height: 900 });
    const { page } = t;
    const name = 'epollout-left-on';
    await pickScenario(page, name);
    expect(await page.locator('#k-variant').inputValue()).toBe('day26-as-written');
    const model = modelFromJsonl((await expectedRun(builtinScenario(name))).trace);
    const moments = computeMoments(model.records);
    // Each record's sites as text (a trace gives a site's text once, then its number).
    const list = [...model.records];
    const records = spellCallSites(list);

    // The first partial write: Send's own write, in the variant's file.
    const partial = moments.byName.get('partial-write')?.index as number;
    expect(records[partial]?.site).toMatch(/^Day26Connection::Send native\/reactor\/variants\/day26_as_written\.cc:\d+$/);
    await page.click('.side-a .moment-chip[data-moment="partial-write"]');
    expect(await cursor(page)).toBe(partial);
    let s = await sourceShown(page, 'a');
    expect(s.fn).toBe('Day26Connection::Send');
    expect(s.file).toBe(`variants/day26_as_written.cc:${parseCallSite(records[partial]!.site!)!.line}`);
    expect(s.text).toContain('kernel().Write(fd(), msg, length)');
    expect(s.inView).toBe(true);
    // The whole function is there, from its definition to its closing brace.
    const code = await page.locator('.side-a .src-code').textContent();
    expect(code).toContain('bool Day26Connection::Send(const uint8_t* msg, size_t length) {');
    expect(code).toContain('channel().EnableWrite();');
    await shot(page, '60-source-partial-write-in-send');

    // The next partial write is WriteNonBlocking's, on EPOLLOUT: the panel follows the cursor.
    const next = records.findIndex((r, i) => i > partial && r.call === 'write' && r.site?.startsWith('Day26Connection::WriteNonBlocking'));
    expect(next).toBeGreaterThan(partial);
    await goto(page, list[next]!.seq);
    expect(await cursor(page)).toBe(next);
    s = await sourceShown(page, 'a');
    expect(s.fn).toBe('Day26Connection::WriteNonBlocking');
    expect(s.text).toContain('kernel().Write(fd(), send_buf_.Peek(), static_cast<size_t>(remaining))');
    expect(s.inView).toBe(true);
    await shot(page, '61-source-partial-write-in-writenonblocking');

    // EPOLLOUT added: the epoll_ctl is Epoll::UpdateChannel's, on behalf of Send's EnableWrite, and the panel shows that line.
    const added = moments.byName.get('epollout-added')?.index as number;
    await goto(page, list[added]!.seq);
    s = await sourceShown(page, 'a');
    expect(s.fn).toBe('Day26Connection::Send');
    expect(s.text).toContain('channel().EnableWrite();');
    expect(s.note).toContain('Epoll::UpdateChannel');

    // A peer's call has no server C++ behind it: the panel says so and shows the reactor's last call before it.
    const peer = list.findIndex((r, k) => k > partial && r.actor !== 'reactor' && r.actor !== 'app');
    const last = lastSited(records, peer);
    await goto(page, list[peer]!.seq);
    const head = await page.locator('.side-a .source-view .src-head').textContent();
    expect(head).toContain(`Event #${list[peer]!.seq} (${list[peer]!.actor}) is not the server’s; the reactor’s last call before it, #${list[last]!.seq}`);
    s = await sourceShown(page, 'a');
    expect(s.fn).toBe(parseCallSite(records[last]!.origin ?? records[last]!.site!)!.fn);
    expect(s.line).toBe(parseCallSite(records[last]!.origin ?? records[last]!.site!)!.line);

    // The box scrolls by keyboard without moving the page's cursor.
    await goto(page, list[partial]!.seq);
    await page.focus('.side-a .src-code');
    const before = await page.locator('.side-a .src-code').evaluate((e) => e.scrollTop);
    await page.keyboard.press('Home');
    expect(await cursor(page)).toBe(partial);
    expect(await page.locator('.side-a .src-code').evaluate((e) => e.scrollTop)).toBeLessThanOrEqual(before);
    expect(await page.locator('.side-a .src-code').getAttribute('aria-label')).toContain('C++ source');

    // At 1440x900 the state panels are still in view beside it.
    for (const panel of ['.event-box', '.epoll', '.source-view', '.tl-row.current']) {
      const box = await page.locator(`.side-a ${panel}`).first().boundingBox();
      expect(box, panel).not.toBeNull();
      expect(box!.y + Math.min(box!.height, 40), `${panel} in the window`).toBeLessThanOrEqual(900);
    }
    noErrors(t);
    await page.close();
  });

  it('compare mode: the tutorial’s Send next to edgeloop’s at the same partial write', async () => {
    const t = await playground().open('', { width: 1440, height: 900 });
    const { page } = t;
    const name = 'large-response-slow-reader';
    await pickScenario(page, name);
    await afterRun(page, () => page.selectOption('#k-variant', 'day26-as-written').then(() => page.click('#run')));
    await page.selectOption('#compare-variant', 'edgeloop');
    await afterRun(page, () => page.check('#compare'));
    const a = spellCallSites([...modelFromJsonl((await expectedRun(builtinScenario(name), { variant: 'day26-as-written' })).trace).records]);
    const b = spellCallSites([...modelFromJsonl((await expectedRun(builtinScenario(name), { variant: 'edgeloop' })).trace).records]);
    // The response's first write: both variants' Send, partial, at the same event.
    const first = a.findIndex((r) => r.actor === 'reactor' && r.call === 'write');
    expect(b.findIndex((r) => r.actor === 'reactor' && r.call === 'write')).toBe(first);
    expect(a[first]!.ret).toBeLessThan(a[first]!.args.bytes as number);
    // By event position: the runs agree up to here, so B's event is A's.
    await page.locator('#align-by').selectOption('position');
    await goto(page, a[first]!.seq);
    expect(Number(await page.evaluate(() => document.body.dataset.cursorB))).toBe(first);
    const sa = await sourceShown(page, 'a');
    const sb = await sourceShown(page, 'b');
    expect(sa.fn).toBe('Day26Connection::Send');
    expect(sa.text).toContain('kernel().Write(fd(), msg, length)');
    expect(sb.fn).toBe('TcpConnection::Send');
    expect(sb.file).toMatch(/^tcp_connection\.cc:\d+$/);
    expect(sb.text).toContain('kernel_.Write(fd_, data, len)');
    expect(sa.inView && sb.inView).toBe(true);
    await shot(page, '62-source-compare-send');

    noErrors(t);
    await page.close();
  });

  it('compare mode, at the first difference in behaviour: edgeloop’s WriteNonBlocking takes EPOLLOUT out (its DisableWrite line), day 26’s code beside it', async () => {
    const t = await playground().open('', { width: 1440, height: 900 });
    const { page } = t;
    const name = 'epollout-left-on';
    await pickScenario(page, name);
    await page.selectOption('#compare-variant', 'edgeloop');
    await afterRun(page, () => page.check('#compare'));
    const a = spellCallSites([...modelFromJsonl((await expectedRun(builtinScenario(name), { variant: 'day26-as-written' })).trace).records]);
    const b = spellCallSites([...modelFromJsonl((await expectedRun(builtinScenario(name), { variant: 'edgeloop' })).trace).records]);
    await page.keyboard.press('b');
    const i = await cursor(page);
    const j = Number(await page.evaluate(() => document.body.dataset.cursorB));
    expect(b[j]?.call).toBe('epollCtl');
    const sb = await sourceShown(page, 'b');
    expect(sb.fn).toBe('TcpConnection::WriteNonBlocking');
    expect(sb.text).toContain('channel_->DisableWrite()');
    expect(sb.note).toContain('Epoll::UpdateChannel');
    expect(sb.inView).toBe(true);
    // Side A shows the C++ of its own event there: the tutorial's run, in its own files.
    const ra = a[lastSited(a, i)]!;
    const sa = await sourceShown(page, 'a');
    expect(sa.fn).toBe(parseCallSite(ra.origin ?? ra.site!)!.fn);
    expect(sa.file).toMatch(/^(variants\/)?[a-z0-9_]+\.cc:\d+$/);
    expect(sa.inView).toBe(true);
    // A step on: both sides' panels follow the cursor, each to its own record.
    await page.keyboard.press('ArrowRight');
    const i2 = await cursor(page);
    const j2 = Number(await page.evaluate(() => document.body.dataset.cursorB));
    for (const [side, records, k] of [['a', a, i2], ['b', b, j2]] as const) {
      const r = records[lastSited(records, k)]!;
      expect((await sourceShown(page, side)).fn, side).toBe(parseCallSite(r.origin ?? r.site!)!.fn);
    }
    await page.keyboard.press('ArrowLeft');
    await shot(page, '63-source-compare-disable-write');
    noErrors(t);
    await page.close();
  });
});
