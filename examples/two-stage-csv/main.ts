// The two-stage decision on a CSV file: should this network train on these data, and for how many steps?
// Usage: pnpm start [file.csv] [target]   (default: data/flats.csv, price)
import { fileURLToPath } from 'node:url';
import { buildNetwork } from '@duality/ntk';
import { prepareDesign, readTable } from '@duality/tabular';
import { analyzeTwoStage } from '@duality/trainer';

const file = process.argv[2] ?? fileURLToPath(new URL('./data/flats.csv', import.meta.url));
const target = process.argv[3] ?? 'price';

// One-hot text columns, fill missing cells with the training rows' medians, standardise with the training split's statistics.
const design = prepareDesign(await readTable(file), { target, testFraction: 0.2, seed: 1 });
console.log(`${design.train.x.rows} training rows, features: ${design.featureNames.join(', ')}`);
console.log(`rows dropped for a missing target: ${design.droppedMissing}; cells imputed: ${design.missing.imputed.reduce((s, c) => s + c.train + c.test, 0)}`);

const network = buildNetwork(
  {
    inputDim: design.train.x.cols, hiddenWidths: [128, 128], activation: { name: 'relu' },
    weightStd: Math.SQRT2, biasStd: 0.1, parameterisation: 'ntk', outputDim: 1,
  },
  { seed: 1 },
);
try {
  // The network's NTK and f0 at initialisation, one eigendecomposition, the score test and REML.
  const { decision, learningRate, rule, ruleSteps } = await analyzeTwoStage(network, design.train.x, design.train.y);
  console.log(`score test of t = 0: p = ${decision.test.p.toExponential(2)} (${decision.test.method})`);
  if (!decision.train) {
    console.log('training is not warranted: the kernel explains nothing the noise does not');
  } else {
    console.log(`stage 2 (${rule}, the default: exact leave-one-out): ${decision.rule.outcome}, t̂ = ${decision.rule.time.toFixed(3)}`);
    console.log(`train ${ruleSteps} steps at learning rate ${learningRate} (t = η·k); REML, the paper's rule, would stop at t̂ = ${decision.reml.time.toFixed(3)}`);
  }
} finally {
  network.dispose();
}
