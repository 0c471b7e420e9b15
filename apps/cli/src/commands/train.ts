import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { initTensorflow } from '@duality/ntk';
import { BATCH_DEFAULTS, COMPARATORS, linearModelLine, trainTwoStage, type BatchSize, type Comparator, type TwoStageReport } from '@duality/trainer';
import { describeModel, saveModel } from '@duality/predictor';
import { bundledDatasetNames } from '@duality/tabular';
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import type { Output } from '../output.js';
import { progressReporter } from '../progress.js';
import { inOutputFolder, TRAIN_OUTPUTS, writeReport } from '../report/index.js';
import { counted, formatCount, formatNumber, formatPValue, formatSeconds, stopStepsLabel } from '../report/format.js';
import { accuracyLabel, fixedEffectsLabel, initialOutputLabel, stageTwoLabel } from '../report/summary.js';
import { alternativesLabel, chosenRuleLabel, intervalLabel, metricsRows } from '../report/numbers.js';
import { table } from './format.js';
import {
  addDecisionOptions,
  announcedRank,
  addNetworkOptions,
  fixedEffects,
  networkFromOptions,
  parseAlpha,
  parseLearningRate,
  parseNumber,
  parseSeed,
  typedFlags,
  type DecisionOptions,
  type NetworkOptions,
  userInputs,
} from './inputs.js';
import { addDataOptions, loadData, type DataOptions, dataLabel, dataRows, type LoadedData } from './data.js';
import { describe } from '../catalogue.js';

type TrainOptions = DataOptions &
  NetworkOptions &
  DecisionOptions & {
    out: string;
    force?: boolean;
    json?: boolean;
    maxSteps: string;
    compare: string;
    validationFraction: string;
    compareSteps?: string;
    quiet?: boolean;
    batchSize: string;
  };

/** --batch-size: auto, full, or a positive whole number of rows per step. */
function parseBatchSize(value: string): BatchSize {
  if (value === 'auto' || value === 'full') return value;
  return parseNumber(value, '--batch-size', (x) => Number.isInteger(x) && x >= 1, 'auto, full or a positive integer');
}

/** --compare: comma-separated real-network comparators, or 'none'. */
function parseComparators(value: string): Comparator[] {
  if (value.trim() === 'none') return [];
  const names = value.split(',').map((c) => c.trim());
  const unknown = names.filter((c) => !(COMPARATORS as readonly string[]).includes(c));
  if (unknown.length > 0) throw new UsageError(`--compare: unknown comparator '${unknown.join("', '")}'; use none or a list of ${COMPARATORS.join(', ')}`);
  return names as Comparator[];
}

/** What the squared losses are measured in. */
function lossUnits(design: LoadedData['design'], standardized: boolean): string {
  if (design.classes) return standardized ? ', class indicators centred on their training frequencies' : ', 0/1 class indicators';
  return standardized ? ', standardised units' : '';
}

/** One stop for the terminal: its steps ("≥ N (the cap)" when capped) and which model each test loss is of. */
function stopText(s: TwoStageReport['stops'][number]): string {
  const steps = s.capped ? `≥ ${formatCount(s.steps)} (the cap)` : formatCount(s.steps);
  const losses = [
    ...(s.testLoss === undefined ? [] : [`network ${formatNumber(s.testLoss)}`]),
    ...(s.kernelTestLoss === undefined ? [] : [`kernel model ${formatNumber(s.kernelTestLoss)}`]),
  ];
  return `${s.rule} ${steps}${losses.length === 0 ? '' : ` (test half MSE: ${losses.join(', ')})`}`;
}

