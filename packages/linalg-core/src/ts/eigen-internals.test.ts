import { describe, expect, it } from 'vitest';
import { randomSymmetric } from '../test-utils.js';
import { RotationLog, applyRotations, applyRotationsTransposed } from './rotations.js';
import { diagonalizeTridiagonal } from './tridiagonal-qr.js';
import { applyQ, applyQTransposed, tridiagonalize } from './tridiagonal.js';

describe('tridiagonalize', () => {
  const n = 30;
  const a = randomSymmetric(n, 51);
  const t = tridiagonalize(a.data.slice(), n);

  it('gives Qᵀ A Q = T with Q orthogonal', () => {
    const qt = new Float64Array(n * n);
    for (let i = 0; i < n; i++) qt[i * n + i] = 1;
    applyQTransposed(t, qt, n);
    // Qᵀ A Q = (Qᵀ (Qᵀ A)ᵀ)ᵀ with A symmetric; build it through applyQTransposed on A's columns.
    const qta = a.data.slice();
    applyQTransposed(t, qta, n);
    let worst = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0; // (Qᵀ A Q)_ij = Σ_k (QᵀA)_ik Q_kj = Σ_k (QᵀA)_ik (Qᵀ)_jk
        for (let k = 0; k < n; k++) s += qta[i * n + k]! * qt[j * n + k]!;
        const tij = i === j ? t.d[i]! : Math.abs(i - j) === 1 ? t.e[Math.min(i, j)]! : 0;
        worst = Math.max(worst, Math.abs(s - tij));
      }
    }
    expect(worst).toBeLessThan(1e-13 * n);
  });

  it('applies Q to many columns in blocks exactly as reflector by reflector', () => {
    const size = 150;
    const big = tridiagonalize(randomSymmetric(size, 53).data.slice(), size);
    const cols = 70; // blocked: at least 64 columns; each half of 35 goes reflector by reflector
    const x = randomSymmetric(size, 54).data.slice(0, size * cols);
    const blocked = x.slice();
    applyQ(big, blocked, cols);
    for (const [from, width] of [[0, 35], [35, 35]] as const) {
      const part = new Float64Array(size * width);
      for (let i = 0; i < size; i++) part.set(x.subarray(i * cols + from, i * cols + from + width), i * width);
      applyQ(big, part, width);
      for (let i = 0; i < size; i++) {
        for (let c = 0; c < width; c++) {
          expect(Math.abs(part[i * width + c]! - blocked[i * cols + from + c]!)).toBeLessThan(1e-13);
        }
      }
    }
  });

  it('applyQ undoes applyQTransposed', () => {
    const x = randomSymmetric(n, 52).data.slice(0, n * 3);
    const y = x.slice();
    applyQTransposed(t, y, 3);
    applyQ(t, y, 3);
    for (let k = 0; k < x.length; k++) expect(Math.abs(y[k]! - x[k]!)).toBeLessThan(1e-13);
  });
});

describe('diagonalizeTridiagonal', () => {
  it('finds the known spectrum 2 − 2cos(kπ/(n+1)) of the discrete Laplacian, with or without shifts given', () => {
    const n = 64;
    const expected = Float64Array.from({ length: n }, (_, k) => 2 - 2 * Math.cos(((k + 1) * Math.PI) / (n + 1)));
    for (const known of [null, expected]) {
      const d = new Float64Array(n).fill(2);
      const e = new Float64Array(n - 1).fill(-1);
      diagonalizeTridiagonal(d, e, null, known);
      d.sort();
      for (let k = 0; k < n; k++) expect(Math.abs(d[k]! - expected[k]!)).toBeLessThan(1e-13);
    }
  });

  it('logs rotations that diagonalise: P T Pᵀ = Λ', () => {
    const n = 12;
    const d0 = Float64Array.from({ length: n }, (_, i) => Math.sin(i + 1));
    const e0 = Float64Array.from({ length: n - 1 }, (_, i) => Math.cos(3 * i) + 0.1);
    const d = d0.slice();
    const log = new RotationLog(4);
    diagonalizeTridiagonal(d, e0.slice(), { log, chunk: Infinity, flush: () => undefined });
    // Rows of Y = P·I are eigenvectors of T: T yᵢ = dᵢ yᵢ.
    const y = new Float64Array(n * n);
    for (let i = 0; i < n; i++) y[i * n + i] = 1;
    applyRotations(log, y, n, n);
    for (let i = 0; i < n; i++) {
      for (let r = 0; r < n; r++) {
        const ty =
          d0[r]! * y[i * n + r]! + (r > 0 ? e0[r - 1]! * y[i * n + r - 1]! : 0) + (r < n - 1 ? e0[r]! * y[i * n + r + 1]! : 0);
        expect(Math.abs(ty - d[i]! * y[i * n + r]!)).toBeLessThan(1e-14 * n);
      }
    }
    applyRotationsTransposed(log, y, n, n);
    for (let k = 0; k < n * n; k++) expect(Math.abs(y[k]! - (k % (n + 1) === 0 ? 1 : 0))).toBeLessThan(1e-14 * n);
  });
});
