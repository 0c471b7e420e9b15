import type { LinalgBackend } from '../backend-types.js';
import { cholesky, choleskySolve, gemm, lowerSolveInPlace, lowerTransposedProductInPlace, syrk } from './dense.js';
import { eigSym } from './eigen.js';
import { householderQr, qrTriangle, thinQr } from './qr.js';

/** Pure TypeScript kernels: no native code, any platform Node runs on. */
export const tsBackend: LinalgBackend = { name: 'ts', eigSym, cholesky, choleskySolve, lowerSolveInPlace, lowerTransposedProductInPlace, gemm, syrk, thinQr, qrTriangle, householderQr };
