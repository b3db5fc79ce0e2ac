// Links that reproduce a playground state: scenario (a built-in's name, or
// the whole document when it was edited), knobs, seed, cursor, compare
// variant. JSON, deflate-raw compressed (CompressionStream), base64url, in
// the URL hash: `#s=...`. Decoding is bounded (the compressed text and what
// it inflates to) and validates every field; a bad link is a LinkError
// naming the problem. Nothing in a link is ever executed.
import { validateScenario, validateScenarioOptions, VARIANTS, type ScenarioDocument, type ScenarioOptions, type VariantName } from '../../src/browser.js';

export const LINK_VERSION = 1;
const MAX_HASH_CHARS = 200_000;
const MAX_JSON_CHARS = 4 * 1024 * 1024;

export interface LinkState {
  /** A built-in scenario's name, or null when `doc` is given. */
  scenario: string | null;
  doc: ScenarioDocument | null;
  knobs: Partial<ScenarioOptions>;
  /** Event index of the cursor. */
  cursor: number;
  /** The second variant of compare mode, or null. */
  compare: VariantName | null;
}

export class LinkError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LinkError';
  }
}

function toBase64Url(data: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < data.length; i += 0x8000) bin += String.fromCharCode(...data.subarray(i, i + 0x8000));
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new LinkError('the link’s data is not base64url text (it was cut or altered)');
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4);
  let bin: string;
  try {
    bin = atob(b64);
  } catch {
    throw new LinkError('the link’s data is not base64url text (it was cut or altered)');
  }
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

async function pipe(data: Uint8Array, stream: CompressionStream | DecompressionStream, max: number): Promise<Uint8Array> {
  const writer = stream.writable.getWriter();
  const write = writer.write(data as Uint8Array<ArrayBuffer>).then(() => writer.close());
  write.catch(() => undefined);
  const reader = stream.readable.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > max) {
      await reader.cancel().catch(() => undefined);
      throw new LinkError(`the link’s data inflates to more than ${max} bytes`);
    }
    chunks.push(value);
  }
  await write;
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}

export async function encodeLink(state: LinkState): Promise<string> {
  const body: Record<string, unknown> = { v: LINK_VERSION };
  if (state.doc) body.doc = state.doc;
  else body.s = state.scenario;
  if (Object.keys(state.knobs).length > 0) body.k = state.knobs;
  if (state.cursor > 0) body.c = state.cursor;
  if (state.compare) body.cmp = state.compare;
  const json = new TextEncoder().encode(JSON.stringify(body));
  const packed = await pipe(json, new CompressionStream('deflate-raw'), MAX_JSON_CHARS * 2);
  return `s=${toBase64Url(packed)}`;
}

/** The state a link's hash (with or without '#') describes. Throws LinkError. */
export async function decodeLink(hash: string, builtinNames: readonly string[]): Promise<LinkState> {
  const h = hash.startsWith('#') ? hash.slice(1) : hash;
  if (!h.startsWith('s=')) throw new LinkError('the link has no playground state (it should end in #s=…)');
  const data = h.slice(2);
  if (data.length === 0) throw new LinkError('the link’s state is empty');
  if (data.length > MAX_HASH_CHARS) throw new LinkError(`the link’s state is ${data.length} characters long, more than ${MAX_HASH_CHARS}`);
  let json: string;
  try {
    const raw = await pipe(fromBase64Url(data), new DecompressionStream('deflate-raw'), MAX_JSON_CHARS);
    json = new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch (e) {
    if (e instanceof LinkError) throw e;
    throw new LinkError('the link’s data does not decompress (it was cut or altered)');
  }
  let body: unknown;
  try {
    body = JSON.parse(json);
  } catch {
    throw new LinkError('the link’s data is not JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new LinkError('the link’s data is not an object');
  const o = body as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!['v', 's', 'doc', 'k', 'c', 'cmp'].includes(k)) throw new LinkError(`the link has an unknown field “${k}”`);
  if (o.v !== LINK_VERSION) throw new LinkError(`the link is version ${JSON.stringify(o.v)}; this playground reads version ${LINK_VERSION}`);
  let scenario: string | null = null;
  let doc: ScenarioDocument | null = null;
  if (o.doc !== undefined) {
    const v = validateScenario(o.doc);
    if (!v.ok) {
      const first = v.errors[0];
      throw new LinkError(`the link’s scenario is invalid: ${first?.path || '(document)'}: ${first?.message}${v.errors.length > 1 ? ` (and ${v.errors.length - 1} more)` : ''}`);
    }
    doc = v.scenario;
  } else {
    if (typeof o.s !== 'string') throw new LinkError('the link names no scenario');
    if (!builtinNames.includes(o.s)) throw new LinkError(`the link names a scenario this playground does not have: “${o.s.slice(0, 80)}”`);
    scenario = o.s;
  }
  let knobs: Partial<ScenarioOptions> = {};
  if (o.k !== undefined) {
    const v = validateScenarioOptions(o.k);
    if (!v.ok) {
      const first = v.errors[0];
      throw new LinkError(`the link’s knobs are invalid: ${first?.path}: ${first?.message}`);
    }
    knobs = v.options;
  }
  let cursor = 0;
  if (o.c !== undefined) {
    if (typeof o.c !== 'number' || !Number.isSafeInteger(o.c) || o.c < 0) throw new LinkError(`the link’s event position must be a non-negative integer, got ${JSON.stringify(o.c)}`);
    cursor = o.c;
  }
  let compare: VariantName | null = null;
  if (o.cmp !== undefined) {
    if (typeof o.cmp !== 'string' || !(VARIANTS as readonly string[]).includes(o.cmp)) {
      throw new LinkError(`the link’s compare variant must be one of ${VARIANTS.join(', ')}`);
    }
    compare = o.cmp as VariantName;
  }
  return { scenario, doc, knobs, cursor, compare };
}
