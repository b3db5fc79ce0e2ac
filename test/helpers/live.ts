// A live-view viewer for tests: a `ws` client that keeps every message it
// gets, in order, and waits for the one a test needs (bounded, never a sleep).
import { WebSocket } from 'ws';

import type { LiveMessage } from '../../src/index.js';

export interface Viewer {
  ws: WebSocket;
  messages: LiveMessage[];
  /** The close code and reason, once closed. */
  closed: { code: number; reason: string } | null;
  /** Resolves with the first message at or after `from` (an index into messages) that `pred` accepts. */
  next<T extends LiveMessage = LiveMessage>(pred: (m: LiveMessage) => boolean, what: string, from?: number, timeoutMs?: number): Promise<T>;
  /** Resolves once the socket closed. */
  whenClosed(timeoutMs?: number): Promise<{ code: number; reason: string }>;
}

/** Opens a viewer; resolves once the WebSocket is open. `origin`: the Origin header a browser would send. */
export function attach(url: string, options: { origin?: string } = {}): Promise<Viewer> {
  const ws = new WebSocket(url, options.origin ? { origin: options.origin } : {});
  const messages: LiveMessage[] = [];
  const waiters = new Set<() => void>();
  const wake = (): void => {
    for (const w of [...waiters]) w();
  };
  const viewer: Viewer = {
    ws,
    messages,
    closed: null,
    next<T extends LiveMessage>(pred: (m: LiveMessage) => boolean, what: string, from = 0, timeoutMs = 10_000): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        let i = from;
        const check = (): void => {
          for (; i < messages.length; i++) {
            if (pred(messages[i] as LiveMessage)) {
              done();
              resolve(messages[i] as T);
              return;
            }
          }
          if (viewer.closed) {
            done();
            reject(new Error(`the viewer closed (${viewer.closed.code} ${viewer.closed.reason}) before ${what}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no ${what} within ${timeoutMs} ms (${messages.length} messages: ${[...new Set(messages.map((m) => m.type))].join(', ')})`));
        }, timeoutMs);
        const done = (): void => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    whenClosed(timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        if (viewer.closed) return resolve(viewer.closed);
        const timer = setTimeout(() => reject(new Error(`the viewer did not close within ${timeoutMs} ms`)), timeoutMs);
        ws.once('close', (code, reason) => {
          clearTimeout(timer);
          resolve({ code, reason: reason.toString() });
        });
      });
    },
  };
  ws.on('message', (data) => {
    messages.push(JSON.parse(String(data)) as LiveMessage);
    wake();
  });
  ws.on('close', (code, reason) => {
    viewer.closed = { code, reason: reason.toString() };
    wake();
  });
  return new Promise((resolve, reject) => {
    ws.once('open', () => {
      ws.off('error', reject);
      ws.on('error', () => undefined);
      resolve(viewer);
    });
    ws.once('error', reject);
  });
}
