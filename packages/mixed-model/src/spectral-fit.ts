import { eigSym, gemm, Matrix64, toMatrix64, type MatrixLike } from '@duality/linalg-core';
import { MixedModelInputError } from './errors.js';
import { activeRows, designBasis, firstDependentColumn, projectOutDesign } from './design-basis.js';
import { projectedFromLowRank, type LowRankBasis, type LowRankKernelSpectrum } from './low-rank-fit.js';

/** A vector (one output) or an n×k matrix (k outputs). */
export type Targets = ArrayLike<number> | MatrixLike;

/** A precomputed eigendecomposition Θ = U Λ Uᵀ: either U itself, or the projections the model needs. */
export type KernelSpectrum =
  | { values: ArrayLike<number>; vectors: MatrixLike }
  | {
      values: ArrayLike<number>;
      /** c = Uᵀ(y − f0): n, or n×k. */
      residualProjections: Targets;
      /** Z = UᵀX for the fixed-effect design, n×p. */
      designProjections?: MatrixLike;
      /** UᵀΘ(X, x*)ᵀ, n×n*: for predictions at new points. */
      crossProjections?: MatrixLike;
    };

export interface SpectralFitInput {
  /** Θ (n×n), already scaled by 1/n (math.md §0). Give this, `spectrum` or `lowRank`. */
  kernel?: MatrixLike;
  /** A precomputed eigendecomposition of Θ. Give this, `kernel` or `lowRank`. */
  spectrum?: KernelSpectrum;
  /**
   * A low-rank spectrum (math.md §6): r eigenpairs of Θ and one shared eigenvalue ρ for the other n − r directions
   * (e.g. from `lowRankSpectrum(F)` of a Nyström factor). No n×n matrix is formed anywhere. Give this, `kernel` or
   * `spectrum`.
   */
  lowRank?: LowRankKernelSpectrum;
  /** Targets y: n, or n×k. Required except with a projections-only spectrum. */
  y?: Targets;
  /** Network output at initialisation, same shape as y; default 0 (an analytic kernel). */
  f0?: Targets;
  /** Fixed-effect design X (n×p, full column rank, p < n): intercept, covariates, or f0 itself. */
  design?: MatrixLike;
  /**
   * Θ(x*, X) (n*×n) for predictions at new points, projected in the same pass as everything else (with `lowRank`:
   * onto U_r only, exact when its rows lie in the span of U_r, as a Nyström cross-kernel's do).
   */
  crossKernel?: MatrixLike;
  /** Eigenvalues below −tolerance·λ1 make the kernel "not PSD" (default max(1e-9, 100·n·ε)). */
  negativeEigenvalueTolerance?: number;
}

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

function isMatrixLike(v: Targets): v is MatrixLike {
  return !(ArrayBuffer.isView(v) || (Array.isArray(v) && (v.length === 0 || typeof v[0] === 'number')));
}

/** A vector or matrix as an n-row Matrix64, validated (finite, n rows). */
export function asColumns(v: Targets, n: number | undefined, what: string): Matrix64 {
  const m = isMatrixLike(v) ? toMatrix64(v) : Matrix64.column(v as ArrayLike<number>);
  if (n !== undefined && m.rows !== n) {
    throw new MixedModelInputError(`${what} has ${m.rows} rows but the kernel has n = ${n}; lengths must match`);
  }
  for (let k = 0; k < m.data.length; k++) {
    if (!Number.isFinite(m.data[k]!)) {
      throw new MixedModelInputError(
        `${what} has a non-finite entry ${m.data[k]} at row ${Math.floor(k / m.cols)}; remove or impute NaN/Infinity`,
      );
    }
  }
  return m;
}

function hstack(blocks: Matrix64[]): Matrix64 {
  const rows = blocks[0]!.rows;
  const cols = blocks.reduce((s, b) => s + b.cols, 0);
  const out = new Matrix64(rows, cols);
  for (let i = 0; i < rows; i++) {
    let offset = 0;
    for (const b of blocks) {
      out.data.set(b.row(i), i * cols + offset);
      offset += b.cols;
    }
  }
  return out;
}

function columnsOf(m: Matrix64, from: number, count: number): Matrix64 {
  const out = new Matrix64(m.rows, count);
  for (let i = 0; i < m.rows; i++) out.data.set(m.data.subarray(i * m.cols + from, i * m.cols + from + count), i * count);
  return out;
}

/** The fit's inputs as n-row matrices, checked against each other. */
interface CheckedInputs {
  n: number;
  y?: Matrix64;
  f0?: Matrix64;
  /** u = y − f0. */
  residual?: Matrix64;
  design?: Matrix64;
  /** Θ(x*, X)ᵀ (n×n*). */
  crossT?: Matrix64;
  f0Nonzero: boolean;
}

/** What the spectrum gives: the eigenvalues and the projections onto the eigenvectors. */
interface Projected {
  values: Float64Array;
  c: Matrix64;
  z?: Matrix64;
  cross?: Matrix64;
  f0Projections?: Matrix64;
  expand?: (v: Matrix64) => Matrix64;
  eigenvectors?: Matrix64;
  lowRankBasis?: LowRankBasis;
}

/** n: the kernel's order, the spectrum's length, or the rows of the low-rank vectors. */
function pointCount(input: SpectralFitInput, kernel: Matrix64 | undefined): number {
  if (kernel && kernel.cols !== kernel.rows) throw new MixedModelInputError(`kernel must be square, got ${kernel.rows}×${kernel.cols}`);
  if (kernel) return kernel.rows;
  if (input.spectrum) return input.spectrum.values.length;
  return toMatrix64(input.lowRank!.vectors).rows;
}

