import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Only our test folder: the default glob would also pick up Playwright's e2e/*.spec.ts.
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 20_000,
  },
});
