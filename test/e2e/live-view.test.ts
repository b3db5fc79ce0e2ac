// The playground attached to a real server's live view, in Chromium: a real
// echo server (createServer, live on 127.0.0.1) under load from 20 clients
// that send all the time; a #live= link opens the page attached, the
// timeline, the connection list and the interest list follow the server,
// Pause freezes the views while the page keeps the records coming (its
// window bounded, the oldest dropped and counted), Resume shows them, and
// the server's close is said as such.
import net from 'node:net';

import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createServer, type EdgeloopServer } from '../../src/index.js';
import { connect } from '../helpers/server.js';
import { shot, startPlayground, type Playground } from './helpers.js';

const CLIENTS = 20;
let pg: Playground;
let server: EdgeloopServer;
let url = '';
const clients: net.Socket[] = [];
let pump: ReturnType<typeof setInterval> | null = null;

beforeAll(async () => {
  pg = await startPlayground();
  server = createServer({ port: 0, app: 'echo', live: { port: 0 } });
  const { port, live } = await server.listen();
  url = live?.url ?? '';
  for (let i = 0; i < CLIENTS; i++) {
    const s = await connect(port);
    s.on('data', () => undefined);
    s.on('error', () => undefined);
    clients.push(s);
  }
  // Every client sends 256 bytes every 5 ms: a few thousand echoes, tens of thousands of records, a second.
  const chunk = new Uint8Array(256).fill(0x61);
  pump = setInterval(() => {
    for (const s of clients) if (!s.destroyed) s.write(chunk);
  }, 5);
});

afterAll(async () => {
  if (pump) clearInterval(pump);
  for (const s of clients) s.destroy();
  await server?.close({ timeoutMs: 200 });
  await pg?.close();
});

interface Counts {
  state: string;
  received: number;
  window: number;
  dropped: number;
  buffered: number;
  shownSeq: number;
  lastSeq: number;
  /** The seq of the timeline's current row (the cursor). */
  cursorSeq: number;
  conns: number;
  /** Items in the interest list the epoll view shows at the cursor. */
  interest: string[];
}

function counts(page: Page): Promise<Counts> {
  return page.evaluate(() => {
    const d = (document.getElementById('live-counts') as HTMLElement).dataset;
    const n = (k: string): number => Number(d[k] ?? -1);
    const row = document.querySelector<HTMLElement>('.side-a .tl-row.current');
    return {
      state: (document.getElementById('live-status') as HTMLElement).dataset.state ?? '',
      received: n('received'),
      window: n('window'),
      dropped: n('dropped'),
      buffered: n('buffered'),
      shownSeq: n('shownSeq'),
      lastSeq: n('lastSeq'),
      cursorSeq: Number(row?.dataset.seq ?? -1),
      conns: document.querySelectorAll('#live-conns tr[data-conn]').length,
      interest: [...document.querySelectorAll<HTMLElement>('.side-a table.interest tbody tr[data-fd]')].map((tr) => tr.dataset.name ?? ''),
    };
  });
}

