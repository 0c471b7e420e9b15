import { eigSym, Matrix64 } from '@duality/linalg-core';
import gammainc from '@stdlib/math-base-special-gammainc';
import { chiSquareMixtureTail, type MixtureTailOptions, type TailMethod } from './chi-square-mixture.js';
import { MixedModelInputError } from './errors.js';
import { triangularFactor } from './householder.js';
import type { SpectralFit } from './spectral-fit.js';
import { weightedProjection } from './weighted-projection.js';

/** What the test projects out before testing t = 0. */
const PROJECTED_DESIGNS = ['design', 'f0', 'nothing'] as const;
export type ProjectedDesign = (typeof PROJECTED_DESIGNS)[number];

export interface ScoreTestOptions {
  /** 'design' (default when the fit has one): the fit's X; 'f0': X = f0 (published convention); 'nothing'. */
  projectOut?: ProjectedDesign;
  /** Passed to the p-value ({@link chiSquareMixtureTail}). */
  tail?: Pick<MixtureTailOptions, 'method' | 'relativeTolerance'>;
}

/** The variance-component score test of H0: t = 0 (math.md §3). */
export interface ScoreTest {
  /** S = m · wᵀMw / wᵀw (summed over outputs). Reject for large S. */
  statistic: number;
  /** m = n − p. */
  m: number;
  /** Columns projected out (p). */
  projectedColumns: number;
  /** Exact null mean E S = tr M. */
  nullMean: number;
  /** Exact null variance 2(m tr M² − (tr M)²)/(km + 2) = 2m·Σ(μ_j − μ̄)²/(km + 2) for k outputs. */
  nullVariance: number;
  /** The exact p-value P(S ≥ s | H0). */
  p: number;
  /** log p (finite where p underflows). */
  logP: number;
  method: TailMethod;
  relativeErrorEstimate: number;
  /** Satterthwaite scaled-χ² p-value (published toolkit's; anti-conservative in the tail). */
  satterthwaiteP: number;
  /** μ: eigenvalues of M = QᵀΘQ (the null weights are μ − S/m). */
  nullEigenvalues: Float64Array;
}

/**
 * Score test of t = 0. Without a design M = Θ and this costs O(n) plus the p-value. With a design X (n×p) the null
 * weights are the eigenvalues of QᵀΘQ, which equal those of Λ − VVᵀ (V = Λ^{1/2}Z R⁻¹, ZᵀZ = RᵀR, Z = UᵀX) minus
 * p zeros: the extra cost is one eigenvalues-only decomposition of an n×n matrix, bounded by the cost of the
 * eigendecomposition the fit already paid (about a third of it with LAPACK), plus O(n²p) to form it; paid once per
 * fit and projected design (later calls reuse it). On a low-rank fit the matrix is (r + b)×(r + b) (see
 * `projectedEigenvalues`).
 */
export function scoreTest(fit: SpectralFit, options: ScoreTestOptions = {}): ScoreTest {
  const projectOut = options.projectOut ?? (fit.designProjections ? 'design' : 'nothing');
  if (!PROJECTED_DESIGNS.includes(projectOut)) throw new MixedModelInputError(`unknown projectOut '${String(projectOut)}'; use ${PROJECTED_DESIGNS.join(', ')}`);
  const z =
    projectOut === 'design'
      ? requireDesign(fit.designProjections, "projectOut 'design' needs a fit with a design X")
      : projectOut === 'f0'
        ? requireDesign(fit.f0Projections, "projectOut 'f0' needs a fit with a nonzero f0")
        : undefined;
  if (z && fit.outputs !== 1 && projectOut === 'f0') {
    throw new MixedModelInputError("projectOut 'f0' is the published single-output convention; use one output");
  }
  const { n, outputs: k } = fit;
  const lambda = fit.eigenvalues;
  const residual = z ? weightedProjection(z, fit.residualProjections, new Float64Array(n)).residual : fit.residualProjections.data;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    let a = 0;
    for (let j = 0; j < k; j++) a += residual[i * k + j]! ** 2;
    num += lambda[i]! * a;
    den += a;
  }
  if (!(den > 0)) throw new MixedModelInputError('u lies entirely in the span of the design: nothing is left to test');
  const mu = z ? cachedProjectedEigenvalues(fit, z) : lambda;
  const m = mu.length;
  const statistic = (m * num) / den;
  let trace = 0;
  let trace2 = 0;
  for (const v of mu) {
    trace += v;
    trace2 += v * v;
  }
  let traceTheta = 0;
  for (const v of lambda) traceTheta += v;
  if (!(trace > 1e-12 * traceTheta)) {
    throw new MixedModelInputError(
      'the kernel has no variance outside the span of the design (tr QᵀΘQ ≈ 0): the test of t = 0 is void. ' +
        'The kernel cannot tell the rows apart beyond the fixed effects: drop columns of X that the kernel spans, or check ' +
        'the network (a bias variance that swamps the weights makes the kernel nearly constant)',
    );
  }
  const shift = statistic / m;
  const tail = chiSquareMixtureTail(
    mu.map((v) => v - shift),
    { degreesOfFreedom: k, method: options.tail?.method, relativeTolerance: options.tail?.relativeTolerance },
  );
  // Satterthwaite (math.md §3): T = S/2, κ = tr M²/(2 tr M), ν = (tr M)²/tr M², p ≈ P(χ²_ν ≥ T/κ), per output.
  const nu = (trace * trace) / trace2;
  const satterthwaiteP = gammainc((k * statistic * trace) / trace2 / 2, (k * nu) / 2, true, true);
  return {
    statistic,
    m,
    projectedColumns: z ? z.cols : 0,
    nullMean: trace,
    nullVariance: (2 * m * squaredDeviations(mu, trace / m)) / (k * m + 2),
    p: tail.p,
    logP: tail.logP,
    method: tail.method,
    relativeErrorEstimate: tail.relativeErrorEstimate,
    satterthwaiteP,
    nullEigenvalues: mu,
  };
}

