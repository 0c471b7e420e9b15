import { defineConfig } from 'vitest/config';

// One run over every workspace member's tests, from source.
export default defineConfig({
  test: {
    projects: [
      'packages/*',
      'apps/*',
      // The repository's own checks (.ci/check-workspace.mjs and its import-direction rule).
      { test: { name: 'ci', include: ['.ci/**/*.test.mjs'], environment: 'node', testTimeout: 60_000 } },
    ],
  },
});
