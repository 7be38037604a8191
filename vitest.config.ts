import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    allowOnly: false,
    // A poll waits for what a person would wait for (a page loading, a socket event); the default
    // second is too short on a shared two-core machine running a server and a browser at once.
    expect: { poll: { timeout: 10_000 } },
    reporters: ['default'],
  },
});
