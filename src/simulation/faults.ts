// Faults the simulation injects into the reactor's own syscalls (and only
// those: the peers' calls are never touched), each one Linux really gives a
// process; docs/explore.md names the kernel path behind each. One checker
// for both ways in: a scenario document's `faults` section (a fault per
// entry, armed just before its action runs, naming a peer) and
// Simulation.injectFault() (naming a connection). The binding gets the
// spec as JSON with the connection's fd (native/host/fault_kernel.h).
// Browser-safe: no node: imports.
import type { FaultName, FaultSpec } from '../types.js';
import { type FieldChecker, type FieldPath } from '../validate.js';

export const FAULT_NAMES: readonly FaultName[] = Object.freeze([
  'eintr',
  'acceptError',
  'shortWrite',
  'spuriousWakeup',
  'nofile',
  'delayedAck',
]);

export const ACCEPT_FAULT_ERRNOS = Object.freeze(['EMFILE', 'ENFILE', 'ECONNABORTED', 'ENOMEM'] as const);
export const SPURIOUS_EVENTS = Object.freeze(['EPOLLIN', 'EPOLLOUT', 'EPOLLIN|EPOLLOUT'] as const);

export const FAULT_LIMITS = Object.freeze({
  maxCount: 1_000_000,
  /**
   * Linux's delayed ACK on loopback: tcp_send_delayed_ack() clamps it to
   * TCP_DELACK_MIN (HZ/25: 40 ms), armed somewhere in the current 4 ms tick
   * at HZ=250, so it fires after more than 36 and at most 40 ms. Nothing in
   * the source puts it past 40 ms but timer latency (docs/explore.md).
   */
  delayedAckMinMs: 36,
  delayedAckMaxMs: 40,
  /** RLIMIT_NOFILE may go down to this (stdin/out/err, the epoll, the listener, eventfds). */
  minNofile: 8,
  maxNofile: 1024,
  maxShortWrite: 64 * 1024 * 1024,
});

/** Which fields each fault takes besides `fault` (and the target: `peer` in a document, `conn` in the API). */
export const FAULT_FIELDS: Readonly<Record<FaultName, { required: readonly string[]; optional: readonly string[]; target: boolean }>> = {
  eintr: { required: [], optional: ['count'], target: false },
  acceptError: { required: ['errno'], optional: ['count'], target: false },
  shortWrite: { required: ['maxBytes'], optional: ['count'], target: true },
  spuriousWakeup: { required: [], optional: ['events', 'count'], target: true },
  nofile: { required: ['limit'], optional: [], target: false },
  delayedAck: { required: ['ms'], optional: [], target: false },
};

/**
 * Reads one fault's own fields (not the target, not `at`) from `o` at `path`.
 * Returns the spec, or undefined when a field was bad (the checker said so).
 */
export function readFaultFields(
  c: FieldChecker,
  o: Record<string, unknown>,
  path: FieldPath,
  name: FaultName,
): Omit<FaultSpec, 'conn'> | undefined {
  const L = FAULT_LIMITS;
  const out: Record<string, unknown> = { fault: name };
  let ok = true;
  const keep = (key: string, v: unknown): void => {
    if (v === undefined) ok = false;
    else out[key] = v;
  };
  const spec = FAULT_FIELDS[name];
  for (const key of [...spec.required, ...spec.optional]) {
    const v = o[key];
    if (v === undefined) continue;
    const p = [...path, key];
    switch (key) {
      case 'count':
        keep(key, c.int(v, p, 1, L.maxCount));
        break;
      case 'errno':
        keep(key, c.oneOf(v, p, ACCEPT_FAULT_ERRNOS));
        break;
      case 'maxBytes':
        keep(key, c.int(v, p, 1, L.maxShortWrite));
        break;
      case 'events':
        keep(key, c.oneOf(v, p, SPURIOUS_EVENTS));
        break;
      case 'limit':
        keep(key, c.int(v, p, L.minNofile, L.maxNofile));
        break;
      case 'ms':
        keep(key, c.int(v, p, L.delayedAckMinMs, L.delayedAckMaxMs));
        break;
    }
  }
  for (const key of spec.required) if (o[key] === undefined) (c.missing([...path, key]), (ok = false));
  return ok ? (out as Omit<FaultSpec, 'conn'>) : undefined;
}

/** The binding's spec: the fault's fields, the target as the fd of its connection. */
export function faultSpecJson(f: Omit<FaultSpec, 'conn'>, fd: number | null): string {
  const out: Record<string, unknown> = { ...f };
  if (FAULT_FIELDS[f.fault].target) out.fd = fd;
  return JSON.stringify(out);
}

/** 'eintr x2', 'shortWrite maxBytes 1 on client' */
export function describeFault(f: Omit<FaultSpec, 'conn'> & { peer?: string }): string {
  const parts: string[] = [f.fault];
  if (f.errno !== undefined) parts.push(f.errno);
  if (f.maxBytes !== undefined) parts.push(`maxBytes ${f.maxBytes}`);
  if (f.events !== undefined) parts.push(f.events);
  if (f.limit !== undefined) parts.push(`limit ${f.limit}`);
  if (f.ms !== undefined) parts.push(`${f.ms} ms`);
  if (f.peer !== undefined) parts.push(`on ${f.peer}`);
  if (f.count !== undefined && f.count > 1) parts.push(`x${f.count}`);
  return parts.join(' ');
}
