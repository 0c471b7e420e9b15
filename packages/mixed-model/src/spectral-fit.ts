import { toMatrix64, type Matrix64 } from '@duality/linalg-core';
import { MixedModelInputError } from './errors.js';
import { activeRows, designBasis, firstDependentColumn, independentColumns, keptColumns, projectOutDesign } from './design-basis.js';
import { checkedInputs, pointCount, projected, type SpectralFitInput } from './fit-inputs.js';
import type { LowRankBasis } from './low-rank-fit.js';

/** Everything the random-effects model needs, from one eigendecomposition (math.md §0). */
export interface SpectralFit {
  readonly n: number;
  /** k: number of outputs. */
  readonly outputs: number;
  /** λ_i, clipped at 0 (order as given; descending from a kernel). */
  readonly eigenvalues: Float64Array;
  /** The most negative eigenvalue before clipping (0 if none). */
  readonly mostNegativeEigenvalue: number;
  /** c = Uᵀu, u = y − f0 (n×k). */
  readonly residualProjections: Matrix64;
  /** Z = UᵀX (n×p) when a design was given. */
  readonly designProjections?: Matrix64;
  /** With dependentDesignColumns 'drop': the columns of X kept (ascending); Z holds those alone. */
  readonly designColumns?: Int32Array;
  /** X itself (n × every column given) when a design was given: leave-one-out on a low-rank fit reads its rows. */
  readonly design?: Matrix64;
  /** Uᵀf0 (n×k) when f0 was given (for the published parity mode). */
  readonly f0Projections?: Matrix64;
  /**
   * UᵀΘ(X, x*)ᵀ when a cross-kernel was given: n×n*, or fewer rows when the rest are zero (a low-rank fit keeps its
   * r rows: a Nyström cross-kernel has no weight on the other directions).
   */
  readonly crossProjections?: Matrix64;
  readonly y?: Matrix64;
  readonly f0?: Matrix64;
  /** U·V (needs U or the kernel's expandable eigendecomposition). */
  readonly expand?: (v: Matrix64) => Matrix64;
  /** U itself when it was given (spectrum.vectors); a fit from the kernel never forms it (see `expand`). */
  readonly eigenvectors?: Matrix64;
  /**
   * A fit from a low-rank spectrum: eigenvalues λ_1..λ_r then n − r copies of ρ, and projections whose rows past
   * r + b are zero (b = columns of [u | f0 | X]); the coordinates refer to this basis.
   */
  readonly lowRankBasis?: LowRankBasis;
}

/**
 * Build the spectral fit: validate, eigendecompose Θ once (projections of u, f0, X and the cross-kernel in the
 * same pass), clip tiny negative eigenvalues. From `lowRank`, O(n(r + b)) memory and O(n r(r + b)) time, and every
 * statistic equals the dense one for Θ = U_r Λ_r U_rᵀ + ρ(I − U_rU_rᵀ) (see low-rank-fit.ts). Throws
 * {@link MixedModelInputError} naming any bad input.
 */
export function fitSpectral(input: SpectralFitInput): SpectralFit {
  const given = [input.kernel, input.spectrum, input.lowRank].filter((v) => v !== undefined).length;
  if (given !== 1) {
    throw new MixedModelInputError(
      'fitSpectral: give exactly one of `kernel` (Θ, scaled by 1/n), `spectrum` or `lowRank` (r eigenpairs of Θ)',
    );
  }
  const kernel = input.kernel === undefined ? undefined : toMatrix64(input.kernel);
  const inputs = checkedInputs(input, pointCount(input, kernel));
  const spectral = projected(input, kernel, inputs);
  const { eigenvalues, mostNegative } = clipEigenvalues(spectral.values, input.negativeEigenvalueTolerance);
  const { c } = spectral;
  const kept = spectral.z && input.dependentDesignColumns === 'drop' ? independentColumns(designBasis(spectral.z)) : undefined;
  const z = kept && spectral.z && kept.length < spectral.z.cols ? keptColumns(spectral.z, kept) : spectral.z;
  if (c.data.every((v) => v === 0)) throw new MixedModelInputError('u = y − f0 is identically zero: there is nothing to fit (check y and f0)');
  assertInScale(c.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0), 'y − f0 (its largest projection on the eigenvectors)', 'rescale y (standardise it: the test and the stopping times do not depend on its scale)');
  if (z) {
    assertFullColumnRank(z);
    assertResidualOutsideDesign(c, z);
  }
  return {
    n: inputs.n,
    outputs: c.cols,
    eigenvalues,
    mostNegativeEigenvalue: mostNegative,
    residualProjections: c,
    designProjections: z,
    ...(kept ? { designColumns: kept } : {}),
    design: inputs.design,
    f0Projections: spectral.f0Projections,
    crossProjections: spectral.cross,
    y: inputs.y,
    f0: inputs.f0,
    expand: spectral.expand,
    eigenvectors: spectral.eigenvectors,
    lowRankBasis: spectral.lowRankBasis,
  };
}

