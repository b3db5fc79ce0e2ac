// Everything the Node and browser entries export alike (no node: imports).
export * from './constants.js';
export { EdgeloopError } from './errors.js';
export { Kernel } from './kernel.js';
export { formatTraceRecord, traceToJsonl } from './trace.js';
export { Peer } from './simulation/peer.js';
export type { Connection } from './simulation/connection.js';
export type * from './types.js';
