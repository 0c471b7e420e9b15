import { MixedModelInputError } from './errors.js';

/**
 * Training time: continuous time t = η·k (a number), or discrete gradient descent with learning rate η for k
 * full-batch steps, where e^{−tλ} becomes (1 − ηλ)^k (math.md §1).
 */
export type TrainingTime = number | { learningRate: number; steps: number };

/** log of each direction's residual decay factor: −tλ_i, or k·log1p(−ηλ_i). */
export function logDecayFactors(eigenvalues: Float64Array, time: TrainingTime): Float64Array {
  const n = eigenvalues.length;
  const out = new Float64Array(n);
  if (typeof time === 'number') {
    if (!(time >= 0)) throw new MixedModelInputError(`training time t = ${time}; it must be ≥ 0 (t = η·k)`);
    // λ = 0 never decays, also at t = ∞ (where −t·λ would be NaN).
    for (let i = 0; i < n; i++) out[i] = eigenvalues[i]! === 0 ? 0 : -time * eigenvalues[i]!;
    return out;
  }
  const { learningRate: eta, steps } = time;
  if (!(eta > 0) || !Number.isFinite(eta)) throw new MixedModelInputError(`learning rate η = ${eta}; it must be positive`);
  if (!(steps >= 0) || !Number.isFinite(steps)) throw new MixedModelInputError(`steps k = ${steps}; it must be ≥ 0`);
  let top = 0;
  for (let i = 0; i < n; i++) top = Math.max(top, eigenvalues[i]!);
  if (eta * top >= 1) {
    throw new MixedModelInputError(
      `learning rate η = ${eta} gives ηλ1 = ${(eta * top).toPrecision(4)} ≥ 1: the discrete-time model ` +
        `u ~ N(0, σ²(I − ηΘ)^−k) needs η < 1/λ1 = ${(1 / top).toPrecision(4)} (gradient descent itself diverges ` +
        `beyond η = 2/λ1 = ${(2 / top).toPrecision(4)}); lower η or use continuous time t = η·k`,
    );
  }
  for (let i = 0; i < n; i++) out[i] = steps * Math.log1p(-eta * eigenvalues[i]!);
  return out;
}

/** Continuous-time equivalent t = η·k (the limit of φ at λ = 0). */
export function timeEquivalent(time: TrainingTime): number {
  return typeof time === 'number' ? time : time.learningRate * time.steps;
}

/** φ(λ_i) = (1 − decay_i)/λ_i (= t at λ = 0), with expm1 so small tλ keeps its digits. */
export function filterFactors(eigenvalues: Float64Array, logDecay: Float64Array, time: TrainingTime): Float64Array {
  const t = timeEquivalent(time);
  return eigenvalues.map((lambda, i) => (lambda > 0 ? -Math.expm1(logDecay[i]!) / lambda : t));
}
