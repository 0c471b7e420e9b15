import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename } from 'node:path';
import type * as Koffi from 'koffi';
import { BackendUnavailableError, LinalgInputError, LinalgNumericalError } from '../errors.js';
import type { GemmUpdate } from '../backend-types.js';

/**
 * Thin, typed wrappers around the system LAPACK (Fortran ABI) and CBLAS, loaded through koffi.
 *
 * Fortran conventions: every argument is a pointer (scalars go in as one-element Int32Array /
 * Float64Array), matrices are column-major, and each CHARACTER argument adds a hidden trailing
 * `size_t` length (gfortran ABI). Typed arrays are passed to C without copies.
 */

type NativeFunction = (...args: unknown[]) => unknown;

/** CBLAS enum values (cblas.h). */
const CBLAS = { rowMajor: 101, noTrans: 111, trans: 112, upper: 121, lower: 122, nonUnit: 131, left: 141, right: 142 } as const;

/** Library sets tried in order: the Debian alternatives first, then OpenBLAS on its own. */
const CANDIDATES: readonly { lapack: string; blas: string }[] = [
  { lapack: 'liblapack.so.3', blas: 'libblas.so.3' },
  { lapack: 'libopenblas.so.0', blas: 'libopenblas.so.0' },
];

/** Fortran INTEGER is 32-bit here (LP64 LAPACK): workspace sizes and n² must fit. */
const MAX_FORTRAN_INT = 2 ** 31 - 1;

export interface NativeLapack {
  /** The shared libraries loaded (real paths where /proc/self/maps shows them), then the BLAS build. */
  readonly libraries: string[];
  /** OpenBLAS worker threads (OPENBLAS_NUM_THREADS), when the library is OpenBLAS. */
  readonly threads: number | undefined;
  /** OpenBLAS's openblas_set_num_threads (every later BLAS/LAPACK call), when the library is OpenBLAS. */
  readonly setThreads: ((count: number) => void) | undefined;

  /** Eigenvalues (ascending, into `w`) of the symmetric `a`; with 'V', `a` becomes the eigenvectors (column-major). */
  dsyevd(jobz: 'N' | 'V', n: number, a: Float64Array, w: Float64Array): void;
  /** Householder reduction Qᵀ A Q = T from the lower triangle; `a` keeps the reflectors, `tau` their scales. */
  dsytrd(n: number, a: Float64Array, d: Float64Array, e: Float64Array, tau: Float64Array): void;
  /**
   * C (m×n column-major) := C·Q ('N') or C·Qᵀ ('T'), Q from `dsytrd` (n×n reflectors in `a`).
   * Used from the right so that a row-major n×m matrix (= column-major m×n) is transformed in place.
   */
  dormtrRight(trans: 'N' | 'T', m: number, n: number, a: Float64Array, tau: Float64Array, c: Float64Array): void;
  /** Eigen-decomposition of the tridiagonal (d, e): d becomes the ascending eigenvalues, z (n×n column-major) the eigenvectors. */
  dstedc(n: number, d: Float64Array, e: Float64Array, z: Float64Array): void;
  /** Cholesky A = UᵀU of the column-major upper triangle in place; 0 or the 1-based failing pivot. */
  dpotrfUpper(n: number, a: Float64Array): number;
  /** Householder QR of the column-major m×n `a` (m ≥ n) in place: R on and above the diagonal, reflectors below. */
  dgeqrf(m: number, n: number, a: Float64Array, tau: Float64Array): void;
  /** `a` from dgeqrf becomes the m×n Q with orthonormal columns (column-major), in place. */
  dorgqr(m: number, n: number, a: Float64Array, tau: Float64Array): void;
  /** C (m×k column-major) := Q·C in place, Q = H_1⋯H_n from dgeqrf's m×n `a` and τ (no m×n Q formed). */
  dormqrLeft(m: number, k: number, n: number, a: Float64Array, tau: Float64Array, c: Float64Array): void;

  /** Row-major op(A)·op(B) (m×n, inner dimension k) in a new array, or with `update` C := α·op(A)·op(B) + β·C in its array. */
  dgemm(transA: boolean, transB: boolean, m: number, n: number, k: number, a: Float64Array, b: Float64Array, update?: GemmUpdate): Float64Array;
  /** Row-major lower triangle of C = A·Aᵀ for A m×k (upper triangle left zero). */
  dsyrkLower(m: number, k: number, a: Float64Array): Float64Array;
  /** Row-major B (n×k) := op(L)⁻¹·B in place, L n×n lower triangular. */
  dtrsmLower(trans: boolean, n: number, k: number, l: Float64Array, b: Float64Array): void;
  /** B := B·Lᵀ in place (B m×k row-major, L k×k lower triangular). */
  dtrmmRightLowerTransposed(m: number, k: number, l: Float64Array, b: Float64Array): void;
  /** Float32 row-major C (m×n) := op(A)·op(B) + beta·C in place; sizes are trusted (checked by the caller). */
  sgemm(
    transA: boolean, transB: boolean, m: number, n: number, k: number,
    a: Float32Array, b: Float32Array, c: Float32Array, beta: number,
  ): void;
}