function checkedInputs(input: SpectralFitInput, n: number): CheckedInputs {
  if (n < 3) throw new MixedModelInputError(`fitSpectral: n = ${n} points; the model needs at least 3`);
  const projectionsOnly = input.spectrum !== undefined && !('vectors' in input.spectrum);
  if (input.y === undefined && !projectionsOnly) throw new MixedModelInputError('fitSpectral: targets `y` are required');
  const y = input.y === undefined ? undefined : asColumns(input.y, n, 'y');
  const f0 = input.f0 === undefined ? undefined : asColumns(input.f0, n, 'f0');
  if (y && f0 && f0.cols !== y.cols) throw new MixedModelInputError(`f0 has ${f0.cols} outputs but y has ${y.cols}; they must match`);
  const residual = y ? y.clone() : undefined;
  if (residual && f0) for (let k = 0; k < residual.data.length; k++) residual.data[k]! -= f0.data[k]!;
  const design = input.design === undefined ? undefined : asColumns(input.design, n, 'design X');
  const cross = input.crossKernel === undefined ? undefined : toMatrix64(input.crossKernel);
  if (cross && cross.cols !== n) {
    throw new MixedModelInputError(`crossKernel Θ(x*, X) has ${cross.cols} columns but n = ${n}; it must be n*×n`);
  }
  const crossT = cross ? asColumns(cross.transpose(), n, 'crossKernel') : undefined;
  return { n, y, f0, residual, design, crossT, f0Nonzero: f0 !== undefined && f0.data.some((v) => v !== 0) };
}

/** The columns projected in one pass: [u | f0 (when nonzero) | X | Θ(x*, X)ᵀ (when `withCross`)]. */
function stackedColumns(inputs: CheckedInputs, withCross: boolean): Matrix64 {
  const { residual, f0, design, crossT, f0Nonzero } = inputs;
  return hstack([residual!, ...(f0Nonzero ? [f0!] : []), ...(design ? [design] : []), ...(crossT && withCross ? [crossT] : [])]);
}

/** The projections of the stacked columns split back into c, Uᵀf0, Z and (when stacked) the cross-kernel's. */
function splitColumns(projections: Matrix64, inputs: CheckedInputs): Pick<Projected, 'c' | 'f0Projections' | 'z' | 'cross'> {
  const { residual, f0, design, crossT, f0Nonzero } = inputs;
  let offset = 0;
  const take = (count: number) => {
    const m = columnsOf(projections, offset, count);
    offset += count;
    return m;
  };
  const c = take(residual!.cols);
  const f0Projections = f0Nonzero ? take(f0!.cols) : undefined;
  const z = design ? take(design.cols) : undefined;
  const cross = crossT && offset < projections.cols ? take(crossT.cols) : undefined;
  return { c, f0Projections, z, cross };
}

/** One eigendecomposition of Θ, with u, f0, X and the cross-kernel projected in the same pass. */
function projectedFromKernel(kernel: Matrix64, inputs: CheckedInputs): Projected {
  if (kernel.cols !== inputs.n) throw new MixedModelInputError(`kernel must be square, got ${kernel.rows}×${kernel.cols}`);
  const eig = eigSym(kernel, { vectors: stackedColumns(inputs, true), expandable: true });
  return { values: Float64Array.from(eig.values), ...splitColumns(eig.projections!, inputs), expand: (v) => eig.expand(v) };
}

/** A low-rank spectrum: [u | f0 | X] in the basis [U_r, Q] (low-rank-fit.ts), the cross-kernel on U_r. */
function projectedFromLowRankSpectrum(spectrum: LowRankKernelSpectrum, inputs: CheckedInputs): Projected {
  const low = projectedFromLowRank(spectrum, stackedColumns(inputs, false), inputs.crossT);
  const { c, f0Projections, z } = splitColumns(low.coordinates, inputs);
  return { values: low.values, c, f0Projections, z, cross: low.cross, expand: low.expand, lowRankBasis: low.basis };
}

/** The spectrum and projections from whichever of kernel, spectrum and lowRank was given. */
function projected(input: SpectralFitInput, kernel: Matrix64 | undefined, inputs: CheckedInputs): Projected {
  if (kernel) return projectedFromKernel(kernel, inputs);
  if (input.spectrum) return projectedFromSpectrum(input.spectrum, inputs);
  return projectedFromLowRankSpectrum(input.lowRank!, inputs);
}

/** A given spectrum: with its eigenvectors (projections formed here) or with the projections themselves. */
function projectedFromSpectrum(spectrum: KernelSpectrum, inputs: CheckedInputs): Projected {
  const { n, residual, f0, design, crossT, f0Nonzero } = inputs;
  const values = Float64Array.from(spectrum.values);
  if ('vectors' in spectrum) {
    const U = toMatrix64(spectrum.vectors);
    if (U.rows !== n || U.cols !== n) throw new MixedModelInputError(`spectrum.vectors must be n×n = ${n}×${n}, got ${U.rows}×${U.cols}`);
    const project = (b: Matrix64) => gemm(U, b, { transA: true });
    return {
      values,
      c: project(residual!),
      z: design ? project(design) : undefined,
      cross: crossT ? project(crossT) : undefined,
      f0Projections: f0Nonzero ? project(f0!) : undefined,
      expand: (v) => gemm(U, v),
      eigenvectors: U,
    };
  }
  if (design) throw new MixedModelInputError('with a projections-only spectrum give designProjections (UᵀX), not design');
  return {
    values,
    c: asColumns(spectrum.residualProjections, n, 'spectrum.residualProjections'),
    z: spectrum.designProjections ? asColumns(spectrum.designProjections, n, 'spectrum.designProjections') : undefined,
    cross: spectrum.crossProjections ? asColumns(spectrum.crossProjections, n, 'spectrum.crossProjections') : undefined,
  };
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
  const { c, z } = spectral;
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