/**
 * Where the statistics stay exact in float64: they square targets and multiply by eigenvalues and n, and
 * (10⁷⁵)² · 10⁷⁵ · n stays below 10³⁰⁸ (and the mirror image above 10⁻³⁰⁸) for any n a machine can hold.
 */
const SCALE_LIMIT = 1e75;

function assertInScale(magnitude: number, what: string, fix: string): void {
  if (magnitude > SCALE_LIMIT || magnitude < 1 / SCALE_LIMIT) {
    throw new MixedModelInputError(`${what} is ${magnitude.toPrecision(3)}, outside [1e-75, 1e75] where the statistics stay exact in float64; ${fix}`);
  }
}

function clipEigenvalues(values: Float64Array, tolerance: number | undefined): { eigenvalues: Float64Array; mostNegative: number } {
  const n = values.length;
  let top = 0;
  let mostNegative = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) throw new MixedModelInputError(`eigenvalue ${i} is ${v}; the kernel must be finite`);
    top = Math.max(top, v);
    mostNegative = Math.min(mostNegative, v);
  }
  if (!(top > 0)) {
    throw new MixedModelInputError(
      mostNegative < 0
        ? `the kernel is not positive semi-definite: no eigenvalue is positive and the smallest is ${mostNegative.toPrecision(4)}; check that Θ is a Gram matrix`
        : 'the kernel has no positive eigenvalue (Θ = 0?): nothing can be learned',
    );
  }
  assertInScale(top, 'the kernel’s largest eigenvalue λ1', 'rescale Θ by a constant c (p-values do not change; times scale by 1/c)');
  const relative = tolerance ?? Math.max(1e-9, 100 * n * Number.EPSILON);
  if (mostNegative < -relative * top) {
    throw new MixedModelInputError(
      `the kernel is not positive semi-definite: eigenvalue ${mostNegative.toPrecision(4)} is below ` +
        `−${relative.toPrecision(2)}·λ1 = ${(-relative * top).toPrecision(4)}; check that Θ is a Gram matrix ` +
        `(symmetric, float64) or raise negativeEigenvalueTolerance if it is rounding`,
    );
  }
  return { eigenvalues: values.map((v) => Math.max(0, v)), mostNegative };
}

/** X of full column rank, checked on Z = UᵀX through its thin QR (design-basis.ts), which the test reuses. */
function assertFullColumnRank(z: Matrix64): void {
  const { rows: n, cols: p } = z;
  if (p >= n) throw new MixedModelInputError(`design X has p = ${p} columns but n = ${n}; the model needs p < n`);
  const active = activeRows(z).length;
  const j = active < p ? active : firstDependentColumn(designBasis(z));
  if (j >= 0) {
    throw new MixedModelInputError(
      `design X is rank-deficient: column ${j} is (numerically) a combination of columns 0..${j - 1} ` +
        `(or zero); drop it or reparametrise`,
    );
  }
}

function assertResidualOutsideDesign(c: Matrix64, z: Matrix64): void {
  const residual = projectOutDesign(designBasis(z), c).data;
  let left = 0;
  let total = 0;
  for (let q = 0; q < c.data.length; q++) {
    left += residual[q]! ** 2;
    total += c.data[q]! ** 2;
  }
  if (left <= 1e-20 * total) {
    throw new MixedModelInputError(
      'u = y − f0 lies in the column span of the design X: no residual is left to estimate a variance from; ' +
        'drop columns of X or check y',
    );
  }
}