/** The rule's outcome and every stop, as the table `train` prints. */
function summary(report: TwoStageReport, data: LoadedData, dir: string, seconds: number, standardized: boolean): string {
  const stops = report.stops.map(stopText).join('; ');
  const interval = intervalLabel(report);
  return table([
    ['data', dataLabel(data)],
    ...dataRows(data),
    ['initial output', initialOutputLabel(report.initialOutput)],
    ['fixed effects', fixedEffectsLabel(report.fixedEffects)],
    ['decision', report.decision.train ? `trained ${stopStepsLabel(report.decision.steps, report.decision.cappedAt !== undefined)}` : 'not trained'],
    ['why', report.decision.reason],
    ['stage-2 rule', chosenRuleLabel(report)],
    ['alternatives', alternativesLabel(report)],
    ['every stop', stageTwoLabel(report.decision.rule, report.stoppingRules)],
    ['p-value', `${formatPValue(report.test.p, report.test.logP)} exact (${report.test.method}); Satterthwaite ${formatPValue(report.test.satterthwaiteP)}`],
    ['REML t̂', `${formatNumber(report.reml.time)} = ${counted(report.reml.steps, 'step')} at η = ${formatNumber(report.learningRate)}; edf ${formatNumber(report.reml.edf)}, σ̂² ${formatNumber(report.reml.noiseVariance)}`],
    ['batch', report.training.batchRule ?? 'full batch'],
    ...metricsRows(report).map(([label, value]): [string, string] => [label.toLowerCase(), value]),
    ...(interval ? [['prediction interval', interval] as [string, string]] : []),
    ['network losses', `train ${formatNumber(report.training.finalTrainLoss)}${report.training.finalTestLoss === undefined ? '' : `, test ${formatNumber(report.training.finalTestLoss)}`} (half MSE${lossUnits(data.design, standardized)}, the network at the stop)`],
    ...(report.linearModel ? [['linear model', linearModelLine(report.linearModel, standardized ? data.design.targetScaling.sd : 1)] as [string, string]] : []),
    ...(report.classification ? [['accuracy', accuracyLabel(report.classification)] as [string, string]] : []),
    ...(report.kernelDrift ? [['kernel drift', report.kernelDrift.note] as [string, string]] : []),
    ['stops', stops],
    ['backends', `tensorflow.js ${report.training.tfjsBackend}, linear algebra ${report.training.linalgBackend}`],
    ['wall time', `${formatNumber(seconds)} s`],
    ['written', `${join(dir, 'report.html')}, report.json, curves.csv, stops.csv, model/model.json`],
  ]);
}

/** Refuse an occupied folder before the long run, not after it; a failed run removes the folder it created. */
function train(source: { file: string } | { dataset: string }, options: TrainOptions, command: Command, output: Output): Promise<void> {
  const plan = { writes: TRAIN_OUTPUTS, inputs: userInputs('file' in source ? source.file : undefined, options.model) };
  return inOutputFolder(options.out, options.force ?? false, plan, () => trainInto(source, options, typedFlags(command), output));
}

/** Whether a folder holds nothing but what `train` writes (an earlier demo's output), so replacing it loses nothing. */
function onlyTrainOutputs(dir: string): boolean {
  const ours = new Set(TRAIN_OUTPUTS.map((path) => path.split('/')[0]!));
  const model = new Set(TRAIN_OUTPUTS.filter((path) => path.startsWith('model/')).map((path) => path.slice('model/'.length)));
  return readdirSync(dir).every((entry) => ours.has(entry) && (entry !== 'model' || readdirSync(join(dir, entry)).every((file) => model.has(file))));
}

/**
 * The demo run again: its own earlier output in the default folder is replaced; a default folder holding anything
 * else is left alone and the next free name (duality-demo-2, …) is used. Said on stderr either way.
 */
function demoOptions(options: TrainOptions, command: Command): TrainOptions {
  if (typedFlags(command)('out') || options.force || !existsSync(options.out) || readdirSync(options.out).length === 0) return options;
  if (statSync(options.out).isDirectory() && onlyTrainOutputs(options.out)) {
    process.stderr.write(`replacing the previous demo's output in ${options.out}\n`);
    return { ...options, force: true };
  }
  let k = 2;
  while (existsSync(`${options.out}-${k}`)) k++;
  process.stderr.write(`${options.out} holds other files; writing this demo to ${options.out}-${k}\n`);
  return { ...options, out: `${options.out}-${k}` };
}

