// The validator toolkit. Every check of what a caller hands in (options
// objects, scenario documents, CLI flags) is made of these pieces, so a
// bound or a list reads the same wherever it is checked. A FieldChecker
// reads one field at a time; what happens to a bad one is its subclass's:
// OptionChecker throws an EdgeloopError (ERR_INVALID_ARG) naming the field at
// the first one (API calls), the scenario schema's checker records each with
// its JSON path and goes on (documents, whose editor shows every error).
// Browser-safe: no node: imports.
import { describeValue, EdgeloopError } from './errors.js';

/** Keys and indexes from the root of the input to a field: ['app', 'bulk'], ['steps', 3, 'bytes']. */
export type FieldPath = ReadonlyArray<string | number>;

/** 'app.bulk', 'steps[3].bytes' ('' for the root). */
export function pathText(path: FieldPath): string {
  let out = '';
  for (const s of path) out += typeof s === 'number' ? `[${s}]` : out === '' ? s : `.${s}`;
  return out;
}

export const INT32_MAX = 0x7fffffff;
export const UINT32_MAX = 0xffffffff;

/** A uint32, as a phrase for messages. */
export const UINT32_PHRASE = `a uint32 integer (0 to ${UINT32_MAX})`;

/** An object of fields: not null, an array or a typed array. */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);
}

/** A safe integer from min to max, inclusive. */
export function isIntIn(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= max;
}

export function isOneOf<T extends string>(v: unknown, allowed: readonly T[]): v is T {
  return typeof v === 'string' && (allowed as readonly string[]).includes(v);
}

/** 'a positive integer (at most 65535)', 'a non-negative integer', 'an integer from 2 to 9'. */
export function integerPhrase(min: number, max: number): string {
  const bound = max < Number.MAX_SAFE_INTEGER ? ` (at most ${max})` : '';
  if (min === 0) return `a non-negative integer${bound}`;
  if (min === 1) return `a positive integer${bound}`;
  return `an integer from ${min} to ${max}`;
}

/** A count of bytes from 0 to max. */
export function byteCountPhrase(max: number): string {
  return `a byte count (a non-negative integer, at most ${max})`;
}

/** "'a', 'b', 'c'" */
export function quotedList(list: readonly string[]): string {
  return list.map((s) => `'${s}'`).join(', ');
}

/** "'a' or 'b' or 'c'": how API options name their choices. */
export function alternatives(list: readonly string[]): string {
  return list.map((s) => `'${s}'`).join(' or ');
}

/** "a, b or c": plain words, for command lines and usage text. */
export function wordList(list: readonly string[]): string {
  return list.length < 2 ? list.join('') : `${list.slice(0, -1).join(', ')} or ${list[list.length - 1]}`;
}