const int = (v: number): Int32Array => Int32Array.of(v);
const cblasTranspose = (transpose: boolean): number => (transpose ? CBLAS.trans : CBLAS.noTrans);

function checkInfo(routine: string, info: number): void {
  if (info < 0) {
    throw new Error(`LAPACK ${routine}: argument ${-info} had an illegal value (a bug in the lapack backend)`);
  }
  if (info > 0) {
    throw new LinalgNumericalError(
      `LAPACK ${routine} failed to converge (info = ${info}); the matrix may be badly scaled: ` +
        `rescale it or use DUALITY_LINALG=ts`,
    );
  }
}

function checkSize(routine: string, words: number): number {
  if (!Number.isSafeInteger(words) || words > MAX_FORTRAN_INT) {
    throw new LinalgInputError(
      `LAPACK ${routine}: needs ${words} workspace entries, more than a 32-bit Fortran INTEGER holds; ` +
        `the matrix is too large for this LAPACK`,
    );
  }
  return words;
}

/** The real files behind the loaded sonames, read from this process's memory map (Linux). */
function realPaths(sonames: string[]): string[] {
  let mapped: string[];
  try {
    mapped = readFileSync('/proc/self/maps', 'utf8')
      .split('\n')
      .map((line) => line.split(/\s+/).slice(5).join(' '))
      .filter((path) => path.startsWith('/'));
  } catch {
    return sonames;
  }
  const unique = [...new Set(mapped)];
  return sonames.map((soname) => {
    const stem = soname.split('.so')[0]!;
    const hits = unique.filter((path) => basename(path).startsWith(stem));
    return hits.length > 0 ? `${soname} (${hits.join(', ')})` : soname;
  });
}

/** OpenBLAS's build string and thread controls, from whichever library exports them (none for reference BLAS). */
function openblasControls(libs: Koffi.IKoffiLib[]): Pick<NativeLapack, 'threads' | 'setThreads'> & { build: string } {
  for (const lib of libs) {
    try {
      const threads = lib.func('int openblas_get_num_threads(void)')() as number;
      const build = (lib.func('const char *openblas_get_config(void)')() as string).trim();
      const setNumThreads = lib.func('void openblas_set_num_threads(int count)') as (count: number) => void;
      return { threads, build, setThreads: (count) => setNumThreads(count) };
    } catch {
      // Not this library, or not OpenBLAS (e.g. reference BLAS): no thread count to report.
    }
  }
  return { threads: undefined, build: '', setThreads: undefined };
}

