import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TabularInputError } from './errors.js';
import { parseTable, type Table } from './read.js';

/** A real regression dataset shipped by the `vega-datasets` npm package, with its default task. */
export interface BundledDataset {
  name: string;
  description: string;
  target: string;
  /** Default features; undefined means every numeric column other than the target. */
  features?: string[];
  table: Table;
}

interface DatasetSpec {
  file: string;
  description: string;
  target: string;
  features?: string[];
  /** Columns computed from others, e.g. the day of the year from a date. */
  derive?: (record: Record<string, unknown>) => Record<string, unknown>;
}

function dayOfYear(date: unknown): number | null {
  const ms = Date.parse(String(date));
  if (Number.isNaN(ms)) return null;
  const d = new Date(ms);
  return Math.floor((ms - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000) + 1;
}

/** "2001/01/01 06:55" → 6.9167: the departure time in hours, as flights-200k's `time` column. */
function hourOfDay(date: unknown): number | null {
  const match = /(\d{1,2}):(\d{2})/.exec(String(date));
  return match ? Number(match[1]) + Number(match[2]) / 60 : null;
}

const specs: Record<string, DatasetSpec> = {
  cars: {
    file: 'cars.json',
    description: 'cars (1970–1982): Miles_per_Gallon from the numeric columns',
    target: 'Miles_per_Gallon',
  },
  'seattle-weather': {
    file: 'seattle-weather.csv',
    description: 'Seattle weather (2012–2015): temp_max from the other columns and the day of the year',
    target: 'temp_max',
    features: ['precipitation', 'temp_min', 'wind', 'weather', 'day_of_year'],
    derive: (r) => ({ ...r, day_of_year: dayOfYear(r.date) }),
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
    derive: (r) => ({ ...r, time: hourOfDay(r.date) }),
  },
};

export const bundledDatasetNames = Object.keys(specs);

function vegaDataDir(): string {
  // The package exports only its JS entry; its data folder sits beside build/.
  return join(dirname(dirname(fileURLToPath(import.meta.resolve('vega-datasets')))), 'data');
}

export function loadBundledDataset(name: string): BundledDataset {
  const spec = specs[name];
  if (!spec) {
    throw new TabularInputError(`no bundled dataset '${name}'; choose one of: ${bundledDatasetNames.join(', ')}`);
  }
  const format = spec.file.endsWith('.json') ? 'json' : 'csv';
  const table = parseTable(readFileSync(join(vegaDataDir(), spec.file), 'utf8'), format, `vega-datasets/${spec.file}`);
  if (spec.derive) {
    table.records = table.records.map(spec.derive);
    table.columns = [...new Set(table.records.flatMap((r) => Object.keys(r)))];
  }
  return { name, description: spec.description, target: spec.target, features: spec.features, table };
}