async function trainInto(source: { file: string } | { dataset: string }, options: TrainOptions, given: (key: string) => boolean, output: Output): Promise<void> {
  const started = performance.now();
  const data = await loadData(source, options);
  const { design } = data;
  if (design.test.x.rows === 0 && options.testFraction !== '0') throw new UsageError('the test split is empty: use a larger --test-fraction');
  const seed = parseSeed(options.seed);
  await initTensorflow(); // networks are created on the chosen backend
  const compare = parseComparators(options.compare);
  const network = await networkFromOptions(design, options, given);
  const bar = progressReporter({ quiet: options.quiet });
  try {
    const { report, network: trained } = await trainTwoStage(network, design.train.x, design.train.y, {
      test: design.test.x.rows > 0 ? { x: design.test.x, y: design.test.y } : undefined,
      kernel: options.kernel,
      rank: announcedRank(design.train.x.rows, options),
      landmarks: options.landmarks,
      remainder: options.remainder,
      fixedEffects: fixedEffects(options.fixedEffects, design),
      featureNames: design.featureNames,
      alpha: parseAlpha(options.alpha),
      learningRate: parseLearningRate(options.learningRate),
      convention: options.convention,
      stoppingRule: options.rule,
      maxSteps: parseNumber(options.maxSteps, '--max-steps', (x) => Number.isInteger(x) && x >= 1, 'a positive integer'),
      compare,
      validation: { fraction: parseNumber(options.validationFraction, '--validation-fraction', (x) => x > 0 && x < 1, 'in (0, 1)') },
      fixedSteps: options.compareSteps
        ? options.compareSteps.split(',').map((s) => parseNumber(s, '--compare-steps', (x) => Number.isInteger(x) && x >= 1, 'positive integers'))
        : [],
      seed,
      batchSize: parseBatchSize(options.batchSize),
      classes: design.classes,
      ...(design.classes ? {} : { targetScaling: design.targetScaling }),
      onProgress: (p) => bar.update(p),
    });
    bar.stop();
    try {
      await saveModel(join(options.out, 'model'), trained, describeModel(design.preprocessing, report));
    } finally {
      trained.dispose();
    }
    const seconds = (performance.now() - started) / 1000;
    const paths = await writeReport(options.out, report, {
      force: true, // the folder was checked (empty, new, or --force) before training
      title: `Duality: ${data.label}`,
      extra: { Data: data.label, Target: design.target, ...Object.fromEntries(dataRows(data).map(([k, v]) => [k[0]!.toUpperCase() + k.slice(1), v])), Features: design.featureNames.join(', '), Seed: seed, 'Whole command': formatSeconds(seconds) },
      table: { columnsUsed: design.usedColumns, columnsSkipped: design.ignoredColumns, features: design.featureNames, missing: design.missing },
    });
    output.write(options.json ? JSON.stringify({ report: paths.json, html: paths.html, decision: report.decision, stops: report.stops }, null, 2) : summary(report, data, options.out, seconds, options.standardize));
  } finally {
    bar.stop();
    network.dispose();
  }
}

function addTrainOptions(command: Command, defaults: { out?: string; maxSteps: string; hidden?: string; compare?: string }): Command {
  if (defaults.out) command.option('--out <dir>', 'folder for the report and the trained model (must be new or empty)', defaults.out);
  else command.requiredOption('--out <dir>', 'folder for the report and the trained model (must be new or empty)');
  command
    .option('--force', 'write into a folder that already has files (ours are overwritten)')
    .option('--json', 'print JSON instead of a table')
    .option('--max-steps <k>', 'cap on any run’s steps (an infinite or huge t̂ is capped and reported)', defaults.maxSteps)
    .option(
      '--compare <list>',
      `real-network comparators, comma-separated: validation (early stopping on held-out rows), horizon (train on past the stop); or none. Without them the network trains to the rule's stop only and the curves past it are the kernel's prediction`,
      defaults.compare ?? 'none',
    )
    .option(
      '--batch-size <rows>',
      `rows per training step (mini-batch SGD reaches the same time t = η·steps): auto (full batch while the run's estimated time fits ${BATCH_DEFAULTS.budgetSeconds} s, else the largest power of two, at least ${BATCH_DEFAULTS.minimum}, whose run fits), full, or a number`,
      'auto',
    )
    .option('--validation-fraction <f>', 'rows held out by the validation comparator', '0.2')
    .option('--quiet', 'no progress (bars in a terminal, a line at most every 10 s otherwise, on stderr)')
    .option('--compare-steps <k>', 'fixed step counts to compare with, comma-separated (e.g. 50000)');
  addDataOptions(command);
  addNetworkOptions(command, { hidden: defaults.hidden });
  addDecisionOptions(command);
  return command;
}

export function registerTrain(program: Command, output: Output): void {
  const trainCommand = program
    .command('train')
    .description(describe('train'))
    .argument('<file>', 'a table: CSV/TSV with a header, JSON or NDJSON records, or Parquet (.gz allowed)');
  addTrainOptions(trainCommand, { maxSteps: '100000' }).action((file: string, options: TrainOptions, command: Command) =>
    train({ file }, options, command, output),
  );
}

export function registerDemo(program: Command, output: Output): void {
  const demo = program
    .command('demo')
    .description(describe('demo'))
    .option('--dataset <name>', `one of ${bundledDatasetNames.join(', ')}`, 'cars');
  // The demo exists to show the comparators; a small network and a bounded budget keep it short on two CPU cores.
  addTrainOptions(demo, { out: 'duality-demo', maxSteps: '3000', hidden: '64,64', compare: 'validation,horizon' }).action(
    (options: TrainOptions & { dataset: string }, command: Command) => train({ dataset: options.dataset }, demoOptions(options, command), command, output),
  );
}
