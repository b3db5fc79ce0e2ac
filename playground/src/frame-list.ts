// A run's frames (the state after each reactor step, frames.ts) as the page
// holds them. A 1,000,000-event echo run has 6,075 steps of 40 connections:
// as objects that was 243,000 connection records to clone out of the run
// worker (3.4 s of the page's 15 s) and to keep. Here each frame is one JSON
// text (kept as UTF-8 bytes), parsed when the page shows that frame, beside the columns the views
// read for every frame at once (where each frame starts, the plot's sums,
// each connection's peak send_buf_). The worker builds it (FrameStoreBuilder)
// and transfers the columns without a copy.
//
// The text names no key: an object is written as [its shape, its values...]
// and an array as [0, its items...], the shapes (key lists) kept once per
// run. 22 KB a frame as plain JSON, 8 KB so (136 MB -> 50 MB for that run,
// in the worker and again in the page).
import { lastFrameAtOrBefore, type Frame } from './frames.js';

/** What crosses from the run worker to the page: plain data, the typed arrays transferable. */
export interface FrameStore {
  /**
   * Texts in UTF-8: text t is bytes [start[t], end[t]) of chunks[chunk[t]].
   * A frame is its own text (its JSON, objects as [shape index + 1,
   * values...] and arrays as [0, items...], with no connections) and its
   * connections' texts, refs[connFrom[k] .. connFrom[k + 1]): a connection
   * that did not change since the frame before is the same text, kept once
   * (most of a busy run's 40 connections are idle in any one step). Bytes,
   * not strings: they cross from the worker transferred (a million-event
   * run's 68 MB of strings took a structured clone, and for a moment sat in
   * the page twice), and in the page they sit outside the JS heap, decoded
   * only for a frame shown.
   */
  chunks: Uint8Array[];
  chunk: Uint32Array;
  start: Uint32Array;
  end: Uint32Array;
  /** Frame k's own text (its interest list apart: interestText[k], the same text while the list does not change). */
  frameText: Uint32Array;
  interestText: Uint32Array;
  /** Frame k's connections are the texts refs[connFrom[k]] .. refs[connFrom[k + 1] - 1] (length frames + 1). */
  connFrom: Uint32Array;
  refs: Uint32Array;
  /** Each shape's keys, in order. */
  shapes: string[][];
  /** Frame k's reactor step and its trace position (Frame.records). */
  step: Float64Array;
  records: Float64Array;
  /** Per frame, summed over its connections: send_buf_, the kernel's send queue, the peers' receive queues. */
  sendBuf: Float64Array;
  kernel: Float64Array;
  peer: Float64Array;
  /** Some connection is AF_UNIX (its kernel accounting says so). */
  unix: boolean;
  /** [connection id, its largest send_buf_ in any frame]. */
  peakSendBuf: Array<[number, number]>;
  /** Each TCP connection's send sequence over the frames it is in (the sequence graph). */
  tcpSeq: TcpSeqSeries[];
}

/**
 * One TCP connection's send sequence, frame by frame: in frame frames[j]
 * its write_seq, snd_nxt, snd_una and window edge were base plus
 * seq[4j .. 4j + 3] (base: snd_una the first time it was seen).
 */
export interface TcpSeqSeries {
  id: number;
  /** The connection's trace name then ('s3'), or null. */
  name: string | null;
  peer: string | null;
  base: number;
  frames: Uint32Array;
  seq: Float64Array;
}

/** The typed arrays of a store, for postMessage's transfer list. */
export function transferablesOf(s: FrameStore): ArrayBuffer[] {
  return [...s.chunks, s.chunk, s.start, s.end, s.frameText, s.interestText, s.connFrom, s.refs, s.step, s.records, s.sendBuf, s.kernel, s.peer, ...s.tcpSeq.flatMap((t) => [t.frames, t.seq])].map((a) => a.buffer as ArrayBuffer);
}

/**
 * The shapes (key lists) met so far. A shape is found by its key count and
 * then key by key: property names are internalised strings, so comparing
 * them is cheap, where joining them into one signature per object was a
 * third of the encoding's time.
 */
class Shapes {
  readonly lists: string[][] = [];
  private readonly byLength = new Map<number, number[]>();

  /** The 1-based number of this key list's shape. */
  idOf(keys: string[]): number {
    let candidates = this.byLength.get(keys.length);
    if (candidates) {
      next: for (const c of candidates) {
        const list = this.lists[c] as string[];
        for (let i = 0; i < keys.length; i++) if (list[i] !== keys[i]) continue next;
        return c + 1;
      }
    } else {
      candidates = [];
      this.byLength.set(keys.length, candidates);
    }
    this.lists.push(keys);
    candidates.push(this.lists.length - 1);
    return this.lists.length;
  }
}

