import { validateSpec, type InitialOutput, type MlpSpec } from '@duality/ntk';

/**
 * The network Duality trains when the user names none: the CLI's option defaults and the benchmarks of the user path
 * read it from here. Standard parameterisation (what TF.js and PyTorch layers hold), He scale σ_w = √2 for ReLU at
 * every layer including the output, and the centred network (math.md §0.1), so f0 ≡ 0 whatever the scale.
 */
export const NETWORK_DEFAULTS = {
  hiddenWidths: [256, 256],
  activation: 'relu',
  weightStd: Math.SQRT2,
  biasStd: 0.1,
  parameterisation: 'standard',
  initialOutput: 'zero',
} as const satisfies {
  hiddenWidths: readonly number[];
  activation: 'relu';
  weightStd: number;
  biasStd: number;
  parameterisation: MlpSpec['parameterisation'];
  initialOutput: InitialOutput;
};

/** The default network's spec for `inputDim` inputs (optionally other hidden widths). */
export function defaultNetworkSpec(inputDim: number, hiddenWidths: readonly number[] = NETWORK_DEFAULTS.hiddenWidths): MlpSpec {
  // validateSpec names any problem with the field it is in (inputDim 0, a width of 2.5).
  return validateSpec({
    inputDim,
    hiddenWidths: [...hiddenWidths],
    activation: { name: NETWORK_DEFAULTS.activation },
    weightStd: NETWORK_DEFAULTS.weightStd,
    biasStd: NETWORK_DEFAULTS.biasStd,
    parameterisation: NETWORK_DEFAULTS.parameterisation,
    outputDim: 1,
  });
}
