import type { LinalgBackend } from '../backend.js';

// Placeholder until the native LAPACK kernels land (issue 2).
export function loadLapackBackend(): { backend: LinalgBackend; libraries: string[] } {
  throw new Error('not implemented');
}
