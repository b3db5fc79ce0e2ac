// IP address literals as the kernels read them (native/kernel/sock_addr.cc):
// inet_pton's rules, so the JS layer refuses exactly what the C++ parser
// would, and the forms a tcp socket address takes: 'A.B.C.D:PORT' and
// '[IPV6]:PORT'. Browser-safe (no node: imports).

/** inet_pton(AF_INET): four decimal parts of 1 to 3 digits, each at most 255, no leading zeros. */
export function isIpv4(text: string): boolean {
  const parts = text.split('.');
  if (parts.length !== 4) return false;
  return parts.every((p) => /^(0|[1-9][0-9]{0,2})$/.test(p) && Number(p) <= 255);
}

/**
 * inet_pton(AF_INET6), as glibc reads it: up to eight groups of 1 to 4 hex
 * digits, one '::' for one or more zero groups, an optional dotted IPv4 tail
 * (the last 32 bits). No zone ('%eth0').
 */
export function isIpv6(text: string): boolean {
  if (text === '') return false;
  let s = text;
  // A leading '::' is one token; a lone leading ':' is malformed.
  if (s.startsWith(':')) {
    if (!s.startsWith('::')) return false;
    s = s.slice(1);
  }
  let groups = 0; // 16-bit groups written
  let compressed = false;
  let xdigits = 0;
  let tokenStart = 0;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i] as string;
    if (/[0-9a-fA-F]/.test(ch)) {
      if (xdigits === 4) return false;
      xdigits++;
      continue;
    }
    if (ch === ':') {
      tokenStart = i + 1;
      if (xdigits === 0) {
        if (compressed) return false;
        compressed = true;
        continue;
      }
      if (i + 1 === s.length) return false; // a trailing single ':'
      if (groups + 1 > 8) return false;
      groups++;
      xdigits = 0;
      continue;
    }
    if (ch === '.' && groups + 2 <= 8 && isIpv4(s.slice(tokenStart))) {
      groups += 2;
      xdigits = 0;
      return finish(groups, compressed);
    }
    return false;
  }
  if (xdigits > 0) {
    if (groups + 1 > 8) return false;
    groups++;
  }
  return finish(groups, compressed);
}

function finish(groups: number, compressed: boolean): boolean {
  // '::' must stand for at least one zero group; without it all eight are written.
  return compressed ? groups < 8 : groups === 8;
}

/** An IPv4 or IPv6 literal. */
export function isIpAddress(text: string): boolean {
  return isIpv4(text) || isIpv6(text);
}

/** 'host:port' for IPv4, '[host]:port' for IPv6: the kernel API's socket address. */
export function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** A port as the kernels read it: 1 to 6 decimal digits, at most 65535. */
function isPort(text: string): boolean {
  return /^[0-9]{1,6}$/.test(text) && Number(text) <= 65535;
}

/** 'A.B.C.D:PORT' or '[IPV6]:PORT' (any address, any port from 0 to 65535). */
export function isTcpSockAddr(text: string): boolean {
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0 || text[close + 1] !== ':') return false;
    return isIpv6(text.slice(1, close)) && isPort(text.slice(close + 2));
  }
  const colon = text.lastIndexOf(':');
  if (colon < 0) return false;
  return isIpv4(text.slice(0, colon)) && isPort(text.slice(colon + 1));
}
