import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TabularInputError } from './errors.js';
import { sqlString } from './duckdb.js';
import { queryTable } from './read.js';
import type { Table } from './table.js';

/** A real regression dataset shipped by the `vega-datasets` npm package, with its default task. */
export interface BundledDataset {
  name: string;
  description: string;
  target: string;
  /** Default features; undefined means every column other than the target. */
  features?: string[];
  table: Table;
}

interface DatasetSpec {
  file: string;
  description: string;
  target: string;
  features?: string[];
  /** Columns computed from others as SQL expressions, e.g. the day of the year from a date. */
  derived?: Record<string, string>;
}

const specs: Record<string, DatasetSpec> = {
  cars: {
    file: 'cars.json',
    description: 'cars (1970–1982): Miles_per_Gallon from the other columns (model year as a number, origin one-hot; the name skipped)',
    target: 'Miles_per_Gallon',
  },
  'seattle-weather': {
    file: 'seattle-weather.csv',
    description: 'Seattle weather (2012–2015): temp_max from the other columns and the day of the year',
    target: 'temp_max',
    features: ['precipitation', 'temp_min', 'wind', 'weather', 'day_of_year'],
    derived: { day_of_year: 'dayofyear(CAST("date" AS DATE))' },
  },
  gapminder: {
    file: 'gapminder.json',
    description: 'gapminder (1955–2005): life_expect from year, fertility, population and region cluster',
    target: 'life_expect',
    features: ['year', 'fertility', 'pop', 'cluster'],
  },
  // Noisy, two features and many near-duplicate inputs: a case where rules that approximate leverage fail.
  flights: {
    file: 'flights-2k.json',
    description: 'flights (2,000 US flights, 2001): arrival delay in minutes from distance and departure time',
    target: 'delay',
    features: ['distance', 'time'],
    // "2001/01/01 06:55" → 6.9167: the departure time in hours, as flights-200k's `time` column.
    derived: { time: `hour(strptime("date", '%Y/%m/%d %H:%M')) + minute(strptime("date", '%Y/%m/%d %H:%M')) / 60` },
  },
};

export const bundledDatasetNames = Object.keys(specs);

function vegaDataDir(): string {
  // The package exports only its JS entry; its data folder sits beside build/.
  return join(dirname(dirname(fileURLToPath(import.meta.resolve('vega-datasets')))), 'data');
}

/** A bundled dataset, read through the same reader as a user's file. */
export async function loadBundledDataset(name: string): Promise<BundledDataset> {
  const spec = specs[name];
  if (!spec) {
    throw new TabularInputError(`no bundled dataset '${name}'; choose one of: ${bundledDatasetNames.join(', ')}`);
  }
  const path = join(vegaDataDir(), spec.file);
  const format = spec.file.endsWith('.json') ? 'json' : 'csv';
  const relation = format === 'json' ? `read_json_auto(${sqlString(path)})` : `read_csv(${sqlString(path)}, header = true)`;
  const table = await queryTable(relation, `vega-datasets/${spec.file}`, { format, derived: spec.derived });
  return { name, description: spec.description, target: spec.target, features: spec.features, table };
}
