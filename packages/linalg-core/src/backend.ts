import { BackendUnavailableError, environmentChoice } from './errors.js';
import { loadLapackBackend } from './lapack/backend.js';
import { tsBackend } from './ts/backend.js';
import type { BackendName, LinalgBackend } from './backend-types.js';

export type { BackendName, EigenRequest, LinalgBackend, RawEigen } from './backend-types.js';
export type BackendChoice = BackendName | 'auto';

export interface BackendInfo {
  name: BackendName;
  /** Why this backend was chosen, in words. */
  reason: string;
  /** For lapack: the shared libraries loaded. */
  libraries?: string[];
}

let selected: { backend: LinalgBackend; info: BackendInfo } | undefined;

function choiceFromEnv(): BackendChoice {
  return environmentChoice<BackendChoice>('DUALITY_LINALG', ['auto', 'lapack', 'ts']);
}

function select(choice: BackendChoice, origin: string): { backend: LinalgBackend; info: BackendInfo } {
  if (choice === 'ts') {
    return { backend: tsBackend, info: { name: 'ts', reason: `${origin} asked for the pure TypeScript backend` } };
  }
  try {
    const { backend, libraries } = loadLapackBackend();
    const reason =
      choice === 'lapack'
        ? `${origin} asked for native LAPACK`
        : `native LAPACK loaded (${libraries.join(', ')}), preferred over pure TypeScript`;
    return { backend, info: { name: 'lapack', reason, libraries } };
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    if (choice === 'lapack') {
      throw new BackendUnavailableError(
        `${origin} asked for native LAPACK but it could not be loaded (${why}); ` +
          `install it with 'apt-get install -y libopenblas0-pthread' or use DUALITY_LINALG=ts`,
      );
    }
    return {
      backend: tsBackend,
      info: {
        name: 'ts',
        reason: `native LAPACK unavailable (${why}); using pure TypeScript. ` +
          `For speed: apt-get install -y libopenblas0-pthread`,
      },
    };
  }
}

/** The backend in use, chosen on first use from DUALITY_LINALG (auto, lapack, ts; default auto). */
export function getBackend(): LinalgBackend {
  selected ??= select(choiceFromEnv(), 'DUALITY_LINALG');
  return selected.backend;
}

/** Which backend is in use and why. */
export function backendInfo(): BackendInfo {
  getBackend();
  return { ...selected!.info };
}

/** Switch backend for this process ('auto' prefers lapack). Throws if a named backend cannot load. */
export function setBackend(choice: BackendChoice): BackendInfo {
  selected = select(choice, 'setBackend');
  return { ...selected.info };
}

/** The backends that can run in this process. */
export function availableBackends(): BackendName[] {
  try {
    loadLapackBackend();
    return ['lapack', 'ts'];
  } catch {
    return ['ts'];
  }
}
