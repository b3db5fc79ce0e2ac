// Linux's epoll bit values and errno numbers, as the kernels use them
// (native/kernel/epoll_bits.h and errno_codes.h). Masks are uint32: EPOLLET is
// 0x80000000, a positive number, so `mask & EPOLLET` needs `>>> 0` to compare.
import type { ErrnoName } from './types.js';

export const EPOLLIN = 0x1;
export const EPOLLPRI = 0x2;
export const EPOLLOUT = 0x4;
export const EPOLLERR = 0x8;
export const EPOLLHUP = 0x10;
export const EPOLLRDNORM = 0x40;
export const EPOLLRDBAND = 0x80;
export const EPOLLWRNORM = 0x100;
export const EPOLLWRBAND = 0x200;
export const EPOLLMSG = 0x400;
export const EPOLLRDHUP = 0x2000;
export const EPOLLEXCLUSIVE = 0x10000000;
export const EPOLLWAKEUP = 0x20000000;
export const EPOLLONESHOT = 0x40000000;
export const EPOLLET = 0x80000000;

const EVENT_BITS: ReadonlyArray<readonly [number, string]> = [
  [EPOLLIN, 'EPOLLIN'],
  [EPOLLPRI, 'EPOLLPRI'],
  [EPOLLOUT, 'EPOLLOUT'],
  [EPOLLERR, 'EPOLLERR'],
  [EPOLLHUP, 'EPOLLHUP'],
  [EPOLLRDNORM, 'EPOLLRDNORM'],
  [EPOLLRDBAND, 'EPOLLRDBAND'],
  [EPOLLWRNORM, 'EPOLLWRNORM'],
  [EPOLLWRBAND, 'EPOLLWRBAND'],
  [EPOLLMSG, 'EPOLLMSG'],
  [EPOLLRDHUP, 'EPOLLRDHUP'],
  [EPOLLEXCLUSIVE, 'EPOLLEXCLUSIVE'],
  [EPOLLWAKEUP, 'EPOLLWAKEUP'],
  [EPOLLONESHOT, 'EPOLLONESHOT'],
  [EPOLLET, 'EPOLLET'],
];
const EVENT_NAME_BY_BIT = new Map<number, string>(EVENT_BITS);
/** eventNames() so far: every epoll record and every snapshot's interest list spells a mask (a tenth of a playground run's CPU). */
const EVENT_NAMES_SEEN = new Map<number, string>();

/**
 * 'EPOLLIN|EPOLLOUT': the set bits in ascending bit order, a bit without a name
 * as hex ('0x800'). An empty mask gives '' (the empty string). Accepts int32 or uint32.
 */
export function eventNames(mask: number): string {
  const key = mask >>> 0;
  let names = EVENT_NAMES_SEEN.get(key);
  if (names === undefined) {
    names = spellEvents(key);
    // A trace uses a handful of masks; a bound keeps a caller that feeds it every number from growing it.
    if (EVENT_NAMES_SEEN.size >= 4096) EVENT_NAMES_SEEN.clear();
    EVENT_NAMES_SEEN.set(key, names);
  }
  return names;
}

function spellEvents(mask: number): string {
  let m = mask;
  const parts: string[] = [];
  for (let i = 0; i < 32 && m !== 0; i++) {
    const bit = 2 ** i;
    if (m % (bit * 2) < bit) continue;
    m -= bit;
    parts.push(EVENT_NAME_BY_BIT.get(bit) ?? `0x${bit.toString(16)}`);
  }
  return parts.join('|');
}

/** Linux errno numbers of every name in ErrnoName. */
export const ERRNO: Readonly<Record<Exclude<ErrnoName, `E${number}`>, number>> = Object.freeze({
  EPERM: 1,
  ENOENT: 2,
  EINTR: 4,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EEXIST: 17,
  EINVAL: 22,
  ENFILE: 23,
  EMFILE: 24,
  ENOTTY: 25,
  EPIPE: 32,
  ENOSYS: 38,
  ELOOP: 40,
  ENOTSOCK: 88,
  EDESTADDRREQ: 89,
  ENOPROTOOPT: 92,
  EOPNOTSUPP: 95,
  EAFNOSUPPORT: 97,
  EADDRINUSE: 98,
  EADDRNOTAVAIL: 99,
  ENETUNREACH: 101,
  ECONNABORTED: 103,
  ECONNRESET: 104,
  EISCONN: 106,
  ENOTCONN: 107,
  ETIMEDOUT: 110,
  ECONNREFUSED: 111,
  EHOSTUNREACH: 113,
  EALREADY: 114,
  EINPROGRESS: 115,
});

const NAME_BY_ERRNO = new Map<number, ErrnoName>(
  Object.entries(ERRNO).map(([name, n]) => [n, name as ErrnoName]),
);

/**
 * The name of a Linux errno number: errnoName(11) === 'EAGAIN'. A negative
 * number is read as a raw -errno result. A number without a name gives 'E<n>'
 * (so errnoName(0), SO_ERROR's "no error", gives 'E0').
 */
export function errnoName(n: number): ErrnoName {
  const e = Math.abs(n);
  return NAME_BY_ERRNO.get(e) ?? `E${e}`;
}

/** The Linux number of an errno name ('EAGAIN' -> 11, 'E77' -> 77), or undefined for an unknown name. */
export function errnoNumber(name: string): number | undefined {
  if (Object.prototype.hasOwnProperty.call(ERRNO, name)) return ERRNO[name as keyof typeof ERRNO];
  const m = /^E(0|[1-9][0-9]{0,8})$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

/** True when a kernel call's result is an errno name (every failure is a string starting with 'E'). */
export function isErrno(value: unknown): value is ErrnoName {
  return typeof value === 'string' && /^E[A-Z0-9]+$/.test(value);
}
