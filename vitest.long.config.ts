import { defineConfig } from 'vitest/config';

// `npm run test:long`: shots the size artists render (test/long/*.long.ts), minutes of real ffmpeg
// each. Apart from the unit run and one file at a time, so that their chunks' deadlines are measured
// against the machine they were planned for, not against a dozen other test files.
export default defineConfig({
  test: {
    include: ['test/long/**/*.long.ts'],
    environment: 'node',
    fileParallelism: false,
    testTimeout: 1_200_000,
    hookTimeout: 60_000,
  },
});