/** The shaped form of a frame's value (see the head of this file); JSON.stringify makes it one flat string. */
function encode(v: unknown, shapes: Shapes): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    const out: unknown[] = [0];
    for (const x of v) out.push(encode(x, shapes));
    return out;
  }
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  const out: unknown[] = [shapes.idOf(keys)];
  for (const k of keys) out.push(encode(o[k], shapes));
  return out;
}

function decode(v: unknown, keyLists: readonly string[][]): unknown {
  if (v === null || typeof v !== 'object') return v;
  const a = v as unknown[];
  if (a[0] === 0) {
    const out = new Array<unknown>(a.length - 1);
    for (let i = 1; i < a.length; i++) out[i - 1] = decode(a[i], keyLists);
    return out;
  }
  const keys = keyLists[(a[0] as number) - 1] as string[];
  const o: Record<string, unknown> = {};
  for (let i = 0; i < keys.length; i++) o[keys[i] as string] = decode(a[i + 1], keyLists);
  return o;
}

/** Bytes per chunk of frame text (a frame larger than this gets a chunk of its own). */
const CHUNK_BYTES = 4 * 1024 * 1024;
const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

export class FrameStoreBuilder {
  private readonly chunks: Uint8Array[] = [];
  /** Bytes used of the last chunk. */
  private used = 0;
  private readonly where = { chunk: [] as number[], start: [] as number[], end: [] as number[] };
  private readonly frameText: number[] = [];
  private readonly interestText: number[] = [];
  private lastInterest: { text: string; ref: number } | null = null;
  private readonly connFrom: number[] = [0];
  private readonly refs: number[] = [];
  /** Each connection's last text and its number: an unchanged one is not kept again. */
  private readonly lastConn = new Map<number, { text: string; ref: number }>();
  private readonly shapes = new Shapes();
  private readonly cols = { step: [] as number[], records: [] as number[], sendBuf: [] as number[], kernel: [] as number[], peer: [] as number[] };
  private unix = false;
  private readonly peak = new Map<number, number>();
  private readonly seqs = new Map<number, { name: string | null; peer: string | null; base: number; frames: number[]; seq: number[] }>();

  get length(): number {
    return this.frameText.length;
  }

  /** Appends a text to the chunks, as UTF-8; its number. */
  private keep(text: string): number {
    let last = this.chunks[this.chunks.length - 1];
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    if (!last || last.length - this.used < text.length * 3) {
      // The chunk before is cut to what it holds.
      if (last) this.chunks[this.chunks.length - 1] = last.slice(0, this.used);
      last = new Uint8Array(Math.max(CHUNK_BYTES, text.length * 3));
      this.chunks.push(last);
      this.used = 0;
    }
    const { written } = utf8.encodeInto(text, last.subarray(this.used));
    this.where.chunk.push(this.chunks.length - 1);
    this.where.start.push(this.used);
    this.where.end.push(this.used + written);
    this.used += written;
    return this.where.chunk.length - 1;
  }

  push(f: Frame): void {
    this.frameText.push(this.keep(JSON.stringify(encode({ ...f, interest: [], conns: [] }, this.shapes))));
    const interest = JSON.stringify(encode(f.interest, this.shapes));
    if (this.lastInterest?.text !== interest) this.lastInterest = { text: interest, ref: this.keep(interest) };
    this.interestText.push(this.lastInterest.ref);
    for (const c of f.conns) {
      const text = JSON.stringify(encode(c, this.shapes));
      const last = this.lastConn.get(c.id);
      if (last && last.text === text) {
        this.refs.push(last.ref);
        continue;
      }
      const ref = this.keep(text);
      this.lastConn.set(c.id, { text, ref });
      this.refs.push(ref);
    }
    this.connFrom.push(this.refs.length);
    let sendBuf = 0;
    let kernel = 0;
    let peer = 0;
    for (const c of f.conns) {
      sendBuf += c.sendBuf;
      kernel += c.kernelSendQueue;
      peer += c.peerReceiveQueue ?? 0;
      if (c.kernel?.family === 'unix') this.unix = true;
      this.peak.set(c.id, Math.max(this.peak.get(c.id) ?? 0, c.sendBuf));
      const tcp = c.kernel?.tcp;
      if (tcp) {
        let s = this.seqs.get(c.id);
        if (!s) {
          s = { name: c.name, peer: c.peer, base: tcp.seq.una, frames: [], seq: [] };
          this.seqs.set(c.id, s);
        }
        s.frames.push(this.length - 1);
        s.seq.push(tcp.seq.write - s.base, tcp.seq.nxt - s.base, tcp.seq.una - s.base, tcp.seq.wndEdge - s.base);
      }
    }
    this.cols.step.push(f.step);
    this.cols.records.push(f.records);
    this.cols.sendBuf.push(sendBuf);
    this.cols.kernel.push(kernel);
    this.cols.peer.push(peer);
  }

