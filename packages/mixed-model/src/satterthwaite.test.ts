import { Matrix64 } from '@duality/linalg-core';
import { describe, expect, it } from 'vitest';
import { scoreTest } from './score-test.js';
import { fitSpectral } from './spectral-fit.js';

// Satterthwaite's moment matching (math.md §3.4) redone independently of the package: tr M and tr M² from the
// kernel's entries in exact rational arithmetic (BigInt), never from an eigendecomposition, and the scaled χ² tail
// from this file's own incomplete gamma function (series and continued fraction), not @stdlib's.

type Rational = { num: bigint; den: bigint };

/** A rational as the nearest double, to about 1e-17 relative (numerator and denominator are exact integers). */
function toNumber({ num, den }: Rational): number {
  const negative = num < 0n !== den < 0n;
  const [a, b] = [num < 0n ? -num : num, den < 0n ? -den : den];
  const digits = BigInt(Math.max(0, 40 - (a / b).toString().length));
  const value = Number((a * 10n ** digits) / b) / 10 ** Number(digits);
  return negative ? -value : value;
}

/** A small integer kernel Θ = BᵀB (PSD), with B's entries in −3..3 from a fixed linear congruential stream. */
function integerKernel(n: number, seed: number): bigint[][] {
  let state = seed;
  const next = () => ((state = (state * 1103515245 + 12345) % 2 ** 31), (state % 7) - 3);
  const b = Array.from({ length: n }, () => Array.from({ length: n }, next));
  return Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, j) => BigInt(b.reduce((s, row) => s + row[i]! * row[j]!, 0))),
  );
}

/** n·P·v for P = I − 11ᵀ/n (the intercept projection), exactly: n·v − 1·Σv; or v itself for P = I. */
function projected(v: bigint[], intercept: boolean): bigint[] {
  if (!intercept) return v;
  const n = BigInt(v.length);
  const sum = v.reduce((s, x) => s + x, 0n);
  return v.map((x) => n * x - sum);
}

/** tr M, tr M² and S for M = QᵀΘQ (Q spanning the complement of the intercept, or everything), exactly. */
function exactMoments(theta: bigint[][], targets: bigint[][], intercept: boolean) {
  const n = theta.length;
  const scale = intercept ? BigInt(n) : 1n;
  // A = n·PΘ (or Θ): its columns are n·P applied to Θ's columns (Θ is symmetric, so rows serve).
  const columns = theta.map((row) => projected(row, intercept));
  const a = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => columns[j]![i]!));
  let traceA = 0n;
  let traceA2 = 0n;
  for (let i = 0; i < n; i++) {
    traceA += a[i]![i]!;
    for (let j = 0; j < n; j++) traceA2 += a[i]![j]! * a[j]![i]!;
  }
  // tr M = tr PΘ = tr A / scale, tr M² = tr (PΘ)² = tr A² / scale² (P is idempotent).
  const trace = { num: traceA, den: scale };
  const trace2 = { num: traceA2, den: scale * scale };
  // S = m·Σ_k wᵀMw / Σ_k wᵀw with w = Qᵀu: uᵀPΘPu / uᵀPu, the scale cancelling in the ratio.
  let quadratic = 0n;
  let squares = 0n;
  for (const u of targets) {
    const v = projected(u, intercept);
    for (let i = 0; i < n; i++) {
      squares += v[i]! * v[i]!;
      for (let j = 0; j < n; j++) quadratic += v[i]! * theta[i]![j]! * v[j]!;
    }
  }
  const m = BigInt(intercept ? n - 1 : n);
  return { trace, trace2, statistic: { num: m * quadratic, den: squares } };
}

/** ln Γ(a) by Lanczos (g = 7, 9 terms; relative error about 1e-15 for a > 0). */
function logGamma(a: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (a < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * a)) - logGamma(1 - a);
  const z = a - 1;
  let sum = c[0]!;
  for (let i = 1; i < 9; i++) sum += c[i]! / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** Q(a, x) = Γ(a, x)/Γ(a): the series for P below x = a + 1, Lentz's continued fraction above. */
