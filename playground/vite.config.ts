// The playground: a static page on the wasm build (no server-side code).
// `npm start` builds it into dist/playground-site and serves it on 127.0.0.1;
// `npm run dev` runs Vite's dev server.
import { fileURLToPath } from 'node:url';

import { defineConfig, type Plugin } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));
const repo = fileURLToPath(new URL('..', import.meta.url));

/**
 * The built page gets a Content-Security-Policy: no inline script, no
 * script from anywhere but the page itself. ('unsafe-eval' stays because
 * emscripten's embind builds its invokers with new Function; the wasm is
 * inlined in the module, hence 'wasm-unsafe-eval'.) Dev mode injects its
 * own inline client, so only the build gets it.
 */
function csp(): Plugin {
  const policy = [
    "default-src 'self'",
    "script-src 'self' 'unsafe-eval' 'wasm-unsafe-eval'",
    "worker-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  return {
    name: 'edgeloop-csp',
    apply: 'build',
    transformIndexHtml: () => [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: policy }, injectTo: 'head-prepend' }],
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
  preview: { host: '127.0.0.1' },
});
