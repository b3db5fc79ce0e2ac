// Each reactor record names the C++ that made the call (issue 14: the
// playground shows that function with the line marked): for every built-in
// scenario, every reactor record has a site, the site's file is one the page
// bundles (native/reactor), its line exists and makes that very kernel call,
// and the function named is the one the line is in. Native and wasm agree.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { builtinScenario, listBuiltinScenarios, openKernel, parseCallSite, runScenario, spellCallSites } from '../src/index.js';
import { checkRecord } from '../playground/src/trace-model.js';
import { functionExtent } from '../playground/src/source-extent.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const files = new Map<string, string[]>();
function linesOf(file: string): string[] {
  let lines = files.get(file);
  if (!lines) {
    lines = readFileSync(`${REPO}${file}`, 'utf8').split('\n');
    files.set(file, lines);
  }
  return lines;
}

/** The Kernel method (reactor/syscalls.h) behind each traced call. */
const METHOD: Record<string, string> = {
  socket: 'Socket',
  bind: 'Bind',
  listen: 'Listen',
  accept: 'Accept',
  getsockname: 'GetSockName',
  read: 'Read',
  write: 'Write',
  shutdown: 'Shutdown',
  close: 'Close',
  eventfd: 'EventFd',
  setsockopt: 'SetSockOpt',
  getsockopt: 'GetSockOpt',
  epollCreate: 'EpollCreate',
  epollCtl: 'EpollCtl',
  epollWait: 'EpollWait',
};
const CHANNEL_UPDATE = /\b(EnableRead|DisableRead|EnableWrite|DisableWrite|Remove)\(/;

/** The definition that opens the function around `line` names `fn` (a lambda, `Class::operator()`, is in one of its class's functions). */
function expectDefinedIn(lines: string[], line: number, fn: string, where: string): void {
  const definition = lines[functionExtent(lines, line).first - 1];
  const lambda = /^(\w+)::operator\(\)$/.exec(fn);
  if (lambda) expect(definition, where).toMatch(new RegExp(`\\b${lambda[1]}::\\w+\\(`));
  else expect(definition, where).toContain(`${fn}(`);
}

describe('reactor records name their C++', () => {
  for (const { name } of listBuiltinScenarios()) {
    it(`${name}: every reactor record names the function and line that made the call, the same on native and wasm`, async () => {
      const doc = builtinScenario(name);
      const native = await runScenario(doc, { engine: 'native' });
      const wasm = await runScenario(doc, { engine: 'wasm' });
      expect(wasm.trace).toBe(native.trace);
      const spelled = spellCallSites(native.records);
      const reactor = spelled.filter((r) => r.actor === 'reactor');
      expect(reactor.length).toBeGreaterThan(10);
      for (const r of reactor) {
        const where = `#${r.seq} ${r.call}: ${r.site}`;
        const site = parseCallSite(r.site ?? '');
        expect(site, where).not.toBeNull();
        const { fn, file, line } = site!;
        // Repo-relative, in the reactor the page bundles (never a build's absolute path).
        expect(file, where).toMatch(/^native\/reactor\/[a-z0-9_/]+\.(cc|h)$/);
        const lines = linesOf(file);
        expect(line, where).toBeGreaterThanOrEqual(1);
        expect(line, where).toBeLessThanOrEqual(lines.length);
        expect(lines[line - 1], where).toContain(`.${METHOD[r.call]}(`);
        // The function named is the one the line is in: its definition opens the extent the page shows.
        expectDefinedIn(lines, line, fn, where);
        if (r.origin !== undefined) {
          const o = parseCallSite(r.origin);
          expect(r.call, where).toBe('epollCtl');
          expect(o, where).not.toBeNull();
          expect(linesOf(o!.file)[o!.line - 1], `${where} <- ${r.origin}`).toMatch(CHANNEL_UPDATE);
          expectDefinedIn(linesOf(o!.file), o!.line, o!.fn, `${where} <- ${r.origin}`);
        }
      }
      // The page takes the records as they are (a site by number too).
      for (const r of native.records) expect(checkRecord(r, r.seq - 1), `#${r.seq}`).toBeNull();
      // Each site is text once, in its first record, and a number after.
      const texts = new Set(reactor.flatMap((r) => [r.site, r.origin]).filter((s) => s !== undefined));
      const spelledOut = native.records.flatMap((r) => [r.site, r.origin]).filter((s) => typeof s === 'string');
      expect(spelledOut.length).toBe(texts.size);
      expect(new Set(spelledOut)).toEqual(texts);
      // The peers' and the app's records name no reactor C++.
      for (const r of native.records) if (!r.actor.startsWith('reactor')) expect(r.site, `#${r.seq}`).toBeUndefined();
    });
  }

  it('the tutorial variants name their own classes: day 26 Send and WriteNonBlocking, day 25 Send, the tutorial read loop', async () => {
    const names = new Set<string>();
    for (const variant of ['day26-as-written', 'day25-write-all'] as const) {
      const r = await runScenario(builtinScenario('large-response-slow-reader'), { options: { variant } });
      for (const x of spellCallSites(r.records)) if (x.site) names.add(parseCallSite(x.site)!.fn);
    }
    const echo = await runScenario(builtinScenario('epollout-left-on'));
    for (const x of spellCallSites(echo.records)) if (x.site) names.add(parseCallSite(x.site)!.fn);
    for (const fn of ['Day26Connection::Send', 'Day26Connection::WriteNonBlocking', 'Day25Connection::Send', 'TutorialConnection::HandleRead', 'Acceptor::HandleRead', 'Epoll::Poll']) {
      expect(names, fn).toContain(fn);
    }
  });

  it('a native record spells a site out once per actor and numbers it after; the trace renumbers them as its own', async () => {
    const k = await openKernel({ backend: 'sim', engine: 'native', seed: 1 });
    try {
      const send = 'TcpConnection::Send native/reactor/tcp_connection.cc:73';
      const poll = 'Epoll::Poll native/reactor/epoll.cc:47';
      k.ingestTrace([
        { t: 0, actor: 'reactor', call: 'eventfd', args: {}, ret: 3, site: send },
        { t: 0, actor: 'reactor', call: 'eventfd', args: {}, ret: 4, site: poll },
        { t: 0, actor: 'reactor', call: 'close', fd: 3, args: {}, ret: 0, site: 1 },
        { t: 0, actor: 'reactor', call: 'close', fd: 4, args: {}, ret: 0, site: 0, origin: 1 },
        // Another actor's numbers are its own; a number never spelled out gives no site.
        { t: 0, actor: 'reactor-1', call: 'eventfd', args: {}, ret: 3, site: 0 },
      ]);
      // The trace's own numbers: text at the first record, the number after.
      expect(k.trace.records.map((r) => [r.site, r.origin])).toEqual([
        [send, undefined],
        [poll, undefined],
        [1, undefined],
        [0, 1],
        [undefined, undefined],
      ]);
      expect(spellCallSites(k.trace.records).map((r) => [r.site, r.origin])).toEqual([
        [send, undefined],
        [poll, undefined],
        [poll, undefined],
        [send, poll],
        [undefined, undefined],
      ]);
      // The keys come last in a JSON Lines record.
      const line = k.traceJsonl().split('\n')[4] as string;
      expect(line.endsWith('"site":0,"origin":1}')).toBe(true);
      expect(() => k.ingestTrace([{ t: 0, actor: 'reactor', call: 'close', args: {}, site: -1 }])).toThrow(/site/);
    } finally {
      k.dispose();
    }
  });

  it('the page refuses a record whose site is not a call site', () => {
    const base = { seq: 1, t: 0, actor: 'reactor', call: 'close', fd: 3, name: 's1', args: {}, ret: 0 };
    expect(checkRecord({ ...base, site: 'TcpConnection::HandleClose native/reactor/tcp_connection.cc:388' }, 0)).toBeNull();
    expect(checkRecord({ ...base, site: 3 }, 0)).toBeNull();
    expect(checkRecord({ ...base, site: -1 }, 0)).toMatch(/"site" must be a call site/);
    expect(checkRecord({ ...base, origin: 'somewhere' }, 0)).toMatch(/"origin" must be a call site/);
  });
});
