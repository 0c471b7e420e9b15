import { normalGenerator } from '@duality/linalg-core';
import { analyticKernels, buildNetwork, type MlpSpec } from '@duality/ntk';
import { trainTwoStage } from '@duality/trainer';
import type { BenchContext, BenchSuite, BenchTable, Invariant } from '../harness.js';
import { kernelRules, RULES, type KernelRulesResult, type RuleName } from '../kernel-path.js';
import { CANDIDATE_RULES, ruleChoiceTable, type RuleChoiceCell } from '../rule-choice.js';
import { medianQuartiles } from '../statistics.js';
import { INPUT_DIM, TRUE_FUNCTIONS } from '../true-functions.js';
import { pathRuleBeatsOracle } from './path-oracle.js';

/** Two hidden ReLU layers, the infinite-width NTK of the network the trainer would build. */
const KERNEL_SPEC: MlpSpec = {
  inputDim: INPUT_DIM,
  hiddenWidths: [512, 512],
  activation: { name: 'relu' },
  weightStd: Math.SQRT2,
  biasStd: 0.1,
  parameterisation: 'ntk',
  outputDim: 1,
};

interface Replicate {
  truth: string;
  noise: number;
  n: number;
  seed: number;
  result: KernelRulesResult;
}

function replicate(truth: (typeof TRUE_FUNCTIONS)[number], noise: number, n: number, nTest: number, seed: number): Replicate {
  const normal = normalGenerator(seed);
  const draw = (rows: number) => Array.from({ length: rows }, () => Array.from({ length: INPUT_DIM }, normal));
  const x = draw(n);
  const xTest = draw(nTest);
  const trainTruth = Float64Array.from(x, truth.f);
  const y = trainTruth.map((v) => v + noise * normal());
  const kernels = analyticKernels(KERNEL_SPEC, x, { xTest });
  const result = kernelRules({
    rawTrain: kernels.train.ntk.matrix,
    rawCross: kernels.test!.ntk.matrix,
    y,
    testTargets: Float64Array.from(xTest, truth.f),
    trainTruth,
    validationSeed: seed,
  });
  return { truth: truth.name, noise, n, seed, result };
}

interface NetworkRun {
  truth: string;
  seed: number;
  width: number;
  rejects: boolean;
  steps: Record<'reml' | 'loo' | 'gcv' | 'validation' | 'oracle', number>;
  /** The network's test risk (against f*) at each rule's stop (NaN where the run did not reach it), and the least on its recorded curve. */
  risk: Record<'reml' | 'loo' | 'gcv' | 'validation' | 'bestOnCurve', number>;
  /** The kernel model's predicted test risk at the REML stop. */
  kernelRiskAtReml: number;
}

/**
 * A real finite-width network trained by trainTwoStage (empirical NTK, exact test, REML, validation comparator) with
 * f*(x*) as the test targets, so its test losses are risks against the true function (½·MSE, doubled here).
 */
async function networkRun(truth: (typeof TRUE_FUNCTIONS)[number], n: number, width: number, maxSteps: number, seed: number): Promise<NetworkRun> {
  const normal = normalGenerator(seed);
  const draw = (rows: number) => Array.from({ length: rows }, () => Array.from({ length: INPUT_DIM }, normal));
  const x = draw(n);
  const xTest = draw(200);
  const y = x.map((row) => truth.f(row) + 0.5 * normal());
  const network = buildNetwork({ ...KERNEL_SPEC, hiddenWidths: [width, width] }, { seed });
  try {
    const { report, network: stopped } = await trainTwoStage(network, x, y, {
      test: { x: xTest, y: xTest.map(truth.f) },
      maxSteps,
      seed,
      curvePoints: 30,
      // The comparators are the point here: validation early stopping, and the network measured along the whole curve.
      compare: ['validation', 'horizon'],
    });
    stopped.dispose();
    const stop = (rule: 'reml' | 'loo' | 'gcv' | 'validation' | 'oracle') => report.stops.find((s) => s.rule === rule)!;
    const risk = (rule: 'reml' | 'loo' | 'gcv' | 'validation') => 2 * (stop(rule).testLoss ?? NaN);
    const curveRisks = report.curves.filter((c) => c.testLoss !== undefined).map((c) => 2 * c.testLoss!);
    return {
      truth: truth.name,
      seed,
      width,
      rejects: report.test.reject,
      steps: { reml: stop('reml').steps, loo: stop('loo').steps, gcv: stop('gcv').steps, validation: stop('validation').steps, oracle: stop('oracle').steps },
      risk: { reml: risk('reml'), loo: risk('loo'), gcv: risk('gcv'), validation: risk('validation'), bestOnCurve: Math.min(...curveRisks, risk('validation')) },
      kernelRiskAtReml: 2 * stop('reml').kernelTestLoss!,
    };
  } finally {
    network.dispose();
  }
}

