import { BackendUnavailableError } from './errors.js';
import { loadLapackBackend } from './lapack/backend.js';
import { tsBackend } from './ts/backend.js';

export type BackendName = 'lapack' | 'ts';
export type BackendChoice = BackendName | 'auto';

/** What the caller asks of a symmetric eigendecomposition. */
export type EigenRequest =
  | 'none'
  | 'all'
  /** Right-hand sides B (n×cols, row-major): only UᵀB is formed. `keepBasis` keeps what `expand` needs. */
  | { rhs: Float64Array; cols: number; keepBasis: boolean };

/** A backend's raw eigendecomposition. All arrays row-major. */
export interface RawEigen {
  /** Eigenvalues, descending. */
  values: Float64Array;
  /** For 'all': n×n, column j is the unit eigenvector of values[j]. */
  vectors?: Float64Array;
  /** For rhs: n×cols, UᵀB (row j = u_jᵀ B), same eigenvector signs as `expand`. */
  projections?: Float64Array;
  /** For rhs with keepBasis: U·V for V (n×k) without forming U. */
  expand?: (v: Float64Array, k: number) => Float64Array;
}

/**
 * The kernels a backend provides. Inputs are trusted (validated by the public layer) and never
 * modified; outputs are fresh arrays.
 */
export interface LinalgBackend {
  readonly name: BackendName;
  /** `a`: n×n symmetric. */
  eigSym(a: Float64Array, n: number, request: EigenRequest): RawEigen;
  /** Lower factor L of A = L Lᵀ (n×n, zeros above the diagonal), or the first non-positive pivot. */
  cholesky(a: Float64Array, n: number): { factor: Float64Array } | { pivot: number; value: number };
  /** X with L Lᵀ X = B, for B n×k. */
  choleskySolve(factor: Float64Array, n: number, b: Float64Array, k: number): Float64Array;
  /** op(A)·op(B), op(X) = Xᵀ when its flag is set; A is aRows×aCols and B is bRows×bCols as stored. */
  gemm(
    a: Float64Array,
    aRows: number,
    aCols: number,
    transA: boolean,
    b: Float64Array,
    bRows: number,
    bCols: number,
    transB: boolean,
  ): Float64Array;
  /** A·Aᵀ for A m×k: m×m, both triangles filled. */
  syrk(a: Float64Array, m: number, k: number): Float64Array;
}

export interface BackendInfo {
  name: BackendName;
  /** Why this backend was chosen, in words. */
  reason: string;
  /** For lapack: the shared libraries loaded. */
  libraries?: string[];
}

let selected: { backend: LinalgBackend; info: BackendInfo } | undefined;

function choiceFromEnv(): BackendChoice {
  const raw = (process.env.DUALITY_LINALG ?? 'auto').trim().toLowerCase();
  if (raw === 'auto' || raw === 'lapack' || raw === 'ts' || raw === '') return raw === '' ? 'auto' : raw;
  throw new BackendUnavailableError(
    `DUALITY_LINALG=${process.env.DUALITY_LINALG} is not a backend; use auto, lapack or ts`,
  );
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