/**
 * Σ(μ_j − μ̄)², so that the variance numerator m·tr M² − (tr M)² = m·Σ(μ_j − μ̄)² does not cancel when
 * the spectrum is nearly constant.
 */
function squaredDeviations(mu: Float64Array, mean: number): number {
  let sum = 0;
  for (const v of mu) sum += (v - mean) ** 2;
  return sum;
}

function requireDesign(z: Matrix64 | undefined, message: string): Matrix64 {
  if (!z) throw new MixedModelInputError(message);
  return z;
}

/** Eigenvalues of QᵀΘQ per fit and projected design: one eigendecomposition serves every later call. */
const projectedEigenvalueCache = new WeakMap<SpectralFit, Map<Matrix64, Float64Array>>();

/** The cached eigenvalues of QᵀΘQ, as a copy (callers may write to the result). */
function cachedProjectedEigenvalues(fit: SpectralFit, z: Matrix64): Float64Array {
  let byDesign = projectedEigenvalueCache.get(fit);
  if (!byDesign) {
    byDesign = new Map();
    projectedEigenvalueCache.set(fit, byDesign);
  }
  let values = byDesign.get(z);
  if (!values) {
    values = projectedEigenvalues(fit.eigenvalues, z);
    byDesign.set(z, values);
  }
  return values.slice();
}

/**
 * Eigenvalues of QᵀΘQ: those of Λ − VVᵀ without the p smallest (the zeros on col(Z)). A row of Z that is zero is a
 * zero row of V, so λ_i is an eigenvalue of Λ − VVᵀ as it is: only the rows where Z is nonzero form the dense block.
 * For a dense fit that is all n rows; for a low-rank fit r + b of them (its other rows are zero), so the test with a
 * design costs O((r + b)³ + n) there, not an n×n matrix.
 */
function projectedEigenvalues(lambda: Float64Array, z: Matrix64): Float64Array {
  const p = z.cols;
  const active: number[] = [];
  const untouched: number[] = [];
  for (let i = 0; i < z.rows; i++) {
    if (z.data.subarray(i * p, (i + 1) * p).some((v) => v !== 0)) active.push(i);
    else untouched.push(lambda[i]!);
  }
  const block = denseProjectedBlock(Float64Array.from(active, (i) => lambda[i]!), rowsOf(z, active));
  const values = Float64Array.from([...eigSym(block, { vectors: 'none' }).values, ...untouched]).sort((a, b) => b - a);
  return values.subarray(0, z.rows - p).map((x) => Math.max(0, x));
}

function rowsOf(z: Matrix64, rows: number[]): Matrix64 {
  const out = new Matrix64(rows.length, z.cols);
  rows.forEach((i, q) => out.data.set(z.row(i), q * z.cols));
  return out;
}

/** Λ − VVᵀ with V = Λ^{1/2} Z R⁻¹, ZᵀZ = RᵀR (so VVᵀ = Λ^{1/2} Z(ZᵀZ)⁻¹Zᵀ Λ^{1/2}), on the given rows. */
function denseProjectedBlock(lambda: Float64Array, z: Matrix64): Matrix64 {
  const n = z.rows;
  const p = z.cols;
  const r = triangularFactor(z.data, n, p);
  const v = new Float64Array(n * p);
  for (let i = 0; i < n; i++) {
    const scale = Math.sqrt(lambda[i]!);
    for (let j = 0; j < p; j++) {
      let s = z.data[i * p + j]!;
      for (let l = 0; l < j; l++) s -= v[i * p + l]! * r[l * p + j]!;
      v[i * p + j] = s / r[j * p + j]!;
    }
    for (let j = 0; j < p; j++) v[i * p + j]! *= scale;
  }
  const dense = new Matrix64(n, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = i === j ? lambda[i]! : 0;
      for (let l = 0; l < p; l++) s -= v[i * p + l]! * v[j * p + l]!;
      dense.data[i * n + j] = s;
      dense.data[j * n + i] = s;
    }
  }
  return dense;
}
