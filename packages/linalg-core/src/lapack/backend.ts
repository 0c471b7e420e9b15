import type { LinalgBackend } from '../backend-types.js';
import { eigenAll, eigenProjections } from './eigen.js';
import { mirrorLowerToUpper } from './layout.js';
import { loadNativeLapack, type NativeLapack } from './native.js';
import { lapackHouseholderQr, lapackQrTriangle, lapackThinQr } from './qr.js';

function lapackBackend(lapack: NativeLapack): LinalgBackend {
  return {
    name: 'lapack',

    eigSym(a, n, request) {
      if (request === 'all' || request === 'none') return eigenAll(lapack, a, n, request === 'all');
      return eigenProjections(lapack, a, n, request.rhs, request.cols, request.keepBasis);
    },

    cholesky(a, n) {
      // Row-major lower L is column-major upper Lᵀ: dpotrf('U') on the same memory factors A = L·Lᵀ.
      const factor = a.slice();
      const failedPivot = lapack.dpotrfUpper(n, factor);
      if (failedPivot > 0) {
        // dpotrf leaves the failing Schur-complement pivot on the diagonal.
        const pivot = failedPivot - 1;
        return { pivot, value: factor[pivot * n + pivot]! };
      }
      // The row-major upper triangle (column-major lower) still holds A: clear it.
      for (let i = 0; i < n; i++) factor.fill(0, i * n + i + 1, (i + 1) * n);
      return { factor };
    },

    choleskySolve(factor, n, b, k) {
      const x = b.slice();
      lapack.dtrsmLower(false, n, k, factor, x);
      lapack.dtrsmLower(true, n, k, factor, x);
      return x;
    },

    lowerSolveInPlace(factor, n, b, k) {
      lapack.dtrsmLower(false, n, k, factor, b);
    },

    lowerTransposedProductInPlace(factor, k, b, m) {
      lapack.dtrmmRightLowerTransposed(m, k, factor, b);
    },

    gemm(a, aRows, aCols, transA, b, bRows, bCols, transB, update) {
      const m = transA ? aCols : aRows;
      const k = transA ? aRows : aCols;
      const n = transB ? bRows : bCols;
      return lapack.dgemm(transA, transB, m, n, k, a, b, update);
    },

    syrk(a, m, k) {
      const c = lapack.dsyrkLower(m, k, a);
      mirrorLowerToUpper(c, m);
      return c;
    },

    thinQr: (a, rows, cols, into) => lapackThinQr(lapack, a, rows, cols, into),
    qrTriangle: (a, rows, cols) => lapackQrTriangle(lapack, a, rows, cols),
    householderQr: (a, rows, cols) => lapackHouseholderQr(lapack, a, rows, cols),
  };
}

let cached: { backend: LinalgBackend; libraries: string[] } | undefined;

/**
 * The native LAPACK backend (system liblapack.so.3 + libblas.so.3, or libopenblas.so.0, through
 * koffi). Throws an Error naming what is missing when no library loads.
 */
export function loadLapackBackend(): { backend: LinalgBackend; libraries: string[] } {
  if (!cached) {
    const lapack = loadNativeLapack();
    cached = { backend: lapackBackend(lapack), libraries: lapack.libraries };
  }
  return { backend: cached.backend, libraries: [...cached.libraries] };
}