/** Waits until `cond` holds for the page's live counters (polled in the page's own frames). */
async function until(page: Page, what: string, cond: (c: Counts) => boolean, timeoutMs = 15_000): Promise<Counts> {
  const deadline = Date.now() + timeoutMs;
  let last = await counts(page);
  while (!cond(last)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify({ ...last, interest: last.interest.length })}`);
    await page.waitForTimeout(50);
    last = await counts(page);
  }
  return last;
}

describe('the playground attached to a live server', () => {
  it('follows the server, pauses while records keep coming, resumes with them, and says when the server closed', async () => {
    const t = await pg.open(`#live=${url}`);
    const { page } = t;
    expect(await page.locator('#live-url').inputValue()).toBe(url);

    // Attached: the timeline follows the newest record, and moves on.
    const first = await until(page, 'the first records', (c) => c.state === 'open' && c.shownSeq > 0);
    expect(await page.locator('#live-status').textContent()).toMatch(/^● Attached to 127\.0\.0\.1:\d+ \(edgeloop [\d.]+, echo\)/);
    const moved = await until(page, 'the timeline to move on', (c) => c.shownSeq > first.shownSeq && c.cursorSeq === c.shownSeq);
    expect(await page.locator('.side-a .side-title').textContent()).toMatch(/^Live: 127\.0\.0\.1:\d+ · echo/);

    // The connections, and the interest list at the cursor: the listener and every client's socket.
    const all = await until(page, 'the 20 connections', (c) => c.conns === CLIENTS && c.interest.filter((n) => n.startsWith('s')).length === CLIENTS + 1);
    expect(all.interest).toContain('s1');
    const sample = await page.locator('#live-conns tr[data-conn] td.mask').first().textContent();
    expect(sample).toContain('IN');
    expect(await page.locator('.side-a .ready-list').textContent()).toContain('Linux shows an epoll’s interest list, never its ready list');
    await shot(page, '20-live-following');

    // Pause: the views stay where they are while records keep coming into the page.
    await page.click('#live-pause');
    expect(await page.locator('#live-pause').getAttribute('aria-pressed')).toBe('true');
    const paused = await counts(page);
    const held = await until(page, 'records to come in while paused', (c) => c.buffered > 5000, 20_000);
    expect(held.shownSeq).toBe(paused.shownSeq);
    expect(held.cursorSeq).toBe(paused.cursorSeq);
    expect(held.lastSeq).toBeGreaterThan(paused.shownSeq);
    expect(await page.locator('#live-counts').textContent()).toMatch(/paused: [\d,]+ new since, shown on Resume/);
    // The page's window is bounded: past 50,000 records the oldest go, and it says how many.
    const bounded = await until(page, 'the window to drop its oldest records', (c) => c.dropped > 0, 25_000);
    expect(bounded.window).toBeLessThanOrEqual(55_000);
    expect(await page.locator('#live-counts').textContent()).toMatch(/[\d,]+ older ones dropped/);
    await shot(page, '21-live-paused');

    // Resume: everything that came meanwhile is shown, the cursor on the newest.
    const before = await counts(page);
    await page.click('#live-pause');
    const resumed = await until(page, 'the buffered records shown', (c) => c.shownSeq >= before.lastSeq && c.cursorSeq === c.shownSeq);
    expect(resumed.shownSeq).toBeGreaterThan(moved.shownSeq);
    // The window has moved past its first records: the interest list, carried along, is still whole.
    expect(resumed.dropped).toBeGreaterThan(0);
    expect(resumed.interest.filter((n) => n.startsWith('s'))).toHaveLength(CLIENTS + 1);
    await shot(page, '22-live-resumed');

    // The server closes: the page says so, and keeps the last window.
    if (pump) clearInterval(pump);
    pump = null;
    for (const s of clients) s.destroy();
    await server.close({ timeoutMs: 200 });
    await until(page, 'the close', (c) => c.state === 'closed');
    expect(await page.locator('#live-status').textContent()).toMatch(/^Closed by the server \(the server closed\)/);
    expect(await page.locator('.side-a .tl-row').count()).toBeGreaterThan(0);
    expect(t.errors).toEqual([]);
  }, 90_000);

  it('a link to a live view nobody serves says so, and the page stays usable', async () => {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const t = await pg.open(`#live=ws://127.0.0.1:${port}`);
    await until(t.page, 'the error', (c) => c.state === 'error');
    expect(await t.page.locator('#live-status').textContent()).toContain(`could not connect to ws://127.0.0.1:${port}`);
    // Not loopback: refused before anything is sent.
    await t.page.fill('#live-url', 'ws://192.0.2.1:9001');
    await t.page.click('#live-attach');
    expect(await t.page.locator('#live-status').textContent()).toMatch(/192\.0\.2\.1 is not this machine/);
    // Chromium reports the refused connection itself; nothing else may be logged.
    expect(t.errors.filter((e) => !/WebSocket connection to .* failed/.test(e))).toEqual([]);
  });
});
