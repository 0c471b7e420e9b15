import type { BenchSuite } from '../harness.js';
import { ntkSuite } from './ntk.js';
import { linalgSuite } from './linalg.js';
import { mixedModelSuite } from './mixed-model.js';

/** Every suite, in the order `bench` runs them. Each suite registers itself here. */
export const suites: BenchSuite[] = [linalgSuite, ntkSuite, mixedModelSuite];