/** The rule-choice cells: each synthetic case with a signal (risk over the oracle's), and real networks per truth (over the least on the curve). */
function ruleChoiceCells(replicates: Replicate[], networkRuns: NetworkRun[]): RuleChoiceCell[] {
  const cells = new Map<string, RuleChoiceCell>();
  const cell = (label: string) => cells.get(label) ?? cells.set(label, { label, ratios: { REML: [], LOO: [], GCV: [] } }).get(label)!;
  for (const r of replicates.filter((x) => x.truth !== 'pure noise')) {
    const c = cell(`kernel: ${r.truth}, σ = ${r.noise}, n = ${r.n}`);
    for (const rule of CANDIDATE_RULES) c.ratios[rule].push(r.result.stops[rule].testError / r.result.stops.oracle.testError);
  }
  const byRule = { REML: 'reml', LOO: 'loo', GCV: 'gcv' } as const;
  for (const r of networkRuns) {
    const c = cell(`networks: ${r.truth}, n = 200`);
    // A stop past the run's horizon has no measured risk; it is left out of that rule's cell.
    for (const rule of CANDIDATE_RULES) if (Number.isFinite(r.risk[byRule[rule]])) c.ratios[rule].push(r.risk[byRule[rule]] / r.risk.bestOnCurve);
  }
  return [...cells.values()];
}
/** The synthetic cases on the kernel path: every true function × noise level × seed, at each n. */
function kernelReplicates(ctx: BenchContext, nTest: number): Replicate[] {
  const sizes = ctx.quick
    ? [{ n: 200, seeds: 2 }]
    : [
        { n: 200, seeds: 6 },
        { n: 500, seeds: 5 },
        { n: 2000, seeds: 3 },
      ];
  const noises = ctx.quick ? [0.5] : [0.5, 1];
  const replicates: Replicate[] = [];
  for (const { n, seeds } of sizes) {
    const started = performance.now();
    for (const truth of TRUE_FUNCTIONS) {
      for (const noise of noises) {
        for (let s = 0; s < seeds; s++) replicates.push(replicate(truth, noise, n, nTest, 7919 * (s + 1) + n));
      }
    }
    ctx.log(`n = ${n}: ${TRUE_FUNCTIONS.length * noises.length * seeds} fits in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  return replicates;
}

interface NetworkPlan {
  truths: (typeof TRUE_FUNCTIONS)[number][];
  n: number;
  width: number;
  maxSteps: number;
  seeds: number;
}

/** The real-network runs: which truths, n, width, step horizon and seeds. */
function networkPlan(quick: boolean): NetworkPlan {
  return quick
    ? { truths: TRUE_FUNCTIONS.slice(0, 1), n: 150, width: 32, maxSteps: 500, seeds: 1 }
    : { truths: TRUE_FUNCTIONS.filter((t) => t.name !== 'rough high-frequency' && t.name !== 'pure noise'), n: 200, width: 128, maxSteps: 2000, seeds: 10 };
}

/** Every planned network trained by trainTwoStage, one seed after another. */
async function networkRuns(ctx: BenchContext, plan: NetworkPlan): Promise<NetworkRun[]> {
  const runs: NetworkRun[] = [];
  const started = performance.now();
  for (const truth of plan.truths) {
    for (let s = 0; s < plan.seeds; s++) runs.push(await networkRun(truth, plan.n, plan.width, plan.maxSteps, 104729 * (s + 1)));
  }
  ctx.log(`networks: ${runs.length} trainTwoStage runs in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return runs;
}

/** Finite risks everywhere, and no rule on the full-data path below the oracle. */
function stoppingInvariants(replicates: Replicate[], networkRuns: NetworkRun[]): Invariant[] {
  const badNetwork = networkRuns.filter((r) => ![r.risk.reml, r.risk.loo, r.risk.validation, r.risk.bestOnCurve, r.kernelRiskAtReml].every(Number.isFinite));
  const nonFinite = replicates.filter((r) =>
    RULES.some((rule) => !Number.isFinite(r.result.stops[rule].testError) || !Number.isFinite(r.result.stops[rule].inSampleError!)),
  );
  const beaten = replicates.filter((r) => pathRuleBeatsOracle(r.result));
  return [
    { name: 'finite network risks at every stop', ok: badNetwork.length === 0, detail: `${badNetwork.length} of ${networkRuns.length} runs` },
    { name: 'every rule gives a finite risk', ok: nonFinite.length === 0, detail: `${nonFinite.length} of ${replicates.length} replicates with a non-finite risk` },
    {
      name: 'no rule on the full-data path beats the out-of-sample oracle',
      ok: beaten.length === 0,
      detail: `${beaten.length} of ${replicates.length} replicates where a rule's risk is below the oracle's`,
    },
  ];
}

const SHOWN_RULES: RuleName[] = ['two-stage', 'REML', 'LOO', 'validation', 'GCV', 'converge'];

/** Per truth × σ × n: the out-of-sample and in-sample risk ratios and the steps of each shown rule. */
function kernelGroupRows(replicates: Replicate[]) {
  const groups = new Map<string, Replicate[]>();
  for (const r of replicates) {
    const key = `${r.truth}|${r.noise}|${r.n}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const outRows: (string | number)[][] = [];
  const inRows: (string | number)[][] = [];
  const stepRows: (string | number)[][] = [];
  for (const group of groups.values()) {
    const { truth, noise, n } = group[0]!;
    const zeroTruth = truth === 'pure noise';
    const head = [truth, noise, n, group.length];
    outRows.push([
      ...head,
      ...SHOWN_RULES.map((rule) =>
        medianQuartiles(group.map((r) => (zeroTruth ? r.result.stops[rule].testError / noise ** 2 : r.result.stops[rule].testError / r.result.stops.oracle.testError))),
      ),
    ]);
    inRows.push([
      ...head,
      ...SHOWN_RULES.map((rule) =>
        medianQuartiles(group.map((r) => (zeroTruth ? r.result.stops[rule].inSampleError! / noise ** 2 : r.result.stops[rule].inSampleError! / r.result.bestInSampleError!))),
      ),
    ]);
    stepRows.push([
      ...head,
      ...[...SHOWN_RULES.filter((rule) => rule !== 'converge'), 'oracle' as const].map((rule) => medianQuartiles(group.map((r) => r.result.stops[rule].steps))),
      `${group.filter((r) => r.result.train).length}/${group.length}`,
    ]);
  }
  return { outRows, inRows, stepRows };
}

/** The kernel-path tables: the headline over cases with a signal, then per case out-of-sample, in-sample and steps. */
function kernelTables(replicates: Replicate[], nTest: number): BenchTable[] {
  // The headline: REML's median out-of-sample risk ratio over the synthetic cases with a signal.
  const withSignal = replicates.filter((r) => r.truth !== 'pure noise');
  const headline = (rule: RuleName) => medianQuartiles(withSignal.map((r) => r.result.stops[rule].testError / r.result.stops.oracle.testError), 4);
  const summaryRows = (['two-stage', 'REML', 'LOO', 'validation', 'GCV', 'converge'] as const).map((rule) => [rule, withSignal.length, headline(rule)]);
  const { outRows, inRows, stepRows } = kernelGroupRows(replicates);
  const notes = [
    'Median [quartiles] over seeds. Pure noise: R(t̂)/σ² (the oracle is t = 0 with risk 0), not a ratio.',
    `Kernel: analytic NTK, 2 hidden ReLU layers, σ_w = √2, σ_b = 0.1, Θ = raw/n; x ~ N(0, I10); ${nTest} test points; no fixed effects.`,
    'two-stage: t = 0 unless the exact score test rejects at 0.05, then REML; converge: 100,000 steps at η = 1/λ1 (every stop capped there, as the trainer caps).',
    'validation: (a different model, so its ratio may fall below 1) 80/20 split of the training rows, kernel restricted to the 80%, held-out loss every max(REML, oracle steps)/100 steps, patience 20, the 80% model at its best check.',
  ];
  return [
    { title: 'Out-of-sample risk ratio R(t̂)/min_t R(t) against the true function: all cases with a signal', columns: ['rule', 'replicates', 'median [quartiles]'], rows: summaryRows },
    { title: 'Out-of-sample risk ratio R(t̂)/min_t R(t) (test points, against f*)', columns: ['truth', 'σ', 'n', 'seeds', ...SHOWN_RULES], rows: outRows, notes },
    { title: 'In-sample risk ratio (fit at the training inputs against f*)', columns: ['truth', 'σ', 'n', 'seeds', ...SHOWN_RULES], rows: inRows },
    {
      title: 'Steps at η = 1/λ1 (t·λ1) per rule, and how often the test says train',
      columns: ['truth', 'σ', 'n', 'seeds', 'two-stage', 'REML', 'validation', 'GCV', 'oracle', 'test rejects'],
      rows: stepRows,
    },
  ];
}

/** One row per real network run: steps and risk ratios at each rule's stop. */
function networkTable(networkRuns: NetworkRun[], plan: NetworkPlan): BenchTable {
  return {
    title: `Real networks (trainTwoStage, MLP 2×${plan.width} ReLU, n = ${plan.n}, σ = 0.5): test risk against f*`,
    columns: ['truth', 'seed', 'test rejects', 'REML steps', 'LOO steps', 'GCV steps', 'validation steps', 'kernel-oracle steps', 'least risk on curve', 'REML / least', 'LOO / least', 'GCV / least', 'validation / least', 'kernel-predicted risk at REML'],
    rows: networkRuns.map((r) => [
      r.truth,
      r.seed,
      r.rejects ? 'yes' : 'no',
      r.steps.reml,
      r.steps.loo,
      r.steps.gcv,
      r.steps.validation,
      r.steps.oracle,
      r.risk.bestOnCurve.toPrecision(3),
      ...(['reml', 'loo', 'gcv', 'validation'] as const).map((rule) => (Number.isFinite(r.risk[rule]) ? (r.risk[rule] / r.risk.bestOnCurve).toFixed(3) : '—')),
      r.kernelRiskAtReml.toPrecision(3),
    ]),
    notes: [
      `Empirical NTK at initialisation, η = 1/λ1 (two digits), at most ${plan.maxSteps} steps; 200 test points with f*(x*) as targets.`,
      'least risk on curve: the smallest test risk among the recorded curve points and the validation stop (a coarse network oracle). —: the run did not reach that stop (past the horizon).',
    ],
  };
}

export const stoppingSuite: BenchSuite = {
  name: 'stopping',
  description: 'stopping rules on the kernel path: REML vs oracle, GCV, validation early stopping, convergence (risk ratios)',
  async run(ctx) {
    const nTest = ctx.quick ? 200 : 500;
    const replicates = kernelReplicates(ctx, nTest);
    const plan = networkPlan(ctx.quick);
    const networks = await networkRuns(ctx, plan);
    const choiceCells = ruleChoiceCells(replicates, networks);
    return {
      tables: [
        ...kernelTables(replicates, nTest),
        networkTable(networks, plan),
        ruleChoiceTable('Stage-2 rule choice (issue 16 criterion): median risk ratio per cell, kernel path and real networks', choiceCells),
      ],
      invariants: stoppingInvariants(replicates, networks),
      data: { ruleChoiceCells: choiceCells, kernel: replicates.map((r) => ({ truth: r.truth, noise: r.noise, n: r.n, seed: r.seed, ...r.result })), networks },
    };
  },
};
