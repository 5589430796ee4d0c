import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/setup/build-dist.ts', 'test/setup/postgres.ts'],
    // The suites talk to real loopback servers; keep the defaults generous but bounded.
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
