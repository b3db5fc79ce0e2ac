// A trace's call sites: the reactor's C++ behind each call it made
// (TraceRecord.site / .origin, written by native/kernel/tracing_kernel.cc).
import type { CallSiteText } from './types.js';

/** A call site, split: `TcpConnection::Send`, `native/reactor/tcp_connection.cc`, 73. */
export interface CallSite {
  /** Qualified: `Class::function` (a constructor `Epoll::Epoll`, a lambda `Class::operator()`). */
  fn: string;
  /** Repo-relative: `native/reactor/tcp_connection.cc`. */
  file: string;
  /** 1-based. */
  line: number;
}

const SITE = /^(\S+) (\S+):(\d+)$/;

/** `"TcpConnection::Send native/reactor/tcp_connection.cc:73"` split, or null for any other text. */
export function parseCallSite(text: CallSiteText): CallSite | null {
  const m = SITE.exec(text);
  if (!m) return null;
  return { fn: m[1] as string, file: m[2] as string, line: Number(m[3]) };
}
