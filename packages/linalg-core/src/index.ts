export { Matrix64, toMatrix64, type MatrixLike } from './matrix.js';
export {
  DualityError,
  LinalgInputError,
  LinalgNumericalError,
  NotPositiveDefiniteError,
  BackendUnavailableError,
  EnvironmentVariableError,
  environmentChoice,
  errorKind,
  type ErrorKind,
} from './errors.js';
export {
  availableBackends,
  backendInfo,
  setBackend,
  type BackendChoice,
  type BackendInfo,
  type BackendName,
} from './backend.js';
export { eigSym, type EigSymOptions, type SymmetricEigen } from './eigen.js';
export { cholesky, choleskySolve, lowerTransposedProduct, lowerTriangularSolve, solveSpd } from './cholesky.js';
/** Thin Householder QR of a tall matrix (native dgeqrf/dorgqr/dormqr or TypeScript), with Q formed or kept as reflectors. */
export { householderQr, qrTriangle, thinQr, type HouseholderQr, type ThinQr } from './qr.js';
/** The spectrum of F Fᵀ from a thin factor F (n×r) in O(n r²), never forming the n×n matrix (math.md §6). */
export { lowRankSpectrum, type LowRankSpectrum, type LowRankSpectrumOptions } from './low-rank.js';
export { gemm, syrk, type GemmOptions } from './products.js';
export { loadFloat32Gemm, type Float32Gemm, type NativeFloat32Gemm } from './float32-gemm.js';
export {
  applySpectral,
  applySpectralToProjections,
  spectralMatrix,
  type SpectralMap,
} from './spectral.js';
export { assertSymmetricInput } from './validate.js';
export { normalGenerator, seededPermutation, uniformGenerator } from './random.js';
