import type { BenchSuite } from '../harness.js';

/** Every suite, in the order `bench` runs them. Each suite registers itself here. */
export const suites: BenchSuite[] = [];
