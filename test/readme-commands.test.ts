// The README's commands and examples work verbatim in this checkout (after
// its set-up command): every TypeScript block compiles in strict mode
// against the package as a user imports it ('edgeloop', 'edgeloop/browser':
// the package's own exports) and runs; every `npx edgeloop ...` line runs
// with the exit status its comment promises (a server runs until it says it
// serves, then SIGTERM: exit 0). The commands are read from README.md, so a
// changed line is tested as written. What a test cannot do verbatim is
// named and skipped: `npm install/start/test` (CI runs them) and the
// million-seed campaign (it starts and reports progress, then is stopped).
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const bin = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { bin: { edgeloop: string } }).bin.edgeloop;

function blocks(lang: string): string[] {
  const out: string[] = [];
  const re = new RegExp('^```' + lang + '\\n([\\s\\S]*?)^```', 'gm');
  for (let m = re.exec(readme); m; m = re.exec(readme)) out.push(m[1] as string);
  return out;
}

// What the README's snippets leave to the reader: vitest's expect (a
// two-method stand-in), and the explore snippet's own handlers (the built-in
// line server's, which keep their contract).
const PRELUDE = `import assert from 'node:assert';
import { JS_APPS as README_JS_APPS } from 'edgeloop';
const expect = (value: unknown) => ({ toEqual: (want: unknown) => assert.deepStrictEqual(value, want) });
const lineServer = README_JS_APPS['line-server'];
const makeMyHandlers = () => lineServer.handlers();
const respond = (sent: Uint8Array) => lineServer.respond(sent);
const message = (i: number) => (lineServer.message ? lineServer.message(i) : \`msg \${i}\\n\`);
void expect; void makeMyHandlers; void respond; void message;
`;

// Inside the checkout and outside node_modules, so Node and tsc resolve
// 'edgeloop' to this package through its own exports (self-reference), as a
// user's project resolves the installed one. The commands run here too (what
// they write, like serve's --trace file, goes with it).
const dir = mkdtempSync(join(root, '.readme-check-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the README, verbatim', () => {
  const snippets = blocks('ts');

  it('has TypeScript examples and commands to test', () => {
    expect(snippets.length).toBeGreaterThanOrEqual(5);
  });

  it('every TypeScript block compiles in strict mode, without casts, and runs', async () => {
    const files = snippets.map((code, i) => {
      // The snippet's own imports first (ES modules), then the prelude's names.
      const imports = code.split('\n').filter((l) => l.startsWith('import '));
      const body = code.split('\n').filter((l) => !l.startsWith('import '));
      const file = join(dir, `snippet-${i}.mts`);
      writeFileSync(file, `${imports.join('\n')}\n${PRELUDE}\n${body.join('\n')}\nexport {};\n`);
      return file;
    });
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    await promisify(execFile)(
      process.execPath,
      [tsc, '--strict', '--noEmitOnError', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--skipLibCheck', '--types', 'node', '--outDir', dir, '--rootDir', dir, ...files],
      { cwd: root },
    ).catch((e: { stdout?: string }) => {
      throw new Error(`a README TypeScript block does not compile:\n${e.stdout ?? String(e)}`);
    });
    for (const [i, file] of files.entries()) {
      const js = file.replace(/\.mts$/, '.mjs');
      const r = await promisify(execFile)(process.execPath, [js], { cwd: root, timeout: 60_000 }).catch((e: { stderr?: string }) => {
        throw new Error(`README TypeScript block ${i} fails when run:\n${snippets[i]}\n${e.stderr ?? String(e)}`);
      });
      expect(typeof r.stdout).toBe('string');
    }
  }, 180_000);

  const commands = blocks('sh')
    .flatMap((b) => b.split('\n'))
    .map((l) => l.trim())
    .filter((l) => l.startsWith('npx edgeloop '));

  it('names every npx command it runs', () => {
    expect(commands.length).toBeGreaterThanOrEqual(10);
  });

  for (const line of commands) {
    const [command = '', comment = ''] = line.split(/\s+#\s*/, 2);
    const argv = command.replace(/\s*&$/, '').split(/\s+/).slice(1); // after 'npx'
    const serves = argv[1] === 'serve' && !argv.includes('--help');
    const campaign = argv[1] === 'explore' && argv.includes('0..1000000');
    const exit = Number(/\(exit (\d)/.exec(comment)?.[1] ?? 0);
    it(`${command}`, async () => {
      // A long-running one through the bin npx runs (package.json "bin"):
      // npx dies of the signal itself instead of passing it on, and would
      // leave the server holding its port.
      const child = serves || campaign
        ? spawn(process.execPath, [join(root, bin), ...argv.slice(1)], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
        : spawn('npx', argv, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => void (out += d));
      child.stderr.on('data', (d: Buffer) => void (err += d));
      const done = new Promise<number | string | null>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
      if (serves || campaign) {
        // Long-running by design: until it says it runs, then SIGTERM (a campaign: SIGINT).
        const ready = serves ? /edgeloop: serving/ : /seeds\/s/;
        const deadline = Date.now() + 30_000;
        while (!ready.test(err + out) && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
        expect(err + out, 'it started').toMatch(ready);
        child.kill(serves ? 'SIGTERM' : 'SIGINT');
        const code = await done;
        // serve closes gracefully (exit 0); a campaign stopped by Ctrl-C
        // reports, then ends by the signal itself (a shell says 130).
        expect(code, err).toBe(serves ? 0 : 'SIGINT');
        return;
      }
      const code = await done;
      expect(code, `${err}\n${out.slice(-2000)}`).toBe(exit);
    }, 120_000);
  }
});
