// The playground in real Chromium: Debian's /usr/bin/chromium driven by
// playwright-core, the page built by Vite into a temporary directory and
// served by `vite preview` on a free port. Everything started here is closed
// by the returned close() (browser, server, temporary directories).
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { build, preview, type PreviewServer } from 'vite';

import { runScenario } from '../../src/browser.js';
import type { ScenarioOptions } from '../../src/simulation/scenario-schema.js';
import { captureFrame, type Frame } from '../../playground/src/frames.js';

export const CHROMIUM = '/usr/bin/chromium';
const CONFIG = fileURLToPath(new URL('../../playground/vite.config.ts', import.meta.url));
/** Screenshots and exported files: test-results/playground (gitignored). */
export const ARTIFACTS = fileURLToPath(new URL('../../test-results/playground/', import.meta.url));

export interface Playground {
  url: string;
  context: BrowserContext;
  /** The browser's profile directory (its --user-data-dir: finds its processes in /proc). */
  profile: string;
  /** A fresh page that records console errors and page errors. */
  open(hash?: string, viewport?: { width: number; height: number }): Promise<TrackedPage>;
  close(): Promise<void>;
}

export interface TrackedPage {
  page: Page;
  /** console.error messages and uncaught errors seen so far. */
  errors: string[];
}

export async function startPlayground(): Promise<Playground> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} not found: the playground's browser tests need Debian's chromium (apt-get install -y chromium)`);
  }
  mkdirSync(ARTIFACTS, { recursive: true });
  const outDir = mkdtempSync(join(tmpdir(), 'edgeloop-playground-build-'));
  const profile = mkdtempSync(join(tmpdir(), 'edgeloop-playground-profile-'));
  let server: PreviewServer | null = null;
  let context: BrowserContext | null = null;
  const close = async (): Promise<void> => {
    await context?.close().catch(() => undefined);
    await server?.close().catch(() => undefined);
    rmSync(outDir, { recursive: true, force: true });
    rmSync(profile, { recursive: true, force: true });
  };
  try {
    await build({ configFile: CONFIG, logLevel: 'error', build: { outDir, emptyOutDir: true } });
    server = await preview({ configFile: CONFIG, logLevel: 'error', build: { outDir }, preview: { host: '127.0.0.1', port: 0, strictPort: false } });
    const url = server.resolvedUrls?.local[0];
    if (!url) throw new Error('vite preview did not report its URL');
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1280, height: 800 },
      acceptDownloads: true,
      timeout: 60_000,
    });
    const ctx = context;
    return {
      url,
      context: ctx,
      profile,
      async open(hash = '', viewport) {
        const page = await ctx.newPage();
        if (viewport) await page.setViewportSize(viewport);
        const errors: string[] = [];
        page.on('console', (m) => {
          if (m.type() === 'error') errors.push(`console: ${m.text()}`);
        });
        page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
        await page.goto(`${url}${hash}`);
        await ready(page);
        return { page, errors };
      },
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}

/** Waits until the page has finished a run or an import (body[data-state]). */
export async function ready(page: Page, timeout = 60_000): Promise<void> {
  await page.waitForFunction(() => document.body.dataset.state === 'ready' || document.body.dataset.state === 'error', null, { timeout });
}

/** Waits for the next run to finish: clears the state first, then runs `action`. */
export async function afterRun(page: Page, action: () => Promise<void>, timeout = 60_000): Promise<void> {
  await page.evaluate(() => {
    delete document.body.dataset.state;
  });
  await action();
  await ready(page, timeout);
}

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}

/** The same run the page makes (the same wasm module, in Node), with the page's per-step frames. */
export async function expectedRun(doc: unknown, knobs: Partial<ScenarioOptions> = {}): Promise<{ trace: string; frames: Frame[] }> {
  const frames: Frame[] = [{ step: 0, records: 0, action: -1, time: 0, ready: [], interest: [], conns: [] }];
  const r = await runScenario(doc, { options: knobs, onStep: (i) => frames.push(captureFrame(i.sim, i.step, i.records, i.action)) });
  return { trace: r.trace, frames };
}

/** The state up to every record of the same run, as the page shows it inside a step (runScenario's watch, frames.ts). */
export async function expectedStates(doc: unknown, knobs: Partial<ScenarioOptions> = {}): Promise<Frame[]> {
  const states: Frame[] = [];
  await runScenario(doc, { options: knobs, watch: { from: 0, to: Number.MAX_SAFE_INTEGER, onRecord: (i) => (states[i.record] = captureFrame(i.sim, i.step, i.record + 1, i.action)) } });
  return states;
}

/** The playground for this test file: built and started before its tests, closed after. */
export function usePlayground(): () => Playground {
  let pg: Playground | null = null;
  beforeAll(async () => {
    pg = await startPlayground();
  });
  afterAll(async () => {
    await pg?.close();
  });
  return () => {
    if (!pg) throw new Error('the playground is not started (usePlayground runs in beforeAll)');
    return pg;
  };
}

/** The event under the page's cursor (document.body.dataset.cursor). */
export async function cursor(page: Page): Promise<number> {
  return Number(await page.evaluate(() => document.body.dataset.cursor));
}

/** Picks a built-in scenario and waits for its run. */
export async function pickScenario(page: Page, name: string): Promise<void> {
  await afterRun(page, () => page.selectOption('#scenario', name).then(() => undefined));
}

/** No console error and no uncaught error on the page so far. */
export function noErrors(t: TrackedPage): void {
  expect(t.errors).toEqual([]);
}

/**
 * Memory of this browser's renderer processes (the page and its workers), in
 * MiB, from /proc: 'rss' is VmRSS, 'private' RssAnon + RssShmem (shared
 * library pages, counted in every process's RSS, left out, as Chrome's task
 * manager does). The browser is the process started with our profile as
 * --user-data-dir; its renderers are descendants with --type=renderer.
 */
export function rendererMemoryMiB(profile: string, kind: 'rss' | 'private'): number {
  const procs = new Map<number, { ppid: number; cmd: string }>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      procs.set(Number(d), { ppid, cmd: readFileSync(`/proc/${d}/cmdline`, 'utf8').replace(/\0/g, ' ') });
    } catch {
      // ended meanwhile
    }
  }
  const browser = [...procs].find(([, p]) => p.cmd.includes(`--user-data-dir=${profile}`) && !p.cmd.includes('--type='))?.[0];
  if (browser === undefined) return NaN;
  const ours = (pid: number): boolean => {
    for (let p = procs.get(pid); p; p = procs.get(p.ppid)) if (p.ppid === browser) return true;
    return false;
  };
  const field = (status: string, name: string): number => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
  let kib = 0;
  for (const [pid, p] of procs) {
    if (!p.cmd.includes('--type=renderer') || !ours(pid)) continue;
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      kib += kind === 'rss' ? field(status, 'VmRSS') : field(status, 'RssAnon') + field(status, 'RssShmem');
    } catch {
      // ended meanwhile
    }
  }
  return kib / 1024;
}

/** Presses `key` on the page and returns the ms until two frames have been painted. */
export async function keyToPaint(page: Page, key: string): Promise<number> {
  return page.evaluate(async (k) => {
    const start = performance.now();
    document.body.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true }));
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    return performance.now() - start;
  }, key);
}
