import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    // Each file in its own process: the addon and the wasm module hold kernels.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
