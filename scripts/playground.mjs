#!/usr/bin/env node
// npm start: builds the playground (playground/, Vite) and serves the built
// page on 127.0.0.1, printing its URL. It runs entirely in the browser on the
// committed wasm module: nothing here needs the addon or emscripten.
//
//   node scripts/playground.mjs [--port N]     (default 5173; the next free one if taken)
import { fileURLToPath } from 'node:url';

import { build, preview } from 'vite';

const configFile = fileURLToPath(new URL('../playground/vite.config.ts', import.meta.url));
const args = process.argv.slice(2);
let port = Number(process.env.PORT ?? 5173);
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--port' && args[i + 1] !== undefined && /^\d+$/.test(args[i + 1])) port = Number(args[++i]);
  else {
    console.error(`usage: npm start [-- --port N]   (bad argument ${JSON.stringify(args[i])})`);
    process.exit(2);
  }
}

await build({ configFile, logLevel: 'warn' });
const server = await preview({ configFile, logLevel: 'warn', preview: { host: '127.0.0.1', port, strictPort: false } });
const url = server.resolvedUrls?.local[0] ?? `http://127.0.0.1:${port}/`;
console.log(`edgeloop playground: ${url}`);
console.log('(Ctrl-C to stop; `npm run demo` runs the kernel-API demo in the terminal)');
const stop = () => {
  server.close().finally(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
