import { eigSym, gemm, Matrix64, toMatrix64, type MatrixLike } from '@duality/linalg-core';
import { MixedModelInputError } from './errors.js';
import { projectedFromLowRank, type LowRankBasis, type LowRankKernelSpectrum } from './low-rank-fit.js';

/*
 * The spectral fit's inputs (math.md §0): y, f0, X and Θ(x*, X) checked against each other, and projected onto Θ's
 * eigenvectors in one pass, from a kernel, a given spectrum or a low-rank one. spectral-fit.ts builds the fit on this.
 */

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
   * A column of X that the columns before it span: 'refuse' (default) names it in an error; 'drop' leaves it out
   * (the fit's `designColumns` lists those kept), judged on the same thin QR the fit forms anyway, so a caller need
   * not factor an n×p design of its own first.
   */
  dependentDesignColumns?: 'refuse' | 'drop';
  /**
   * Θ(x*, X) (n*×n) for predictions at new points, projected in the same pass as everything else (with `lowRank`:
   * onto U_r only, exact when its rows lie in the span of U_r, as a Nyström cross-kernel's do).
   */
  crossKernel?: MatrixLike;
  /** Eigenvalues below −tolerance·λ1 make the kernel "not PSD" (default max(1e-9, 100·n·ε)). */
  negativeEigenvalueTolerance?: number;
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

/** Blocks of the same rows side by side. */
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

/** Columns [from, from + count) of m, whose rows from `nonzeroRows` on are zero (left untouched in the copy). */
function columnsOf(m: Matrix64, from: number, count: number, nonzeroRows = m.rows): Matrix64 {
  const out = new Matrix64(m.rows, count);
  for (let i = 0; i < nonzeroRows; i++) out.data.set(m.data.subarray(i * m.cols + from, i * m.cols + from + count), i * count);
  return out;
}

/** The fit's inputs as n-row matrices, checked against each other. */
export interface CheckedInputs {
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
export interface Projected {
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
export function pointCount(input: SpectralFitInput, kernel: Matrix64 | undefined): number {
  if (kernel && kernel.cols !== kernel.rows) throw new MixedModelInputError(`kernel must be square, got ${kernel.rows}×${kernel.cols}`);
  if (kernel) return kernel.rows;
  if (input.spectrum) return input.spectrum.values.length;
  return toMatrix64(input.lowRank!.vectors).rows;
}

export function checkedInputs(input: SpectralFitInput, n: number): CheckedInputs {
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

/**
 * The projections of the stacked columns split back into c, Uᵀf0, Z and (when stacked) the cross-kernel's; rows from
 * `nonzeroRows` on are zero (a low-rank fit's past r + b).
 */
function splitColumns(projections: Matrix64, inputs: CheckedInputs, nonzeroRows?: number): Pick<Projected, 'c' | 'f0Projections' | 'z' | 'cross'> {
  const { residual, f0, design, crossT, f0Nonzero } = inputs;
  let offset = 0;
  const take = (count: number) => {
    const m = columnsOf(projections, offset, count, nonzeroRows);
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
  const { c, f0Projections, z } = splitColumns(low.coordinates, inputs, low.basis.vectors.cols + low.basis.complement.cols);
  return { values: low.values, c, f0Projections, z, cross: low.cross, expand: low.expand, lowRankBasis: low.basis };
}

/** The spectrum and projections from whichever of kernel, spectrum and lowRank was given. */
export function projected(input: SpectralFitInput, kernel: Matrix64 | undefined, inputs: CheckedInputs): Projected {
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
