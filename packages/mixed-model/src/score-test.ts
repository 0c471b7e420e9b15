import { eigSym, gemm, Matrix64, syrk } from '@duality/linalg-core';
import gammainc from '@stdlib/math-base-special-gammainc';
import { chiSquareMixtureTail, type MixtureTailOptions, type TailMethod } from './chi-square-mixture.js';
import { MixedModelInputError } from './errors.js';
import { designBasis, projectOutDesign } from './design-basis.js';
import type { SpectralFit } from './spectral-fit.js';

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
  /** Satterthwaite's scale κ = tr M²/(2 tr M): T = S/2 ≈ κ·χ²_ν under H0 (math.md §3). */
  satterthwaiteScale: number;
  /** Satterthwaite's degrees of freedom ν = (tr M)²/tr M², per output (k outputs: χ²_{kν} for k·T/κ). */
  satterthwaiteDegrees: number;
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
  const residual = z ? projectOutDesign(designBasis(z), fit.residualProjections).data : fit.residualProjections.data;
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
  const kappa = trace2 / (2 * trace);
  const nu = (trace * trace) / trace2;
  // P(χ²_{kν} ≥ k·T/κ) = Q(kν/2, k·T/(2κ)), the regularised upper incomplete gamma function.
  const satterthwaiteP = gammainc((k * statistic) / (4 * kappa), (k * nu) / 2, true, true);
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
    satterthwaiteScale: kappa,
    satterthwaiteDegrees: nu,
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
    values = fit.lowRankBasis ? lowRankProjectedEigenvalues(fit.eigenvalues, fit.lowRankBasis.vectors.cols, z) : projectedEigenvalues(fit.eigenvalues, z);
    byDesign.set(z, values);
  }
  return values.slice();
}

/**
 * Eigenvalues of QᵀΘQ on a dense fit: those of Λ^{1/2}PΛ^{1/2} = Λ − VVᵀ (V = Λ^{1/2}Q_Z, Q_Z the thin QR basis of
 * Z) without the p smallest (the zeros on col(Z)); math.md §7.3. A row of Z that is zero is a zero row of V, so λ_i
 * is an eigenvalue as it is: only the rows where Z is nonzero form the dense block. O(n²p) in one BLAS product plus
 * one eigenvalues-only decomposition.
 */
function projectedEigenvalues(lambda: Float64Array, z: Matrix64): Float64Array {
  const p = z.cols;
  const { rows: active, q } = designBasis(z);
  const isActive = new Uint8Array(z.rows);
  for (const i of active) isActive[i] = 1;
  const untouched: number[] = [];
  for (let i = 0; i < z.rows; i++) if (!isActive[i]) untouched.push(lambda[i]!);
  const v = q.clone();
  active.forEach((i, row) => {
    const scale = Math.sqrt(lambda[i]!);
    for (let j = 0; j < p; j++) v.data[row * p + j]! *= scale;
  });
  const block = syrk(v);
  active.forEach((i, row) => {
    for (let j = 0; j < active.length; j++) block.data[row * active.length + j] = -block.data[row * active.length + j]!;
    block.data[row * active.length + row]! += lambda[i]!;
  });
  const values = Float64Array.from([...eigSym(block, { vectors: 'none' }).values, ...untouched]).sort((a, b) => b - a);
  return values.subarray(0, z.rows - p).map((x) => Math.max(0, x));
}

/**
 * Eigenvalues of QᵀΘQ on a low-rank fit (math.md §6, §7.3): Θ = ρI + E S Eᵀ with E the first r coordinates and
 * S = diag(λ_j − ρ), so QᵀΘQ = ρI_m + A S Aᵀ with A = QᵀE, whose nonzero eigenvalues are those of G S Gᵀ for any
 * G with GᵀG = AᵀA = I_r − BBᵀ, B the first r rows of Q_Z. Hence r eigenvalues ρ + eig(G S Gᵀ) and m − r copies of ρ
 * (for ρ = 0: the eigenvalues of (PF)ᵀ(PF) and m − r zeros). O(r²p + r³): no (r + b)-square matrix.
 */
function lowRankProjectedEigenvalues(lambda: Float64Array, r: number, z: Matrix64): Float64Array {
  const n = z.rows;
  const p = z.cols;
  const m = n - p;
  const rho = lambda[r] ?? 0;
  const { rows: active, q } = designBasis(z);
  // B: the rows of Q_Z among the first r coordinates (the others of those rows are zero).
  const b = new Matrix64(r, p);
  active.forEach((i, row) => {
    if (i < r) b.data.set(q.data.subarray(row * p, (row + 1) * p), i * p);
  });
  const h = syrk(b);
  for (let j = 0; j < r * r; j++) h.data[j] = -h.data[j]!;
  for (let j = 0; j < r; j++) h.data[j * r + j]! += 1;
  // G = Γ^{1/2}Vᵀ from H = VΓVᵀ (H is PSD; a symmetric root survives a singular H where Cholesky would not).
  const eig = eigSym(h, { vectors: 'all' });
  const vectors = eig.vectors!;
  const g = new Matrix64(r, r);
  for (let a = 0; a < r; a++) {
    const root = Math.sqrt(Math.max(0, eig.values[a]!));
    for (let j = 0; j < r; j++) g.data[a * r + j] = root * vectors.data[j * r + a]! * Math.sqrt(Math.abs(lambda[j]! - rho));
  }
  // G S Gᵀ = (G|S|^{1/2}) sign(S) (G|S|^{1/2})ᵀ; S ≥ 0 unless ρ exceeds a computed eigenvalue.
  const signs = Float64Array.from({ length: r }, (_, j) => (lambda[j]! >= rho ? 1 : -1));
  const signed = g.clone();
  for (let a = 0; a < r; a++) for (let j = 0; j < r; j++) signed.data[a * r + j]! *= signs[j]!;
  const small = eigSym(gemm(signed, g, { transB: true }), { vectors: 'none' }).values;
  // With m < r, A S Aᵀ (m×m) has only m eigenvalues: drop the r − m nearest 0.
  const kept = Array.from(small).sort((x, y) => Math.abs(y) - Math.abs(x)).slice(0, Math.min(r, m));
  const values = new Float64Array(m).fill(rho);
  kept.forEach((v, j) => (values[j] = rho + v));
  return values.sort((x, y) => y - x).map((x) => Math.max(0, x));
}