function bind(koffi: typeof Koffi, lapackName: string, blasName: string): NativeLapack {
  const lapack = koffi.load(lapackName);
  const blas = blasName === lapackName ? lapack : koffi.load(blasName);
  const fn = (lib: Koffi.IKoffiLib, prototype: string): NativeFunction => lib.func(prototype) as NativeFunction;

  const dsyevd = fn(lapack,
    'void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w, ' +
      'double *work, const int *lwork, int *iwork, const int *liwork, int *info, size_t jobzLen, size_t uploLen)');
  const dsytrd = fn(lapack,
    'void dsytrd_(const char *uplo, const int *n, double *a, const int *lda, double *d, double *e, double *tau, ' +
      'double *work, const int *lwork, int *info, size_t uploLen)');
  const dormtr = fn(lapack,
    'void dormtr_(const char *side, const char *uplo, const char *trans, const int *m, const int *n, ' +
      'const double *a, const int *lda, const double *tau, double *c, const int *ldc, double *work, ' +
      'const int *lwork, int *info, size_t sideLen, size_t uploLen, size_t transLen)');
  const dstedc = fn(lapack,
    'void dstedc_(const char *compz, const int *n, double *d, double *e, double *z, const int *ldz, ' +
      'double *work, const int *lwork, int *iwork, const int *liwork, int *info, size_t compzLen)');
  const dpotrf = fn(lapack,
    'void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info, size_t uploLen)');
  const dgeqrf = fn(lapack,
    'void dgeqrf_(const int *m, const int *n, double *a, const int *lda, double *tau, double *work, ' +
      'const int *lwork, int *info)');
  const dorgqr = fn(lapack,
    'void dorgqr_(const int *m, const int *n, const int *k, double *a, const int *lda, const double *tau, ' +
      'double *work, const int *lwork, int *info)');
  const dormqr = fn(lapack,
    'void dormqr_(const char *side, const char *trans, const int *m, const int *n, const int *k, const double *a, ' +
      'const int *lda, const double *tau, double *c, const int *ldc, double *work, const int *lwork, int *info, ' +
      'size_t sideLen, size_t transLen)');
  const cblasDgemm = fn(blas,
    'void cblas_dgemm(int order, int transA, int transB, int m, int n, int k, double alpha, const double *a, ' +
      'int lda, const double *b, int ldb, double beta, double *c, int ldc)');
  const cblasSgemm = fn(blas,
    'void cblas_sgemm(int order, int transA, int transB, int m, int n, int k, float alpha, const float *a, ' +
      'int lda, const float *b, int ldb, float beta, float *c, int ldc)');
  const cblasDsyrk = fn(blas,
    'void cblas_dsyrk(int order, int uplo, int trans, int n, int k, double alpha, const double *a, int lda, ' +
      'double beta, double *c, int ldc)');
  const cblasDtrsm = fn(blas,
    'void cblas_dtrsm(int order, int side, int uplo, int transA, int diag, int m, int n, double alpha, ' +
      'const double *a, int lda, double *b, int ldb)');
  const cblasDtrmm = fn(blas,
    'void cblas_dtrmm(int order, int side, int uplo, int transA, int diag, int m, int n, double alpha, ' +
      'const double *a, int lda, double *b, int ldb)');

  const { threads, build, setThreads } = openblasControls([blas, lapack]);

  /** Workspace query (lwork = liwork = -1): the optimal sizes LAPACK reports. */
  const query = (routine: string, call: (work: Float64Array, lwork: Int32Array, iwork: Int32Array, liwork: Int32Array) => number) => {
    const work = new Float64Array(1);
    const iwork = new Int32Array(1);
    checkInfo(`${routine} (workspace query)`, call(work, int(-1), iwork, int(-1)));
    const lwork = checkSize(routine, Math.max(1, Math.ceil(work[0]!)));
    const liwork = checkSize(routine, Math.max(1, iwork[0]!));
    return { work: new Float64Array(lwork), lwork: int(lwork), iwork: new Int32Array(liwork), liwork: int(liwork) };
  };

  const libraries = realPaths([...new Set([lapackName, blasName])]);
  if (build) libraries.push(`${build}, ${threads} thread${threads === 1 ? '' : 's'} (OPENBLAS_NUM_THREADS)`);

  return {
    libraries,
    threads,
    setThreads,

    dsyevd(jobz, n, a, w) {
      const info = new Int32Array(1);
      const call = (work: Float64Array, lwork: Int32Array, iwork: Int32Array, liwork: Int32Array): number => {
        dsyevd(jobz, 'L', int(n), a, int(n), w, work, lwork, iwork, liwork, info, 1, 1);
        return info[0]!;
      };
      const ws = query('dsyevd', call);
      checkInfo('dsyevd', call(ws.work, ws.lwork, ws.iwork, ws.liwork));
    },

    dsytrd(n, a, d, e, tau) {
      const info = new Int32Array(1);
      const call = (work: Float64Array, lwork: Int32Array): number => {
        dsytrd('L', int(n), a, int(n), d, e, tau, work, lwork, info, 1);
        return info[0]!;
      };
      const ws = query('dsytrd', call);
      checkInfo('dsytrd', call(ws.work, ws.lwork));
    },

    dormtrRight(trans, m, n, a, tau, c) {
      const info = new Int32Array(1);
      const call = (work: Float64Array, lwork: Int32Array): number => {
        dormtr('R', 'L', trans, int(m), int(n), a, int(n), tau, c, int(Math.max(1, m)), work, lwork, info, 1, 1, 1);
        return info[0]!;
      };
      const ws = query('dormtr', call);
      checkInfo('dormtr', call(ws.work, ws.lwork));
    },

    dstedc(n, d, e, z) {
      const info = new Int32Array(1);
      const call = (work: Float64Array, lwork: Int32Array, iwork: Int32Array, liwork: Int32Array): number => {
        dstedc('I', int(n), d, e, z, int(n), work, lwork, iwork, liwork, info, 1);
        return info[0]!;
      };
      const ws = query('dstedc', call);
      checkInfo('dstedc', call(ws.work, ws.lwork, ws.iwork, ws.liwork));
    },

    dpotrfUpper(n, a) {
      const info = new Int32Array(1);
      dpotrf('U', int(n), a, int(n), info, 1);
      if (info[0]! < 0) checkInfo('dpotrf', info[0]!);
      return info[0]!;
    },

    dgeqrf(m, n, a, tau) {
      const info = new Int32Array(1);
      const call = (work: Float64Array, lwork: Int32Array): number => {
        dgeqrf(int(m), int(n), a, int(Math.max(1, m)), tau, work, lwork, info);
        return info[0]!;
      };
      const ws = query('dgeqrf', call);
      checkInfo('dgeqrf', call(ws.work, ws.lwork));
    },

    dorgqr(m, n, a, tau) {
      const info = new Int32Array(1);
      const call = (work: Float64Array, lwork: Int32Array): number => {
        dorgqr(int(m), int(n), int(n), a, int(Math.max(1, m)), tau, work, lwork, info);
        return info[0]!;
      };
      const ws = query('dorgqr', call);
      checkInfo('dorgqr', call(ws.work, ws.lwork));
    },

    dormqrLeft(m, k, n, a, tau, c) {
      const info = new Int32Array(1);
      const call = (work: Float64Array, lwork: Int32Array): number => {
        dormqr('L', 'N', int(m), int(k), int(n), a, int(Math.max(1, m)), tau, c, int(Math.max(1, m)), work, lwork, info, 1, 1);
        return info[0]!;
      };
      const ws = query('dormqr', call);
      checkInfo('dormqr', call(ws.work, ws.lwork));
    },

    dgemm(transA, transB, m, n, k, a, b, update) {
      const c = update?.c ?? new Float64Array(m * n);
      if (m === 0 || n === 0) return c;
      const [alpha, beta] = update ? [update.alpha, update.beta] : [1, 0];
      // BLAS skips the product when k = 0 or α = 0 and still scales C by β (β = 0 sets it to zero).
      // Leading dimensions are the stored row lengths: op(A) is m×k, so A is stored m×k or k×m.
      const lda = Math.max(1, transA ? m : k);
      const ldb = Math.max(1, transB ? k : n);
      cblasDgemm(CBLAS.rowMajor, cblasTranspose(transA), cblasTranspose(transB), m, n, k, alpha, a, lda, b, ldb, beta, c, n);
      return c;
    },

    sgemm(transA, transB, m, n, k, a, b, c, beta) {
      const lda = transA ? m : k;
      const ldb = transB ? k : n;
      cblasSgemm(CBLAS.rowMajor, cblasTranspose(transA), cblasTranspose(transB), m, n, k, 1, a, lda, b, ldb, beta, c, n);
    },

    dsyrkLower(m, k, a) {
      const c = new Float64Array(m * m);
      if (m === 0 || k === 0) return c;
      cblasDsyrk(CBLAS.rowMajor, CBLAS.lower, CBLAS.noTrans, m, k, 1, a, k, 0, c, m);
      return c;
    },

    dtrmmRightLowerTransposed(m, k, l, b) {
      if (m === 0 || k === 0) return;
      cblasDtrmm(CBLAS.rowMajor, CBLAS.right, CBLAS.lower, CBLAS.trans, CBLAS.nonUnit, m, k, 1, l, k, b, k);
    },

    dtrsmLower(trans, n, k, l, b) {
      if (n === 0 || k === 0) return;
      const op = trans ? CBLAS.trans : CBLAS.noTrans;
      cblasDtrsm(CBLAS.rowMajor, CBLAS.left, CBLAS.lower, op, CBLAS.nonUnit, n, k, 1, l, n, b, k);
    },
  };
}

let loaded: NativeLapack | Error | undefined;

/** Load and bind the system LAPACK/BLAS once per process; throws a BackendUnavailableError saying what is missing. */
export function loadNativeLapack(): NativeLapack {
  loaded ??= tryLoad();
  if (loaded instanceof Error) throw loaded;
  return loaded;
}

function tryLoad(): NativeLapack | Error {
  let koffi: typeof Koffi;
  try {
    koffi = createRequire(import.meta.url)('koffi') as typeof Koffi;
  } catch (err) {
    return new BackendUnavailableError(`the FFI package koffi could not be loaded (${(err as Error).message})`);
  }
  const failures: string[] = [];
  for (const { lapack, blas } of CANDIDATES) {
    try {
      return bind(koffi, lapack, blas);
    } catch (err) {
      failures.push(`${lapack}${blas === lapack ? '' : ` + ${blas}`}: ${(err as Error).message}`);
    }
  }
  return new BackendUnavailableError(`no usable LAPACK/BLAS shared library (${failures.join('; ')})`);
}
