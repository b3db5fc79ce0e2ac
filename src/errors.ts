// The one error type the API throws. It is only for misuse of the JS API
// (wrong types, unknown names, use after dispose) and for a backend that
// cannot be loaded or that failed; what the kernel reports is an errno name.
import type { EdgeloopErrorCode, ErrnoName } from './types.js';

export class EdgeloopError extends Error {
  /**
   * ERR_* for misuse of the API and backend failures; an errno name
   * ('EADDRINUSE', 'EAGAIN') for a system call that failed (ErrnoError), as
   * Node's own system errors carry it.
   */
  readonly code: EdgeloopErrorCode | ErrnoName;
  /** The argument or option field at fault, when there is one. */
  readonly argument?: string;

  constructor(code: EdgeloopErrorCode | ErrnoName, message: string, options: { argument?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'EdgeloopError';
    this.code = code;
    if (options.argument !== undefined) this.argument = options.argument;
  }
}

/**
 * A system call failed with `errno` (thrown by `must()`, `kernel.strict` and
 * a real server's listen()): `code` is the errno name, as in Node's system
 * errors (`err.code === 'EADDRINUSE'`), `syscall` the call.
 */
export class ErrnoError extends EdgeloopError {
  readonly errno: ErrnoName;
  readonly syscall: string;

  constructor(errno: ErrnoName, syscall: string, message = `${syscall}(): ${errno}`, options: { argument?: string; cause?: unknown } = {}) {
    super(errno, message, options);
    this.name = 'ErrnoError';
    this.errno = errno;
    this.syscall = syscall;
  }
}

/** A short description of a value for error messages: `1.5`, `"udp"`, `undefined`, `a Uint16Array`. */
export function describeValue(v: unknown): string {
  switch (typeof v) {
    case 'number':
      return Object.is(v, -0) ? '-0' : String(v);
    case 'bigint':
      return `${v}n`;
    case 'string':
      return JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v);
    case 'boolean':
    case 'undefined':
      return String(v);
    case 'symbol':
      return 'a symbol';
    case 'function':
      return 'a function';
    default:
      if (v === null) return 'null';
      if (Array.isArray(v)) return 'an array';
      {
        const ctor = (v as { constructor?: { name?: unknown } }).constructor?.name;
        return typeof ctor === 'string' && ctor !== 'Object' && ctor !== ''
          ? `${/^[AEIOU]/.test(ctor) ? 'an' : 'a'} ${ctor}`
          : 'an object';
      }
  }
}

/** ERR_INVALID_ARG: `read(): "max" must be a non-negative integer, got 1.5`. */
export function invalidArg(method: string, argument: string, expected: string, got: unknown): EdgeloopError {
  return new EdgeloopError('ERR_INVALID_ARG', `${method}(): "${argument}" must be ${expected}, got ${describeValue(got)}`, {
    argument,
  });
}

/** ERR_UNKNOWN_NAME: `socket(): "family" must be one of 'unix', 'tcp', got "udp"`. */
export function unknownName(method: string, argument: string, known: readonly string[], got: string): EdgeloopError {
  const list = known.map((k) => `'${k}'`).join(', ');
  return new EdgeloopError('ERR_UNKNOWN_NAME', `${method}(): "${argument}" must be one of ${list}, got ${describeValue(got)}`, {
    argument,
  });
}
