import { defineConfig } from 'vitest/config';

// `npm run test:chaos`: the chaos suite (test/chaos/*.chaos.ts), apart from the unit run because it
// kills real processes, fills files and floods the host for minutes. One file at a time: the
// scenarios check for stray processes and measure event-loop lag, and must not see each other's.
export default defineConfig({
  test: {
    include: ['test/chaos/**/*.chaos.ts'],
    environment: 'node',
    fileParallelism: false,
    // The flood scenario collects garbage before and after, to tell retained memory from churn.
    execArgv: ['--expose-gc'],
    testTimeout: 240_000,
    hookTimeout: 60_000,
  },
});
