import { defineConfig } from 'vitest/config';

// One run over every workspace member's tests, from source.
export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*'],
  },
});
