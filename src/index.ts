// The Node entry: all three backends (linux, sim/native, sim/wasm).
export * from './common.js';
export { openKernel } from './open-kernel.js';
