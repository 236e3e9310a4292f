import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    // Builds the Forge Custom UI (build output the manifest names) when missing or stale.
    globalSetup: ['test/support/build-forge-page.ts'],
    // Each file starts its own servers on ephemeral ports; files run in parallel, tests inside a file in order.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
