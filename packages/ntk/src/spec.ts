import { ACTIVATION_NAMES, type Activation, type ActivationName } from './activations.js';
import { SpecError } from './errors.js';

export type Parameterisation = 'ntk' | 'standard' | 'mup';
export const PARAMETERISATIONS: readonly Parameterisation[] = ['ntk', 'standard', 'mup'];

/**
 * A dense MLP, as plain JSON: inputDim → hiddenWidths… → outputDim, `activation` after every hidden
 * layer, none after the output. `weightStd`/`biasStd` are σ_w, σ_b (one number, or one per layer:
 * hiddenWidths.length + 1 entries). `useBias` defaults to true.
 */
export interface MlpSpec {
  inputDim: number;
  hiddenWidths: number[];
  activation: Activation;
  weightStd: number | number[];
  biasStd: number | number[];
  parameterisation: Parameterisation;
  outputDim: number;
  useBias?: boolean;
}

/**
 * One dense layer as the kernels see it: z = weightScale·(a W) + biasScale·b with stored
 * W_ij ~ N(0, weightInitStd²), b_i ~ N(0, biasInitStd²), then `activation`.
 */
export interface LayerPlan {
  fanIn: number;
  fanOut: number;
  activation: Activation;
  /** Multiplier on a·W in the forward pass (parameterisation scale). */
  weightScale: number;
  /** Multiplier on b in the forward pass; 0 when the layer has no bias. */
  biasScale: number;
  weightInitStd: number;
  biasInitStd: number;
}

/** Trainable parameters of the layers: every weight, and the biases of layers that have them. */
export function parameterCount(plans: readonly LayerPlan[]): number {
  return plans.reduce((s, p) => s + p.fanIn * p.fanOut + (p.biasScale === 0 ? 0 : p.fanOut), 0);
}

/** σ_w² of the layer's effective weights times its fan-in: Σ^l = weightVariance·K + biasVariance. */
export function effectiveWeightVariance(layer: LayerPlan): number {
  return layer.weightScale * layer.weightScale * layer.weightInitStd * layer.weightInitStd * layer.fanIn;
}

export function effectiveBiasVariance(layer: LayerPlan): number {
  return layer.biasScale * layer.biasScale * layer.biasInitStd * layer.biasInitStd;
}

const SPEC_KEYS = [
  'inputDim',
  'hiddenWidths',
  'activation',
  'weightStd',
  'biasStd',
  'parameterisation',
  'outputDim',
  'useBias',
] as const;

const EXAMPLE =
  '{ "inputDim": 8, "hiddenWidths": [512, 512], "activation": "relu", "weightStd": 1.4142, ' +
  '"biasStd": 0.1, "parameterisation": "ntk", "outputDim": 1 }';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function positiveInteger(value: unknown, field: string, fix: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new SpecError(field, `expected a positive integer, got ${JSON.stringify(value)}`, fix);
  }
  return value;
}

/**
 * Largest σ_w, σ_b accepted. Every layer multiplies Σ by about σ_w², so 1e6 (σ² = 1e12, far above the O(1) critical
 * values) already overflows float64 after ~25 layers and float32 networks after 3; beyond it nothing is finite.
 */
export const MAX_STD = 1e6;

function standardDeviations(value: unknown, field: string, layers: number, allowZero: boolean): number | number[] {
  const check = (v: unknown, where: string): number => {
    if (typeof v === 'number' && v > MAX_STD && Number.isFinite(v)) {
      throw new SpecError(where, `${v} exceeds ${MAX_STD}, where the kernels and outputs overflow`, 'use an O(1) value, e.g. 1.4142, and standardise the inputs');
    }
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (!allowZero && v === 0)) {
      throw new SpecError(
        where,
        `expected a finite ${allowZero ? 'non-negative' : 'positive'} standard deviation, got ${JSON.stringify(v)}`,
        allowZero ? 'use 0 for no bias noise, e.g. 0.1' : 'e.g. 1.4142 (√2, the ReLU critical value) or 1',
      );
    }
    return v;
  };
  if (Array.isArray(value)) {
    if (value.length !== layers) {
      throw new SpecError(
        field,
        `has ${value.length} entries but the network has ${layers} layers (hidden + output)`,
        `give one number for every layer, or a single number for all of them`,
      );
    }
    return value.map((v, i) => check(v, `${field}[${i}]`));
  }
  return check(value, field);
}

