import type { LinalgBackend } from '../backend.js';

// Placeholder until the pure TypeScript kernels land (issue 2).
export const tsBackend: LinalgBackend = undefined as unknown as LinalgBackend;
