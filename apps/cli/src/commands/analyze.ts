import { initTensorflow } from '@duality/ntk';
import { analyzeTwoStage, kernelCurves, STOPPING_RULES, type StageTwoRule, type TwoStageAnalysis } from '@duality/trainer';
import { bundledDatasetNames } from '@duality/tabular';
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import type { Output } from '../output.js';
import { progressReporter } from '../progress.js';
import { counted, formatNumber, formatPValue, formatSeconds, stopStepsLabel } from '../report/format.js';
import { fixedEffectsLabel, initialOutputLabel, lowRankLabel, stageTwoLabel } from '../report/summary.js';
import { table } from './format.js';
import {
  addDecisionOptions,
  announcedRank,
  parseSeed,
  addNetworkOptions,
  fixedEffects,
  networkFromOptions,
  parseAlpha,
  parseLearningRate,
  typedFlags,
  type DecisionOptions,
  type NetworkOptions,
} from './inputs.js';
import { addDataOptions, loadData, type DataOptions, dataLabel, dataRows, type LoadedData } from './data.js';
import { describe } from '../catalogue.js';

export type AnalyzeOptions = DataOptions & NetworkOptions & DecisionOptions & { json?: boolean; quiet?: boolean };

/** Build the seeded network the options describe and run stages 1 and 2 on the training split. */
export async function runAnalysis(data: LoadedData, options: AnalyzeOptions, given: (key: string) => boolean): Promise<TwoStageAnalysis> {
  const { design } = data;
  await initTensorflow(); // networks are created on the chosen backend
  const network = await networkFromOptions(design, options, given);
  const progress = progressReporter({ quiet: options.quiet });
  try {
    return await analyzeTwoStage(network, design.train.x, design.train.y, {
      test: design.test.x.rows > 0 ? { x: design.test.x, y: design.test.y } : undefined,
      kernel: options.kernel,
      rank: announcedRank(design.train.x.rows, options),
      landmarks: options.landmarks,
      remainder: options.remainder,
      seed: parseSeed(options.seed),
      fixedEffects: fixedEffects(options.fixedEffects, design),
      alpha: parseAlpha(options.alpha),
      learningRate: parseLearningRate(options.learningRate),
      convention: options.convention,
      stoppingRule: options.rule,
      onProgress: (p) => progress.update(p),
    });
  } finally {
    progress.stop();
    network.dispose();
  }
}

/** The kernel model's test loss (half MSE) at each rule's (capped) stop, with held-out rows: what training that long predicts. */
function predictedTestLosses(analysis: TwoStageAnalysis): Record<StageTwoRule, number> | undefined {
  if (!analysis.test) return undefined;
  const curves = kernelCurves(analysis);
  return Object.fromEntries(STOPPING_RULES.map((rule) => [rule, curves.testLoss(analysis.stopping.rules[rule].stopSteps)!])) as Record<StageTwoRule, number>;
}

/** The rule in use: where training would stop ("≥ N steps, the cap" when its own stop lies past it), t̂ and outcome. */
function ruleStopLabel(analysis: TwoStageAnalysis): string {
  const chosen = analysis.stopping.rules[analysis.rule];
  return `${analysis.rule}: ${stopStepsLabel(chosen.stopSteps, chosen.capped)} (t̂ = ${formatNumber(chosen.time)}, ${chosen.outcome}) at η = ${formatNumber(analysis.learningRate)}`;
}

