import { Matrix64, normalGenerator } from '@duality/linalg-core';

export { normalGenerator };


/** A random orthogonal n×n matrix (Gram–Schmidt twice on Gaussian columns). */
export function randomOrthogonal(n: number, seed: number): Matrix64 {
  const normal = normalGenerator(seed);
  const q = new Matrix64(n, n);
  for (let j = 0; j < n; j++) {
    const v = Float64Array.from({ length: n }, normal);
    for (let pass = 0; pass < 2; pass++) {
      for (let l = 0; l < j; l++) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += q.data[i * n + l]! * v[i]!;
        for (let i = 0; i < n; i++) v[i]! -= dot * q.data[i * n + l]!;
      }
    }
    const norm = Math.hypot(...v);
    for (let i = 0; i < n; i++) q.data[i * n + j] = v[i]! / norm;
  }
  return q;
}

/** U·diag(f(λ))·Uᵀ densely. */
export function spectralFunction(u: Matrix64, values: ArrayLike<number>, f: (lambda: number) => number): Matrix64 {
  const n = u.rows;
  const out = new Matrix64(n, n);
  for (let l = 0; l < n; l++) {
    const s = f(values[l]!);
    for (let i = 0; i < n; i++) {
      const a = u.data[i * n + l]! * s;
      for (let j = 0; j < n; j++) out.data[i * n + j]! += a * u.data[j * n + l]!;
    }
  }
  return out;
}

/** A·B densely. */
export function multiply(a: Matrix64, b: Matrix64): Matrix64 {
  const out = new Matrix64(a.rows, b.cols);
  for (let i = 0; i < a.rows; i++) {
    for (let l = 0; l < a.cols; l++) {
      const x = a.data[i * a.cols + l]!;
      for (let j = 0; j < b.cols; j++) out.data[i * b.cols + j]! += x * b.data[l * b.cols + j]!;
    }
  }
  return out;
}

/**
 * One-hidden-layer ReLU NTK (NTK parameterisation, σ_w = 1, σ_b = 0) on Gaussian inputs, scaled by 1/n
 * (math.md §5): Θ = (1/n)[Σ¹·Σ̇² + Σ²] with the arc-cosine closed forms.
 */
export function reluNtk(n: number, d: number, seed: number): Matrix64 {
  const normal = normalGenerator(seed);
  const x = Array.from({ length: n }, () => Array.from({ length: d }, normal));
  const theta = new Matrix64(n, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let xy = 0;
      let xx = 0;
      let yy = 0;
      for (let l = 0; l < d; l++) {
        xy += x[i]![l]! * x[j]![l]!;
        xx += x[i]![l]! ** 2;
        yy += x[j]![l]! ** 2;
      }
      const s1 = xy / d;
      const q = Math.sqrt((xx / d) * (yy / d));
      const angle = Math.acos(Math.max(-1, Math.min(1, s1 / q)));
      const s2 = (q * (Math.sin(angle) + (Math.PI - angle) * Math.cos(angle))) / (2 * Math.PI);
      const s2dot = (Math.PI - angle) / (2 * Math.PI);
      const value = (s1 * s2dot + s2) / n;
      theta.data[i * n + j] = value;
      theta.data[j * n + i] = value;
    }
  }
  return theta;
}

/** Dense Cholesky L (lower) of an SPD matrix, for brute-force references. */
export function denseCholesky(a: Matrix64): Matrix64 {
  const n = a.rows;
  const l = new Matrix64(n, n);
  for (let j = 0; j < n; j++) {
    let s = a.data[j * n + j]!;
    for (let k = 0; k < j; k++) s -= l.data[j * n + k]! ** 2;
    const d = Math.sqrt(s);
    l.data[j * n + j] = d;
    for (let i = j + 1; i < n; i++) {
      let t = a.data[i * n + j]!;
      for (let k = 0; k < j; k++) t -= l.data[i * n + k]! * l.data[j * n + k]!;
      l.data[i * n + j] = t / d;
    }
  }
  return l;
}

/** log|A| for SPD A. */
export function denseLogDet(a: Matrix64): number {
  const l = denseCholesky(a);
  let s = 0;
  for (let i = 0; i < a.rows; i++) s += 2 * Math.log(l.data[i * a.rows + i]!);
  return s;
}

/** A⁻¹B for SPD A (two triangular solves). */
export function denseSolve(a: Matrix64, b: Matrix64): Matrix64 {
  const n = a.rows;
  const l = denseCholesky(a);
  const x = b.clone();
  for (let c = 0; c < b.cols; c++) {
    for (let i = 0; i < n; i++) {
      let s = x.data[i * b.cols + c]!;
      for (let k = 0; k < i; k++) s -= l.data[i * n + k]! * x.data[k * b.cols + c]!;
      x.data[i * b.cols + c] = s / l.data[i * n + i]!;
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = x.data[i * b.cols + c]!;
      for (let k = i + 1; k < n; k++) s -= l.data[k * n + i]! * x.data[k * b.cols + c]!;
      x.data[i * b.cols + c] = s / l.data[i * n + i]!;
    }
  }
  return x;
}

/** Maximise f on [lo, hi] by golden section. */
export function goldenMaximum(f: (x: number) => number, lo: number, hi: number, iterations = 200): number {
  const r = (Math.sqrt(5) - 1) / 2;
  let a = lo;
  let b = hi;
  for (let i = 0; i < iterations && b - a > 1e-14 * Math.max(1, Math.abs(a)); i++) {
    const x1 = b - r * (b - a);
    const x2 = a + r * (b - a);
    if (f(x1) >= f(x2)) b = x2;
    else a = x1;
  }
  return 0.5 * (a + b);
}
