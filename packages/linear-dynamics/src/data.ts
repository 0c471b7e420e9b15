import {
  LinearDynamicsInputError,
  MAX_DATA_SCALE,
  requireAtMost,
  requireNonNegative,
  requirePositive,
  requirePositiveInteger,
} from './errors.js';

/**
 * One eigen-direction group of the input covariance: a fraction `weight` of the D input directions has
 * covariance eigenvalue `eigenvalue` (λ_k) and target coefficients β*_k ~ N(0, targetVariance) (s_k).
 */
export interface DataMode {
  weight: number;
  eigenvalue: number;
  targetVariance: number;
}

/**
 * Inputs x ~ N(0, Λ), targets y = β*·x/√D + noise·ε. The weights of the modes sum to 1; the test loss is
 * Σ_k weight_k λ_k Δ_k² + noise² (spec §1.1).
 */
export interface DataModel {
  modes: readonly DataMode[];
  noise: number;
}

/**
 * How samples are drawn. `repeated`: one fixed set of P = samplesPerDim·D samples, full-batch GD.
 * `online`: a fresh batch of B = batchPerDim·D samples every step (one-pass SGD).
 * `population`: the exact population gradient (the α → ∞ limit of either).
 */
export type Sampling =
  | { kind: 'repeated'; samplesPerDim: number }
  | { kind: 'online'; batchPerDim: number }
  | { kind: 'population' };

export function isotropicData({ noise = 0, targetVariance = 1 }: { noise?: number; targetVariance?: number } = {}): DataModel {
  return mixtureData([{ weight: 1, eigenvalue: 1, targetVariance }], noise);
}

/**
 * Power-law features on K modes of weight 1/K: λ_k = k^(−capacity), so the largest eigenvalue is 1, and
 * λ_k s_k ∝ k^(−capacity·source − 1), scaled so that the target's signal Σ_k λ_k s_k / K is 1.
 * `source` < 1 is a hard task. (The paper calls these exponents α and β.)
 */
export function powerLawData({
  modes,
  capacity,
  source,
  noise = 0,
}: {
  modes: number;
  capacity: number;
  source: number;
  noise?: number;
}): DataModel {
  requirePositiveInteger(modes, 'powerLawData: modes');
  requirePositive(capacity, 'powerLawData: capacity');
  requirePositive(source, 'powerLawData: source');
  const signalExponent = capacity * source + 1;
  let signalSum = 0;
  for (let k = 1; k <= modes; k++) signalSum += k ** -signalExponent;
  const list: DataMode[] = [];
  for (let k = 1; k <= modes; k++) {
    const eigenvalue = k ** -capacity;
    const signal = (modes * k ** -signalExponent) / signalSum;
    list.push({ weight: 1 / modes, eigenvalue, targetVariance: signal / eigenvalue });
  }
  return mixtureData(list, noise);
}

/** A data model from explicit modes; checks them. */
export function mixtureData(modes: readonly DataMode[], noise = 0): DataModel {
  return validateDataModel({ modes, noise });
}

const RESCALE = 'rescale the data so the largest eigenvalue is about 1 and the target signal about 1';

/**
 * The one check of a data model, run where a model is consumed (a hand-built DataModel skips mixtureData): modes
 * non-empty, weights > 0 summing to 1, 0 < λ ≤ MAX_DATA_SCALE, 0 ≤ s ≤ MAX_DATA_SCALE, 0 ≤ noise ≤ MAX_DATA_SCALE.
 */
export function validateDataModel(data: DataModel): DataModel {
  if (typeof data !== 'object' || data === null || !Array.isArray(data.modes)) {
    throw new LinearDynamicsInputError('data must be a DataModel { modes, noise }: build one with isotropicData, powerLawData or mixtureData');
  }
  const { modes, noise } = data;
  if (modes.length === 0) throw new LinearDynamicsInputError('a data model needs at least one mode');
  let total = 0;
  modes.forEach((m, i) => {
    requirePositive(m.weight, `mode ${i} weight`);
    requirePositive(m.eigenvalue, `mode ${i} eigenvalue`);
    requireNonNegative(m.targetVariance, `mode ${i} targetVariance`);
    requireAtMost(m.eigenvalue, MAX_DATA_SCALE, `mode ${i} eigenvalue`, RESCALE);
    requireAtMost(m.targetVariance, MAX_DATA_SCALE, `mode ${i} targetVariance`, RESCALE);
    total += m.weight;
  });
  if (Math.abs(total - 1) > 1e-9) {
    throw new LinearDynamicsInputError(`mode weights must sum to 1, got ${total}: divide each weight by ${total}`);
  }
  requireNonNegative(noise, 'noise');
  requireAtMost(noise, MAX_DATA_SCALE, 'noise', RESCALE);
  return data;
}

const SAMPLING_KINDS = ['repeated', 'online', 'population'];

/** Validates a sampling scheme and returns its sample ratio (P/D or B/D; Infinity for population). */
export function samplesPerDim(sampling: Sampling): number {
  const kind = (sampling as { kind?: unknown } | undefined)?.kind;
  if (typeof kind !== 'string' || !SAMPLING_KINDS.includes(kind)) {
    throw new LinearDynamicsInputError(
      `sampling must be { kind: ${SAMPLING_KINDS.map((k) => `'${k}'`).join(' | ')}, … }, got kind ${JSON.stringify(kind)}`,
    );
  }
  if (sampling.kind === 'population') return Infinity;
  const ratio = sampling.kind === 'repeated' ? sampling.samplesPerDim : sampling.batchPerDim;
  requirePositive(ratio, sampling.kind === 'repeated' ? 'samplesPerDim' : 'batchPerDim');
  return ratio;
}

/**
 * The per-direction spectrum of a D-dimensional input: direction j belongs to the mode whose cumulative
 * weight interval contains (j + ½)/D, so a mode of weight w gets w·D directions (rounded).
 */
export function directionSpectrum(
  data: DataModel,
  inputDim: number,
): { eigenvalues: Float64Array; targetVariances: Float64Array } {
  requirePositiveInteger(inputDim, 'inputDim');
  const eigenvalues = new Float64Array(inputDim);
  const targetVariances = new Float64Array(inputDim);
  let mode = 0;
  let upper = data.modes[0]!.weight;
  for (let j = 0; j < inputDim; j++) {
    const position = (j + 0.5) / inputDim;
    while (position > upper && mode < data.modes.length - 1) {
      mode++;
      upper += data.modes[mode]!.weight;
    }
    eigenvalues[j] = data.modes[mode]!.eigenvalue;
    targetVariances[j] = data.modes[mode]!.targetVariance;
  }
  return { eigenvalues, targetVariances };
}
