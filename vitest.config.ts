import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Each file in its own process: the addon and the wasm module hold kernels.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: { name: 'node', include: ['test/**/*.test.ts'], exclude: ['test/e2e/**'], environment: 'node' },
      },
      {
        // The playground in real Chromium (Debian's /usr/bin/chromium, playwright-core):
        // each file builds the page, serves it with `vite preview` on a free port and
        // closes the browser and the server in afterAll.
        extends: true,
        test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], environment: 'node', testTimeout: 120_000, hookTimeout: 120_000 },
      },
    ],
  },
});
