// The kernel API for strict TypeScript. The contract (DESIGN.md) returns an
// errno name wherever Linux fails, so every call's type is `T | ErrnoName`:
// right for a script that looks at each errno, a fight for code that treats a
// failure as exceptional. Two ways out, neither changing the contract:
//   must(k.epollCreate(), 'epollCreate')   the value, or throws ErrnoError
//   k.strict.epollCreate()                 the same for every call
// ErrnoError carries the errno as `code` (and `errno`), like Node's system
// errors, so `catch (e) { if (e.code === 'EAGAIN') ... }` reads as it does
// with node:net.
import { isErrno } from './constants.js';
import { ErrnoError } from './errors.js';
import type { ErrnoCall, ErrnoName, KernelApi, StrictKernelApi } from './types.js';

/**
 * `result` without its errno: the value, or (when it is an errno name) an
 * ErrnoError naming `syscall` is thrown.
 *
 *   const ep = must(k.epollCreate(), 'epollCreate');   // number
 */
export function must<T>(result: T | ErrnoName, syscall = 'syscall'): Exclude<T, ErrnoName> {
  if (isErrno(result)) throw new ErrnoError(result, syscall);
  return result as Exclude<T, ErrnoName>;
}

/**
 * The kernel API's calls that answer with an errno name on failure. A record
 * over ErrnoCall, so the compiler says when a call is added to the type and
 * not here (or the other way round).
 */
const ERRNO_CALL_SET: Readonly<Record<ErrnoCall, true>> = {
  socket: true,
  socketpair: true,
  bind: true,
  listen: true,
  connect: true,
  accept: true,
  getsockname: true,
  read: true,
  write: true,
  shutdown: true,
  close: true,
  dup: true,
  eventfd: true,
  setsockopt: true,
  getsockopt: true,
  ioctl: true,
  epollCreate: true,
  epollCtl: true,
  epollWait: true,
};
const ERRNO_CALLS = Object.freeze(Object.keys(ERRNO_CALL_SET) as ErrnoCall[]);

/**
 * Plain wrappers rather than a Proxy: each is an ordinary function, and the
 * list is checked against the API's names by the compiler.
 */
export function strictKernel(k: KernelApi): StrictKernelApi {
  const out: Partial<Record<ErrnoCall, (...args: never[]) => unknown>> = {};
  for (const name of ERRNO_CALLS) {
    const call = k[name] as (...args: unknown[]) => unknown;
    out[name] = (...args: unknown[]) => must(call.apply(k, args), name);
  }
  return out as StrictKernelApi;
}