function upperGammaRegularised(a: number, x: number): number {
  const prefactor = Math.exp(a * Math.log(x) - x - logGamma(a));
  if (x < a + 1) {
    let term = 1 / a;
    let sum = term;
    for (let k = 1; k < 1000 && Math.abs(term) > 1e-17 * Math.abs(sum); k++) sum += (term *= x / (a + k));
    return 1 - prefactor * sum;
  }
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    d = Math.abs(d) < tiny ? tiny : d;
    c = b + an / c;
    c = Math.abs(c) < tiny ? tiny : c;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return prefactor * h;
}

const relative = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describe('Satterthwaite against an independent moment match', () => {
  const n = 16;
  const theta = integerKernel(n, 11);
  const digits = (seed: number) => Array.from({ length: n }, (_, i) => BigInt(((i * seed + 3) % 11) - 5));
  const y = [digits(7), digits(5)];
  // Θ³e₁ lies mostly along Θ's leading eigenvector: a large S, p in the tail.
  const times = (v: bigint[]) => theta.map((row) => row.reduce((s, t, j) => s + t * v[j]!, 0n));
  const signal = [times(times(theta[0]!))];
  const cases = [
    { name: 'no fixed effects, one output', intercept: false, targets: y.slice(0, 1), tail: false },
    { name: 'an intercept projected out, one output', intercept: true, targets: y.slice(0, 1), tail: false },
    { name: 'an intercept projected out, two outputs (χ² on kν degrees)', intercept: true, targets: y, tail: false },
    { name: 'a target along the kernel, p in the tail', intercept: true, targets: signal, tail: true },
  ];
  for (const { name, intercept, targets, tail } of cases) {
    it(`κ, ν and p agree: ${name}`, () => {
      const outputs = targets.length;
      const kernel = new Matrix64(n, n, Float64Array.from(theta.flat(), Number));
      const yMatrix = new Matrix64(n, outputs, Float64Array.from({ length: n * outputs }, (_, i) => Number(targets[i % outputs]![Math.floor(i / outputs)]!)));
      const design = intercept ? Matrix64.column(new Float64Array(n).fill(1)) : undefined;
      const test = scoreTest(fitSpectral({ kernel, y: yMatrix, ...(design ? { design } : {}) }));

      const exact = exactMoments(theta, targets, intercept);
      const trace = toNumber(exact.trace);
      const trace2 = toNumber(exact.trace2);
      const statistic = toNumber(exact.statistic);
      const kappa = trace2 / (2 * trace);
      const nu = (trace * trace) / trace2;
      // P(χ²_{kν} ≥ k·T/κ) with T = S/2: independent incomplete gamma.
      const p = upperGammaRegularised((outputs * nu) / 2, (outputs * statistic) / 2 / kappa / 2);

      // Float64 eigenvalues against exact traces: relative error a few n·ε·λ1/tr M; 1e-11 leaves room, no more.
      expect(relative(test.nullMean, trace)).toBeLessThan(1e-11);
      expect(relative(test.statistic, statistic)).toBeLessThan(1e-11);
      expect(relative(test.satterthwaiteScale, kappa)).toBeLessThan(1e-11);
      expect(relative(test.satterthwaiteDegrees, nu)).toBeLessThan(1e-11);
      // The tail multiplies x's relative error by about x·|d log Q/dx|, under 100 here: 1e-9.
      expect(p).toBeGreaterThan(tail ? 1e-12 : 0.1);
      expect(p).toBeLessThan(tail ? 0.01 : 1);
      expect(relative(test.satterthwaiteP, p)).toBeLessThan(1e-9);
    });
  }

  it('the independent incomplete gamma reproduces closed forms at integer a (series and continued fraction)', () => {
    for (const x of [0.1, 1, 3, 20]) expect(relative(upperGammaRegularised(1, x), Math.exp(-x))).toBeLessThan(1e-13);
    // Q(2, x) = (1 + x)e^−x, Q(3, x) = (1 + x + x²/2)e^−x.
    for (const x of [0.5, 2.5, 8, 40]) {
      expect(relative(upperGammaRegularised(2, x), (1 + x) * Math.exp(-x))).toBeLessThan(1e-13);
      expect(relative(upperGammaRegularised(3, x), (1 + x + (x * x) / 2) * Math.exp(-x))).toBeLessThan(1e-13);
    }
  });
});
