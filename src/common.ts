// Everything the Node and browser entries export alike (no node: imports).
export * from './constants.js';
export { EdgeloopError, ErrnoError } from './errors.js';
export { must } from './strict-kernel.js';
// The reactor's options: their lists, defaults and bounds (for knobs and forms).
export {
  BACKLOG_MAX,
  BACKLOG_MIN,
  BUILTIN_APPS,
  BULK_BYTES_MAX,
  DEFAULT_APP,
  DEFAULT_BACKLOG,
  DEFAULT_FAMILY,
  DEFAULT_HIGH_WATER_MARK,
  DEFAULT_HIGH_WATER_POLICY,
  DEFAULT_TRIGGER,
  DEFAULT_VARIANT,
  FAMILIES,
  HIGH_WATER_MARK_MAX,
  HIGH_WATER_MARK_MIN,
  HIGH_WATER_POLICIES,
  SOCKET_BUFFER_MAX,
  SOCKET_BUFFER_MIN,
  TRIGGERS,
  triggerFits,
  VARIANTS,
} from './reactor-options.js';
export { callSiteOf, callSiteTable, CallSiteTable, parseCallSite, spellCallSites, type CallSite, type SpelledRecord } from './call-site.js';
export { Kernel } from './kernel.js';
export { formatTraceRecord, traceToJsonl } from './trace.js';
export { TraceStore } from './trace-store.js';
export { Peer } from './simulation/peer.js';
export type { Connection } from './connection.js';
export type * from './types.js';
