import type { MlpSpec } from '@duality/ntk';
import { loadBundledDataset, prepareDesign, type Design } from '@duality/tabular';

/** The bundled real regression tasks the real-data suites run. */
export const REAL_DATASETS = ['cars', 'seattle-weather', 'gapminder'];

/** Two hidden ReLU layers: the infinite-width NTK of a small MLP on the standardised features. */
export function realKernelSpec(inputDim: number): MlpSpec {
  return { inputDim, hiddenWidths: [512, 512], activation: { name: 'relu' }, weightStd: Math.SQRT2, biasStd: 0.1, parameterisation: 'ntk', outputDim: 1 };
}

/** A bundled task as the CLI loads it: its default target and features, standardised, an 80/20 split with `seed`. */
export async function bundledDesign(dataset: string, seed: number): Promise<Design> {
  const data = await loadBundledDataset(dataset);
  return prepareDesign(data.table, { target: data.target, features: data.features, seed, testFraction: 0.2 });
}
