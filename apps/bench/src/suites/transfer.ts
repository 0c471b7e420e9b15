import type { BenchSuite } from '../harness.js';
import { transferStudy } from '../studies/transfer-study.js';

export const transferSuite: BenchSuite = {
  name: 'transfer',
  description: 'Deep linear networks: width, learning-rate transfer (μP vs NTK, depth), DMFT vs simulation',
  run: async ({ quick }) => transferStudy({ quick }),
};
