// Everything the Node and browser entries export alike (no node: imports).
export * from './constants.js';
export { EdgeloopError } from './errors.js';
export { Kernel } from './kernel.js';
export { formatTraceRecord, traceToJsonl } from './trace.js';
export type * from './types.js';
