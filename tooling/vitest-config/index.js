import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';

/**
 * Workspace packages export `@duality/source` -> `src/index.ts`; resolving that condition
 * first makes every `@duality/*` import load TypeScript source, so tests never need a build.
 */
const conditions = ['@duality/source', 'import', 'module', 'node', 'default'];

/** Vitest project for one package: tests live beside the code as `src/**\/*.test.ts`. */
export function packageTestConfig(name, overrides = {}) {
  return defineProject({
    resolve: { conditions },
    ssr: { resolve: { conditions, externalConditions: conditions } },
    test: {
      name,
      include: ['src/**/*.test.ts'],
      environment: 'node',
      testTimeout: 60_000,
      setupFiles: [fileURLToPath(new URL('./fast-check-seed.js', import.meta.url))],
      ...overrides,
    },
  });
}