/** The decision as plain JSON-able data. */
export function analysisSummary(data: LoadedData, analysis: TwoStageAnalysis) {
  const { decision, fit, learningRate } = analysis;
  const { test, reml } = decision;
  return {
    data: {
      source: data.label,
      nTrain: data.design.train.x.rows,
      nTest: data.design.test.x.rows,
      features: data.design.featureNames,
      columnsUsed: data.design.usedColumns,
      columnsSkipped: data.design.ignoredColumns,
      droppedMissing: data.design.droppedMissing,
      missing: data.design.missing,
      ...(data.design.classes ? { classes: data.design.classes.names } : {}),
    },
    initialOutput: analysis.initialOutput,
    fixedEffects: analysis.fixedEffects,
    kernel: {
      source: analysis.kernel.source,
      largestEigenvalue: analysis.largestEigenvalue,
      trace: fit.eigenvalues.reduce((s, v) => s + v, 0),
      ...(analysis.kernel.lowRank ? { lowRank: analysis.kernel.lowRank } : {}),
      seconds: analysis.kernel.seconds,
    },
    test: {
      statistic: test.statistic,
      nullMean: test.nullMean,
      nullSd: Math.sqrt(test.nullVariance),
      p: test.p,
      logP: test.logP,
      pText: formatPValue(test.p, test.logP),
      method: test.method,
      relativeErrorEstimate: test.relativeErrorEstimate,
      satterthwaiteP: test.satterthwaiteP,
    },
    decision: { train: decision.train, convention: decision.convention, rule: analysis.rule },
    stoppingRules: analysis.stopping,
    ...(analysis.test ? { predictedTestLoss: predictedTestLosses(analysis) } : {}),
    reml: {
      outcome: reml.outcome,
      time: reml.time === Infinity ? null : reml.time,
      steps: analysis.remlSteps === Infinity ? null : analysis.remlSteps,
      learningRate,
      edf: reml.edf,
      noiseVariance: reml.noiseVariance,
    },
  };
}

export function registerAnalyze(program: Command, output: Output): void {
  const command = program
    .command('analyze')
    .description(describe('analyze'))
    .argument('[file]', 'a table: CSV/TSV with a header, JSON or NDJSON records, or Parquet (.gz allowed)')
    .option('--dataset <name>', `a bundled dataset instead of a file: ${bundledDatasetNames.join(', ')}`)
    .option('--json', 'print JSON instead of a table')
    .option('--quiet', 'no progress lines on stderr');
  addDataOptions(command);
  addNetworkOptions(command);
  addDecisionOptions(command);
  command.action(async (file: string | undefined, options: AnalyzeOptions & { dataset?: string }, self: Command) => {
    if ((file === undefined) === (options.dataset === undefined)) {
      throw new UsageError('give a data file or --dataset <name>, not both and not neither');
    }
    const data = await loadData(file === undefined ? { dataset: options.dataset! } : { file }, options);
    const analysis = await runAnalysis(data, options, typedFlags(self));
    const s = analysisSummary(data, analysis);
    if (options.json) {
      output.write(JSON.stringify(s, null, 2));
      return;
    }
    output.write(
      table([
        ['data', dataLabel(data)],
        ...dataRows(data),
        ['initial output', initialOutputLabel(analysis.initialOutput)],
        ['fixed effects', fixedEffectsLabel(analysis.fixedEffects)],
        ['kernel', `${s.kernel.source} NTK, λ1 = ${formatNumber(s.kernel.largestEigenvalue)}, tr Θ = ${formatNumber(s.kernel.trace)}, in ${formatSeconds(s.kernel.seconds)}`],
        ...(analysis.kernel.lowRank ? [['low rank', lowRankLabel(analysis.kernel.lowRank)] as [string, string]] : []),
        ['score test', `S = ${formatNumber(s.test.statistic)} (null mean ${formatNumber(s.test.nullMean)}, sd ${formatNumber(s.test.nullSd)})`],
        ['p-value', `${formatPValue(s.test.p, s.test.logP)} exact (${s.test.method}, relative error ≤ ${formatNumber(s.test.relativeErrorEstimate)}); Satterthwaite ${formatPValue(s.test.satterthwaiteP)}`],
        ['decision', s.decision.train ? `train (p < α = ${options.alpha})` : `do not train (p ≥ α = ${options.alpha}): the targets look like noise to this kernel`],
        ['stage-2 rule', ruleStopLabel(analysis)],
        ['every stop', stageTwoLabel(analysis.rule, analysis.stopping)],
        ['REML t̂', `${formatNumber(analysis.decision.reml.time)} (${s.reml.outcome}) = ${counted(s.reml.steps ?? Infinity, 'step')} at η = ${formatNumber(s.reml.learningRate)}`],
        ['edf(t̂)', formatNumber(s.reml.edf)],
        ['σ̂²(t̂)', formatNumber(s.reml.noiseVariance)],
      ]),
    );
  });
}
