import type { BenchSuite } from '../harness.js';
import { seedsMeetStudy } from '../studies/seeds-meet.js';

export const seedsMeetSuite: BenchSuite = {
  name: 'seeds-meet',
  description: 'The REML stop (kernel at initialisation) on deep linear networks: risk ratio against γ₀, width and depth',
  run: async ({ quick }) => seedsMeetStudy({ quick }),
};
