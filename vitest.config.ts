import { defineConfig } from 'vitest/config';

// One runner for all TypeScript: unit tests beside their files, cross-room tests under test/.
export default defineConfig({
  test: {
    include: ['worker/**/*.test.ts', 'emulators/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'test/fixtures/**', 'force-app/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