/** A command line's whole number ('9000'), or undefined. */
export function parseWholeNumber(text: string): number | undefined {
  if (!/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

const SIZE = /^(\d+)([kmg]?)$/i;

/** A command line's byte size with an optional binary suffix ('64m' = 67108864), or undefined. */
export function parseByteSize(text: string): number | undefined {
  const m = SIZE.exec(text);
  if (!m) return undefined;
  const n = Number(m[1]) * 1024 ** ' kmg'.indexOf((m[2] || ' ').toLowerCase());
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * Reads fields of untrusted input. Each read returns the value, or undefined
 * when it is bad (after the subclass reported it, or it threw).
 */
export abstract class FieldChecker {
  /** The field at `path` is not `expected` (a phrase: 'a positive integer'). */
  abstract invalid(path: FieldPath, expected: string, got: unknown): undefined;

  /** The field at `path` is not one the object knows. */
  abstract unknownField(path: FieldPath, known: readonly string[]): undefined;

  /** The required field at `path` is missing. */
  missing(path: FieldPath): undefined {
    return this.invalid(path, 'given', undefined);
  }

  /** How a list of names is phrased in a message. */
  protected choices(allowed: readonly string[]): string {
    return alternatives(allowed);
  }

  /** An object whose fields are all in `known`, with every field of `required`. */
  object(v: unknown, path: FieldPath, known: readonly string[], required: readonly string[] = [], expected = 'an object'): Record<string, unknown> | undefined {
    if (!isPlainObject(v)) return this.invalid(path, expected, v);
    for (const key of Object.keys(v)) {
      if (!known.includes(key)) this.unknownField([...path, key], known);
    }
    for (const key of required) {
      if (v[key] === undefined) this.missing([...path, key]);
    }
    return v;
  }

  int(v: unknown, path: FieldPath, min: number, max: number, expected = integerPhrase(min, max)): number | undefined {
    return isIntIn(v, min, max) ? v : this.invalid(path, expected, v);
  }

  oneOf<T extends string>(v: unknown, path: FieldPath, allowed: readonly T[]): T | undefined {
    return isOneOf(v, allowed) ? v : this.invalid(path, this.choices(allowed), v);
  }

  bool(v: unknown, path: FieldPath): boolean | undefined {
    return typeof v === 'boolean' ? v : this.invalid(path, 'true or false', v);
  }
}

/**
 * The checker of an API call's options: the first bad field throws
 * EdgeloopError ERR_INVALID_ARG, `argument` its path:
 * `createServer(): "app.bulk" must be a byte count (...), got -1`.
 */
export class OptionChecker extends FieldChecker {
  /**
   * `where` names the call: 'createServer()'; the options object itself is
   * the field "options". `context` follows "unknown option" (" for backend 'linux'").
   */
  constructor(
    readonly where: string,
    private readonly context = '',
  ) {
    super();
  }

  invalid(path: FieldPath, expected: string, got: unknown): never {
    const field = pathText(path) || 'options';
    throw new EdgeloopError('ERR_INVALID_ARG', `${this.where}: "${field}" must be ${expected}, got ${describeValue(got)}`, {
      argument: field,
    });
  }

  unknownField(path: FieldPath, known: readonly string[]): never {
    const field = pathText(path);
    throw new EdgeloopError('ERR_INVALID_ARG', `${this.where}: unknown option "${field}"${this.context} (known: ${known.join(', ')})`, {
      argument: field,
    });
  }

  // An option checker returns only good values: everything else threw.
  override object(v: unknown, path: FieldPath, known: readonly string[], required: readonly string[] = [], expected?: string): Record<string, unknown> {
    return super.object(v, path, known, required, expected) as Record<string, unknown>;
  }

  override int(v: unknown, path: FieldPath, min: number, max: number, expected?: string): number {
    return super.int(v, path, min, max, expected) as number;
  }

  override oneOf<T extends string>(v: unknown, path: FieldPath, allowed: readonly T[]): T {
    return super.oneOf(v, path, allowed) as T;
  }

  override bool(v: unknown, path: FieldPath): boolean {
    return super.bool(v, path) as boolean;
  }

  /** A rule between fields, broken: `createServer(): give "app" or "handlers", not both`. */
  conflict(path: FieldPath, message: string): never {
    throw new EdgeloopError('ERR_INVALID_ARG', `${this.where}: ${message}`, { argument: pathText(path) });
  }
}

/**
 * Reads an options object with `read`, so that an object that throws when
 * read (a Proxy whose traps throw, a getter that throws) is an EdgeloopError
 * ERR_INVALID_ARG naming the call, not its own exception escaping. What
 * `read` throws as an EdgeloopError (a bad field) passes through as it is.
 */
export function readOptionsSafely<T>(where: string, read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (e instanceof EdgeloopError) throw e;
    throw new EdgeloopError('ERR_INVALID_ARG', `${where}: "options" could not be read: ${e instanceof Error ? e.message : describeValue(e)}`, {
      argument: 'options',
      cause: e,
    });
  }
}