  finish(): FrameStore {
    const c = this.cols;
    const n = this.chunks.length;
    if (n > 0) this.chunks[n - 1] = (this.chunks[n - 1] as Uint8Array).slice(0, this.used);
    return {
      chunks: this.chunks,
      chunk: Uint32Array.from(this.where.chunk),
      start: Uint32Array.from(this.where.start),
      end: Uint32Array.from(this.where.end),
      frameText: Uint32Array.from(this.frameText),
      interestText: Uint32Array.from(this.interestText),
      connFrom: Uint32Array.from(this.connFrom),
      refs: Uint32Array.from(this.refs),
      shapes: this.shapes.lists,
      step: Float64Array.from(c.step),
      records: Float64Array.from(c.records),
      sendBuf: Float64Array.from(c.sendBuf),
      kernel: Float64Array.from(c.kernel),
      peer: Float64Array.from(c.peer),
      unix: this.unix,
      peakSendBuf: [...this.peak],
      tcpSeq: [...this.seqs].map(([id, s]) => ({ id, name: s.name, peer: s.peer, base: s.base, frames: Uint32Array.from(s.frames), seq: Float64Array.from(s.seq) })),
    };
  }
}

/** Frames made anywhere else (a live server's window, a test) as a store. */
export function frameStoreOf(frames: readonly Frame[]): FrameStore {
  const b = new FrameStoreBuilder();
  for (const f of frames) b.push(f);
  return b.finish();
}

/** Frames parsed when asked for; the last few kept (the page moves back and forth around one). */
export class FrameList {
  private readonly cache = new Map<number, Frame>();
  readonly peakSendBuf: ReadonlyMap<number, number>;

  constructor(private readonly store: FrameStore) {
    this.peakSendBuf = new Map(store.peakSendBuf);
  }

  static of(frames: readonly Frame[]): FrameList {
    return new FrameList(frameStoreOf(frames));
  }

  get length(): number {
    return this.store.frameText.length;
  }

  /** Text t of the store, parsed and unshaped. */
  private parse(t: number): unknown {
    const { chunks, chunk, start, end } = this.store;
    const text = fromUtf8.decode((chunks[chunk[t] as number] as Uint8Array).subarray(start[t], end[t]));
    return decode(JSON.parse(text), this.store.shapes);
  }

  get unix(): boolean {
    return this.store.unix;
  }

  /** Per-frame sums over the connections (the plot's buffered lines). */
  get sums(): { sendBuf: Float64Array; kernel: Float64Array; peer: Float64Array } {
    return { sendBuf: this.store.sendBuf, kernel: this.store.kernel, peer: this.store.peer };
  }

  /** Each TCP connection's send sequence over the run. */
  get tcpSeq(): readonly TcpSeqSeries[] {
    return this.store.tcpSeq;
  }

  /** Frame k's Frame.records (trace position) and reactor step, without parsing it. */
  recordsAt(k: number): number {
    return this.store.records[k] as number;
  }

  stepAt(k: number): number {
    return this.store.step[k] as number;
  }

  get(k: number): Frame | undefined {
    if (!Number.isInteger(k) || k < 0 || k >= this.length) return undefined;
    let f = this.cache.get(k);
    if (!f) {
      const { frameText, interestText, connFrom, refs } = this.store;
      f = this.parse(frameText[k] as number) as Frame;
      f.interest = this.parse(interestText[k] as number) as Frame['interest'];
      for (let j = connFrom[k] as number; j < (connFrom[k + 1] as number); j++) f.conns.push(this.parse(refs[j] as number) as Frame['conns'][number]);
      if (this.cache.size >= 16) this.cache.delete(this.cache.keys().next().value as number);
      this.cache.set(k, f);
    }
    return f;
  }

  /** Index of the frame that describes the state after record `i`: the last with records <= i + 1. */
  frameAt(i: number): number {
    const rec = this.store.records;
    return Math.max(0, lastFrameAtOrBefore(rec.length, (k) => rec[k] as number, i));
  }
}
