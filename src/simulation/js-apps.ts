// Apps written as JS handlers, for Explore: each is its handlers plus its
// *contract*, the bytes a peer must receive for the bytes it sent, which is
// what the bytes-intact invariant checks (a prefix while the run goes, all
// of it once the peer finished writing and the run settled). A document
// names a built-in one (`"app": { "js": "line-server" }`), so it stays data
// and replays anywhere; a user's own app is passed to explore() and
// runScenario() as an object (ExploreJsApp) and named "custom" in the
// documents it produces. The generator cuts the app's message stream at
// random places, so writes split messages and coalesce them: a handler that
// assumes one message per read breaks. Browser-safe.
import { fillerPattern } from '../kernel.js';
import type { SimConnection, SimulationHandlers } from '../types.js';

/** A JS app to explore: fresh handlers per run, and what a peer is owed. */
export interface ExploreJsApp {
  /** Handlers with their own state: called once per run (per seed). */
  handlers(): SimulationHandlers;
  /**
   * What a peer must have received once the server answered everything it
   * sent: a pure function of the bytes the peer sent on its connection.
   * While the run goes, what the peer received must be a prefix of it.
   */
  respond(sent: Uint8Array): Uint8Array;
  /**
   * The peer's i-th message (UTF-8 text): the stream the generator cuts
   * into writes. Default: `msg i\n`. Return '' for an app that takes no
   * input (a producer).
   */
  message?(i: number): string;
}

export type JsAppName = 'line-server' | 'producer';
export const JS_APP_NAMES: readonly JsAppName[] = Object.freeze(['line-server', 'producer']);
/** The name a document gives a user's own app (passed to runScenario() as `jsApp`). */
export const CUSTOM_JS_APP = 'custom' as const;

const NEWLINE = 0x0a;

/** Upper-cases ASCII letters (the line server's answer). */
function upper(line: Uint8Array): Uint8Array {
  const out = new Uint8Array(line.length);
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as number;
    out[i] = c >= 0x61 && c <= 0x7a ? c - 0x20 : c;
  }
  return out;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * A line-framed request/response server: each complete line is answered
 * with the line upper-cased. Bytes of an incomplete line wait for the rest,
 * however the stream was cut into reads.
 */
export const lineServer: ExploreJsApp = {
  handlers(): SimulationHandlers {
    const pending = new Map<number, Uint8Array>();
    return {
      onMessage(conn: SimConnection, data: Uint8Array): void {
        const buf = concat([pending.get(conn.id) ?? new Uint8Array(0), data]);
        let start = 0;
        const out: Uint8Array[] = [];
        for (let i = 0; i < buf.length; i++) {
          if (buf[i] !== NEWLINE) continue;
          out.push(upper(buf.subarray(start, i + 1)));
          start = i + 1;
        }
        pending.set(conn.id, buf.slice(start));
        if (out.length > 0) conn.send(concat(out));
      },
      onClose(conn: SimConnection): void {
        pending.delete(conn.id);
      },
    };
  },
  respond(sent: Uint8Array): Uint8Array {
    const end = sent.lastIndexOf(NEWLINE);
    return upper(sent.subarray(0, end + 1));
  },
  message: (i) => `get item ${i}${i % 3 === 0 ? ' with a longer tail to cross buffer sizes'.repeat(1 + (i % 5)) : ''}\n`,
};

/** How much the producer sends per connection, and per send. */
export const PRODUCER_TOTAL = 256 * 1024;
export const PRODUCER_CHUNK = 16 * 1024;

/** The counting pattern's bytes at stream offsets [from, from + n): a view of the shared pattern (send() copies it). */
function pattern(from: number, n: number): Uint8Array {
  const phase = from & 0xff;
  return fillerPattern(phase + n).subarray(phase, phase + n);
}

/**
 * A producer: streams PRODUCER_TOTAL bytes of the counting pattern, sending
 * while send() says the output went out and going on from onWriteComplete
 * once it is queued (flow control by write completion), then shuts down.
 */
export const producer: ExploreJsApp = {
  handlers(): SimulationHandlers {
    const sent = new Map<number, number>();
    const pump = (conn: SimConnection): void => {
      let at = sent.get(conn.id) ?? 0;
      while (at < PRODUCER_TOTAL && !conn.closed) {
        const n = Math.min(PRODUCER_CHUNK, PRODUCER_TOTAL - at);
        const drained = conn.send(pattern(at, n));
        at += n;
        sent.set(conn.id, at);
        if (!drained) return; // the rest from onWriteComplete
      }
      if (at >= PRODUCER_TOTAL && !conn.closed) conn.shutdown();
    };
    return {
      onConnection: pump,
      onWriteComplete: pump,
      onClose(conn: SimConnection): void {
        sent.delete(conn.id);
      },
    };
  },
  respond: () => pattern(0, PRODUCER_TOTAL),
  message: () => '',
};

export const JS_APPS: Readonly<Record<JsAppName, ExploreJsApp>> = Object.freeze({ 'line-server': lineServer, producer });

/** The default message stream: `msg 0\n`, `msg 1\n`, ... */
export function messageOf(app: ExploreJsApp, i: number): string {
  return app.message ? app.message(i) : `msg ${i}\n`;
}

/** The first `bytes` bytes of an app's message stream, as text (messages are cut anywhere). */
export function messageStream(app: ExploreJsApp, bytes: number): string {
  let out = '';
  for (let i = 0; out.length < bytes; i++) {
    const m = messageOf(app, i);
    if (m === '') return out;
    out += m;
  }
  return out.slice(0, bytes);
}
