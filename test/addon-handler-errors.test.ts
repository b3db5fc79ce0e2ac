// What a JS event handler throws on the real server, when nothing in JS
// catches it (the raw addon, below the TypeScript layer that turns handler
// errors into 'handler-error' closes), reaches Node as an uncaught exception
// with its own message, as any event-loop callback's error does. It used to
// be reported outside any HandleScope: V8's fatal "Cannot create a handle
// without a HandleScope" and an abort, the handler's message lost.
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { addonPath } from '../src/backends/native.js';
import { hostConfigJson } from '../src/reactor-options.js';
import { resolveServerOptions } from '../src/server/options.js';

describe('a handler exception on the real server (raw addon)', () => {
  it('is an uncaught exception carrying the handler error, not a V8 fatal error', async () => {
    const doc = hostConfigJson({ ...resolveServerOptions({ port: 0, handlers: { onMessage() {} } }).doc, trace: false, threads: 0 });
    const script = fileURLToPath(new URL('./fixtures/raw-throwing-server.mjs', import.meta.url));
    const child = spawn(process.execPath, [script, addonPath(), doc], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        const m = /READY (\d+)/.exec(stdout);
        if (m) resolve(Number(m[1]));
      });
      void exited.then(() => reject(new Error(`exited before READY: ${stderr}`)));
    });
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => {});
    socket.write('hello');
    const { code, signal } = await exited;
    socket.destroy();
    expect(stderr).not.toContain('FATAL ERROR');
    expect(signal).toBeNull();
    expect(code).toBe(1);
    expect(stderr).toContain('boom from the handler');
  }, 20_000);
});
