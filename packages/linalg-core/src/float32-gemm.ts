import { LinalgInputError } from './errors.js';
import { loadNativeLapack } from './lapack/native.js';

/**
 * Row-major float32 C (m×n) := op(A)·op(B) + beta·C, written into `c`; op(X) = Xᵀ when its flag is set, so A is
 * stored m×k (k×m transposed) and B k×n (n×k transposed). `beta` is 0 (overwrite, the default) or 1 (accumulate).
 */
export type Float32Gemm = (
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  a: Float32Array,
  b: Float32Array,
  c: Float32Array,
  beta?: 0 | 1,
) => void;

export interface NativeFloat32Gemm {
  sgemm: Float32Gemm;
  /** The shared libraries behind it (as `backendInfo().libraries` names them). */
  libraries: string[];
  /** OpenBLAS worker threads when it was loaded (OPENBLAS_NUM_THREADS), when the library is OpenBLAS. */
  threads: number | undefined;
  /**
   * Set OpenBLAS's worker threads for every later call, the float64 lapack backend's included (like
   * `torch.set_num_threads`); undefined when the library is not OpenBLAS.
   */
  setThreads: ((count: number) => void) | undefined;
}

function checkDimension(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > 2 ** 31 - 1) {
    throw new LinalgInputError(`sgemm: ${name} must be an integer in [0, 2³¹), got ${value}`);
  }
}

function checkLength(name: string, array: Float32Array, needed: number): void {
  // The native routine reads and writes raw memory: a short array would be overrun, not reported.
  if (array.length < needed) {
    throw new LinalgInputError(`sgemm: ${name} holds ${array.length} values, the shapes need ${needed}`);
  }
}

/**
 * The system BLAS's single-precision product (cblas_sgemm, loaded the way the lapack backend loads its libraries),
 * for float32 callers such as TF.js kernels. Independent of `DUALITY_LINALG`. Throws a BackendUnavailableError
 * saying what is missing when no BLAS loads.
 */
export function loadFloat32Gemm(): NativeFloat32Gemm {
  const native = loadNativeLapack();
  const sgemm: Float32Gemm = (transA, transB, m, n, k, a, b, c, beta = 0) => {
    checkDimension('m', m);
    checkDimension('n', n);
    checkDimension('k', k);
    checkLength('a', a, m * k);
    checkLength('b', b, k * n);
    checkLength('c', c, m * n);
    if (m === 0 || n === 0) return;
    if (k === 0) {
      // BLAS leading dimensions must be ≥ 1: an empty inner dimension leaves beta·C, done here.
      if (beta === 0) c.fill(0, 0, m * n);
      return;
    }
    native.sgemm(transA, transB, m, n, k, a, b, c, beta);
  };
  const setNative = native.setThreads;
  const setThreads = setNative && ((count: number) => {
    if (!Number.isInteger(count) || count < 1) throw new LinalgInputError(`setThreads: count must be an integer ≥ 1, got ${count}`);
    setNative(count);
  });
  return { sgemm, libraries: [...native.libraries], threads: native.threads, setThreads };
}
