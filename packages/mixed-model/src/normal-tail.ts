import erfc from '@stdlib/math-base-special-erfc';

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** log φ(w): the log standard normal density. */
export function logNormalDensity(w: number): number {
  return -0.5 * w * w - LOG_SQRT_2PI;
}

/** Φ̄(w) = P(N(0,1) ≥ w). */
export function normalUpperTail(w: number): number {
  return 0.5 * erfc(w / Math.SQRT2);
}

/**
 * Mills ratio R(w) = Φ̄(w)/φ(w) for w ≥ 0, accurate where Φ̄ itself underflows: erfc below w = 3, the
 * Laplace continued fraction R = 1/(w + 1/(w + 2/(w + 3/(w + …)))) above (modified Lentz).
 */
export function millsRatio(w: number): number {
  if (w < 3) return normalUpperTail(w) / Math.exp(logNormalDensity(w));
  const tiny = 1e-300;
  let f = w;
  let C = w;
  let D = 0;
  for (let k = 1; k < 500; k++) {
    D = w + k * D;
    D = D === 0 ? tiny : 1 / D;
    C = w + k / C;
    if (C === 0) C = tiny;
    const delta = C * D;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return 1 / f;
}