function activationFrom(value: unknown): Activation {
  const names = ACTIVATION_NAMES.join(', ');
  if (typeof value === 'string') {
    if (value === 'leaky_relu') {
      throw new SpecError('activation', 'leaky_relu needs its slope', 'write { "name": "leaky_relu", "slope": 0.1 }');
    }
    if (!(ACTIVATION_NAMES as readonly string[]).includes(value)) {
      throw new SpecError('activation', `unknown activation ${JSON.stringify(value)}`, `use one of ${names}`);
    }
    return { name: value as Exclude<ActivationName, 'leaky_relu'> };
  }
  if (isRecord(value)) {
    if (value.name === 'leaky_relu') {
      if (typeof value.slope !== 'number' || !Number.isFinite(value.slope)) {
        throw new SpecError(
          'activation.slope',
          `expected a finite number, got ${JSON.stringify(value.slope)}`,
          'e.g. 0.1 (−1 gives |x|)',
        );
      }
      return { name: 'leaky_relu', slope: value.slope };
    }
    return activationFrom(value.name);
  }
  throw new SpecError('activation', `expected a name or an object, got ${JSON.stringify(value)}`, `use one of ${names}`);
}

/** Check a JSON value against `MlpSpec`; throws a `SpecError` naming the field and the fix. */
export function validateSpec(value: unknown): MlpSpec {
  if (!isRecord(value)) throw new SpecError('(root)', 'expected an object', `e.g. ${EXAMPLE}`);
  for (const key of Object.keys(value)) {
    if (!(SPEC_KEYS as readonly string[]).includes(key)) {
      throw new SpecError(key, 'is not a spec field', `the fields are ${SPEC_KEYS.join(', ')}`);
    }
  }
  for (const key of SPEC_KEYS) {
    if (key !== 'useBias' && value[key] === undefined) {
      throw new SpecError(key, 'is missing', `e.g. ${EXAMPLE}`);
    }
  }
  const inputDim = positiveInteger(value.inputDim, 'inputDim', 'the number of input features, e.g. 8');
  if (!Array.isArray(value.hiddenWidths)) {
    throw new SpecError('hiddenWidths', `expected an array, got ${JSON.stringify(value.hiddenWidths)}`, 'e.g. [512, 512] ([] for a linear model)');
  }
  const hiddenWidths = value.hiddenWidths.map((w, i) =>
    positiveInteger(w, `hiddenWidths[${i}]`, 'every width is a positive integer, e.g. 512'),
  );
  const layers = hiddenWidths.length + 1;
  const parameterisation = value.parameterisation;
  if (typeof parameterisation !== 'string' || !(PARAMETERISATIONS as readonly string[]).includes(parameterisation)) {
    throw new SpecError(
      'parameterisation',
      `unknown parameterisation ${JSON.stringify(parameterisation)}`,
      `use one of ${PARAMETERISATIONS.join(', ')}`,
    );
  }
  if (value.useBias !== undefined && typeof value.useBias !== 'boolean') {
    throw new SpecError('useBias', `expected true or false, got ${JSON.stringify(value.useBias)}`, 'omit it for true');
  }
  return {
    inputDim,
    hiddenWidths,
    activation: activationFrom(value.activation),
    weightStd: standardDeviations(value.weightStd, 'weightStd', layers, false),
    biasStd: standardDeviations(value.biasStd, 'biasStd', layers, true),
    parameterisation: parameterisation as Parameterisation,
    outputDim: positiveInteger(value.outputDim, 'outputDim', 'the number of outputs, e.g. 1'),
    ...(value.useBias === undefined ? {} : { useBias: value.useBias }),
  };
}

function perLayer(value: number | number[], layer: number): number {
  return typeof value === 'number' ? value : value[layer]!;
}

/**
 * The layers of a spec with its parameterisation's scales (math.md §5):
 * - ntk: W, b ~ N(0, 1) stored; z = (σ_w/√N)·aW + σ_b·b.
 * - standard: W ~ N(0, σ_w²/N), b ~ N(0, σ_b²) stored; z = aW + b (TF.js Dense).
 * - mup: as ntk, but the output layer is z = (σ_w/N)·aW + σ_b·b.
 */
export function layerPlans(spec: MlpSpec): LayerPlan[] {
  const checked = validateSpec(spec);
  const widths = [checked.inputDim, ...checked.hiddenWidths, checked.outputDim];
  const useBias = checked.useBias ?? true;
  const last = widths.length - 2;
  return widths.slice(1).map((fanOut, l) => {
    const fanIn = widths[l]!;
    const sw = perLayer(checked.weightStd, l);
    const sb = perLayer(checked.biasStd, l);
    const activation: Activation = l === last ? { name: 'identity' } : checked.activation;
    if (checked.parameterisation === 'standard') {
      return {
        fanIn,
        fanOut,
        activation,
        weightScale: 1,
        biasScale: useBias ? 1 : 0,
        weightInitStd: sw / Math.sqrt(fanIn),
        biasInitStd: sb,
      };
    }
    const readoutFanScale = checked.parameterisation === 'mup' && l === last ? fanIn : Math.sqrt(fanIn);
    return {
      fanIn,
      fanOut,
      activation,
      weightScale: sw / readoutFanScale,
      biasScale: useBias ? sb : 0,
      weightInitStd: 1,
      biasInitStd: 1,
    };
  });
}
