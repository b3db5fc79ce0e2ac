// The playground: a static page on the wasm build (no server-side code).
// `npm start` builds it into dist/playground-site and serves it on 127.0.0.1;
// `npm run dev` runs Vite's dev server.
import { fileURLToPath } from 'node:url';

import { defineConfig, type Plugin } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));
const repo = fileURLToPath(new URL('..', import.meta.url));

/**
 * The built page's Content-Security-Policy: no inline script, no script from
 * anywhere but the page itself, no eval (the wasm glue is built with
 * -sDYNAMIC_EXECUTION=0, so embind needs no `new Function`); the wasm is
 * inlined in the module, hence 'wasm-unsafe-eval'. It connects only to
 * itself and to a server's live view, which listens on loopback only. It is
 * in the page (a meta tag, which holds wherever the files are copied) and,
 * from `npm start` (vite preview), in every response's headers too: a worker
 * does not inherit the page's meta policy, and the simulation runs in one.
 * Dev mode injects its own inline client, so only the build gets it.
 */
const POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  // The live view (live-panel.ts): a server's WebSocket, on loopback only, as the server listens
  // (a policy cannot name an IPv6 address: a live view on ::1 is reached as localhost).
  "connect-src 'self' ws://127.0.0.1:* ws://localhost:*",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

function csp(): Plugin {
  return {
    name: 'edgeloop-csp',
    apply: 'build',
    transformIndexHtml: () => [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: POLICY }, injectTo: 'head-prepend' }],
  };
}

export default defineConfig({
  root: here,
  base: './',
  clearScreen: false,
  plugins: [csp()],
  build: {
    outDir: fileURLToPath(new URL('../dist/playground-site', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // The wasm module is inlined (SINGLE_FILE): one large chunk is expected.
    chunkSizeWarningLimit: 4096,
    assetsInlineLimit: 0,
  },
  worker: { format: 'es' },
  server: { host: '127.0.0.1', fs: { allow: [repo] } },
  preview: { host: '127.0.0.1', headers: { 'Content-Security-Policy': POLICY } },
});
