// Kernels of a custom architecture: the infinite-width NNGP and NTK of a spec, against the empirical NTK of finite
// networks drawn from it. The relative gap shrinks as the width grows (about 1/√width).
import type { Matrix64 } from '@duality/linalg-core';
import { analyticKernels, buildNetwork, empiricalNtk, validateSpec, type MlpSpec } from '@duality/ntk';

const x = [[0.3, -1.2, 0.5], [1.0, 0.4, -0.7], [-0.8, 0.9, 1.1], [0.2, 0.2, 0.2]];
const specOf = (width: number): MlpSpec => ({
  inputDim: 3, hiddenWidths: [width, width, width], activation: { name: 'tanh' },
  weightStd: 1.5, biasStd: 0.2, parameterisation: 'ntk', outputDim: 1,
});
validateSpec(specOf(64)); // a bad spec throws an error naming the field and the fix

const { train } = analyticKernels(specOf(64), x); // raw kernels (no 1/n), Gauss–Hermite for tanh
console.log('analytic NTK (infinite width):');
console.log(formatRows(train.ntk.matrix));

for (const width of [64, 1024]) {
  const network = buildNetwork(specOf(width), { seed: 3 });
  const { ntk } = await empiricalNtk(network, x);
  network.dispose();
  console.log(`width ${width}: relative Frobenius gap to the limit ${relativeGap(ntk.matrix, train.ntk.matrix).toFixed(3)}`);
}

function relativeGap(a: Matrix64, b: Matrix64): number {
  let diff = 0;
  let norm = 0;
  b.data.forEach((v, i) => {
    diff += (a.data[i]! - v) ** 2;
    norm += v * v;
  });
  return Math.sqrt(diff / norm);
}

function formatRows(m: Matrix64): string {
  return m.toArray().map((row) => row.map((v) => v.toFixed(3).padStart(8)).join('')).join('\n');
}
