import { DEFAULT_IMPUTE, DEFAULT_MAX_LEVELS, DEFAULT_MAX_MISSING, IMPUTE_METHODS, loadBundledDataset, prepareDesign, readTable, TABLE_FORMATS, type Design, type ImputeMethod, type TableFormat } from '@duality/tabular';
import { Option, type Command } from 'commander';
import { UsageError } from '../errors.js';
import { counted, formatCount } from '../report/format.js';
import { parseNumber, parseSeed } from './inputs.js';

/** Options every data-reading command shares (commander gives strings; parsed below with named errors). */
export interface DataOptions {
  target?: string;
  classes?: boolean;
  features?: string;
  categorical: 'onehot' | 'refuse';
  maxLevels: string;
  impute: ImputeMethod;
  missingIndicators?: boolean;
  maxMissing: string;
  format?: TableFormat;
  standardize: boolean;
  testFraction: string;
  seed: string;
}

export function addDataOptions(command: Command, defaults: { testFraction: string } = { testFraction: '0.2' }): Command {
  return command
    .option('--target <column>', 'the column to predict: numeric (regression) or text labels (classification)')
    .option('--classes', 'treat a numeric target as class labels too (codes such as cylinder counts)')
    .option('--features <columns>', 'comma-separated feature columns (default: every other column; text one-hot encoded, unusable columns skipped and listed with why)')
    .addOption(new Option('--format <format>', 'the file format (default: from the extension; .gz allowed)').choices([...TABLE_FORMATS]))
    .addOption(new Option('--categorical <mode>', 'text features: one-hot encode or refuse').choices(['onehot', 'refuse']).default('onehot'))
    .option('--max-levels <k>', 'most distinct values a text feature may have to be one-hot encoded (more: skipped, or refused when named)', String(DEFAULT_MAX_LEVELS))
    .addOption(
      new Option('--impute <method>', "missing feature cells: the training rows' median or mean, or drop the row (complete cases)")
        .choices([...IMPUTE_METHODS])
        .default(DEFAULT_IMPUTE),
    )
    .option('--missing-indicators', 'add a 0/1 column per feature with missing training cells, 1 where the cell was missing')
    .option('--max-missing <f>', 'skip a feature missing on more than this share of the training rows (refused when named)', String(DEFAULT_MAX_MISSING))
    .option('--no-standardize', 'keep features and target in their units (default: standardise with training statistics)')
    .option('--test-fraction <f>', 'fraction of rows held out for testing', defaults.testFraction)
    .option('--seed <n>', 'seed of the split and of the network initialisation', '0');
}

export interface LoadedData {
  design: Design;
  /** Where the data came from, for reports. */
  label: string;
}

/** A file (CSV/TSV/JSON/Parquet) or a bundled dataset, turned into standardised train/test designs. */
export async function loadData(source: { file: string } | { dataset: string }, options: DataOptions): Promise<LoadedData> {
  const bundled = 'dataset' in source ? await loadBundledDataset(source.dataset) : undefined;
  const table = bundled ? bundled.table : await readTable((source as { file: string }).file, { format: options.format });
  const columnList = () => shortList(table.columns.map((c) => c.name));
  const target = options.target ?? bundled?.target;
  if (!target) throw new UsageError(`name the column to predict with --target; ${table.source} has: ${columnList()}`);
  const features = options.features === undefined ? bundled?.features : options.features.split(',').map((f) => f.trim()).filter(Boolean);
  if (features?.length === 0) throw new UsageError(`--features names no column; give a comma-separated list from: ${columnList()}`);
  const design = prepareDesign(table, {
    target,
    classes: options.classes,
    features,
    categorical: options.categorical,
    maxLevels: parseNumber(options.maxLevels, '--max-levels', (x) => Number.isInteger(x) && x >= 2, 'an integer ≥ 2'),
    impute: options.impute,
    missingIndicators: options.missingIndicators ?? false,
    maxMissing: parseNumber(options.maxMissing, '--max-missing', (x) => x >= 0 && x <= 1, 'in [0, 1]'),
    standardize: options.standardize,
    testFraction: parseNumber(options.testFraction, '--test-fraction', (x) => x >= 0 && x < 1, 'in [0, 1)'),
    seed: parseSeed(options.seed),
  });
  // The bundled description names its default target: a different one gets a plain label.
  const label = bundled ? (target === bundled.target ? bundled.description : `${bundled.name} (${table.source})`) : table.source;
  return { design, label };
}

/** Up to `max` names, then how many more. */
export function shortList(names: string[], max = 12): string {
  return names.length <= max ? names.join(', ') : `${names.slice(0, max).join(', ')}, … (${formatCount(names.length - max)} more)`;
}

/** One line on the data: rows, features, and a class target's classes (one output each). */
export function dataLabel({ design, label }: LoadedData): string {
  const classes = design.classes ? `; target ${design.target}: ${design.classes.names.length} classes (${design.classes.names.join(', ')}), one output each` : '';
  const { droppedTarget, droppedIncomplete } = design.missing;
  const dropped = [
    ...(droppedTarget > 0 ? [`${formatCount(droppedTarget)} dropped for a missing target`] : []),
    ...(droppedIncomplete > 0 ? [`${formatCount(droppedIncomplete)} dropped for a missing feature cell`] : []),
  ];
  return (
    `${label}: ${counted(design.train.x.rows, 'training row')} (${[`${formatCount(design.test.x.rows)} held out`, ...dropped].join(', ')}), ` +
    `${counted(design.featureNames.length, 'feature')} from ${counted(design.usedColumns.length, 'column')}${classes}`
  );
}

/** The columns used and skipped (with why), and the imputation: the rows `analyze` and `train` print under 'data'. */
export function dataRows({ design }: LoadedData): [string, string][] {
  const { missing } = design;
  const rows: [string, string][] = [['columns used', shortList(design.usedColumns)]];
  if (design.ignoredColumns.length > 0) {
    rows.push(['columns skipped', shortList(design.ignoredColumns.map((c) => `${c.column} (${c.reason})`), 6)]);
  }
  const cells = missing.imputed.reduce((s, c) => s + c.train + c.test, 0);
  if (cells > 0) {
    const top = missing.imputed.slice(0, 3).map((c) => `${c.column} ${formatCount(c.train + c.test)}`).join(', ');
    const more = missing.imputed.length > 3 ? `, … (${formatCount(missing.imputed.length)} columns in all)` : '';
    rows.push(['imputed', `${counted(cells, 'missing cell')} filled with the training rows' ${missing.method === 'drop' ? 'median' : missing.method}: ${top}${more}`]);
  }
  if (missing.unseenLevels.length > 0) {
    rows.push(['unseen levels', `${missing.unseenLevels.map((c) => `${c.column} ${formatCount(c.test)}`).join(', ')} test cells with a level the training rows lack (all indicators 0)`]);
  }
  return rows;
}
