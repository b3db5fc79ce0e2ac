// Runs the real `edgeloop` command: src/cli.ts compiled by tsc (with what it
// imports) into a temporary directory, started with node as a child process.
// The child finds the addon through EDGELOOP_ADDON (this checkout's, or the
// one the run was given), so it does not matter where the JS lands.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll } from 'vitest';

import { addonPath } from '../../src/backends/native.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Compiles the CLI once for the calling test file (beforeAll); returns a
 * getter for its path. `packageJson`: lay it out as in the package, with
 * edgeloop's package.json above the JS (what --version reads).
 */
export function useCli(options: { packageJson?: boolean } = {}): () => string {
  let dir = '';
  beforeAll(async () => {
    // Inside the checkout's node_modules, so the compiled CLI resolves its
    // npm dependencies (fast-check) the way the installed package does.
    dir = mkdtempSync(join(root, 'node_modules', '.edgeloop-cli-'));
    if (options.packageJson) copyFileSync(join(root, 'package.json'), join(dir, 'package.json'));
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    // The project's settings, on the CLI's entry only (the test files are not its business).
    await promisify(execFile)(
      process.execPath,
      [tsc, '--outDir', dir, '--rootDir', root, '--module', 'nodenext', '--moduleResolution', 'nodenext',
        '--target', 'es2022', '--strict', '--skipLibCheck', '--types', 'node', '--allowJs', join(root, 'src', 'cli.ts'),
        // Loaded by URL (a worker thread), so not in cli.ts's import graph.
        join(root, 'src', 'cli', 'explore-worker.ts')],
      { cwd: root },
    );
  }, 60_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  return () => join(dir, 'src', 'cli.js');
}

const env = (): NodeJS.ProcessEnv => ({ ...process.env, EDGELOOP_ADDON: addonPath() });

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI to completion (killed after `timeoutMs`). */
export function runCli(cli: string, args: string[], timeoutMs = 10_000): Promise<Finished> {
  return finished(start(cli, args), timeoutMs);
}

export function start(cli: string, args: string[]): ChildProcess {
  return spawn(process.execPath, [cli, ...args], { env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
}

/** start(), run under a wrapper command (['prlimit', '--nofile=64:64']). */
export function startUnder(wrapper: string[], cli: string, args: string[]): ChildProcess {
  return spawn(wrapper[0] as string, [...wrapper.slice(1), process.execPath, cli, ...args], { env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
}

export function finished(child: ChildProcess, timeoutMs = 10_000): Promise<Finished> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => (stdout += d));
  child.stderr?.on('data', (d) => (stderr += d));
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Waits for a stdout line matching `re` (rejects if the child exits or `timeoutMs` passes). */
export function waitForLine(child: ChildProcess, re: RegExp, timeoutMs = 10_000, stream: 'stdout' | 'stderr' = 'stdout'): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const out = stream === 'stdout' ? child.stdout : child.stderr;
    const timer = setTimeout(() => done(new Error(`no line matching ${re} within ${timeoutMs} ms; ${stream}: ${seen}`)), timeoutMs);
    const onData = (d: Buffer) => {
      seen += d;
      const m = re.exec(seen);
      if (m) done(null, m);
    };
    const onExit = (code: number | null) => done(new Error(`exited (${code}) before a line matching ${re}; ${stream}: ${seen}`));
    const done = (err: Error | null, m?: RegExpExecArray) => {
      clearTimeout(timer);
      out?.off('data', onData);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve(m as RegExpExecArray);
    };
    out?.on('data', onData);
    child.on('exit', onExit);
  });
}
