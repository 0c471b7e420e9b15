import { PREPROCESSING_VERSION, type DesignColumn, type InputColumn, type Preprocessing, type TargetDescription } from '@duality/tabular';
import { PredictorInputError } from './errors.js';

/** The file beside model.json that makes a model folder self-contained. */
export const DESCRIPTION_FILE = 'duality-model.json';
export const MODEL_FORMAT = 'duality-model';
/** Bumped when the description's meaning changes; a loader refuses versions it does not know. */
export const MODEL_FORMAT_VERSION = 1;

/**
 * Everything between a raw row and the answer, beside the network's own model.json: the preprocessing (columns,
 * imputation values, one-hot levels, standardisation, the target's scaling or class labels), the linear part with
 * fixed effects 'linear', the rule and stop trained to, and the prediction interval. Plain JSON.
 */
export interface ModelDescription {
  format: typeof MODEL_FORMAT;
  version: typeof MODEL_FORMAT_VERSION;
  /** The package that wrote it, and its version. */
  writtenBy: { name: string; version: string };
  task: 'regression' | 'classification';
  preprocessing: Preprocessing;
  /** With fixed effects 'linear': f(x) + intercept + Σ_j coefficients[j][k]·x_j, on the standardised scale (math.md §7.3). */
  linearPart?: { intercept: number[]; coefficients: number[][] };
  /** The stage-2 rule and the stop the network was trained to. */
  stop: { rule: string; trained: boolean; steps: number; learningRate: number; time: number; capped: boolean };
  /** The jackknife prediction interval at the stop (math.md §7.4): answer ± halfWidth, in the target's units. */
  interval?: { level: number; halfWidth: number; method: string };
}

type Check = (value: unknown, path: string) => void;

const problem = (path: string, what: string) => new PredictorInputError(`${path} ${what}`);

const isNumber: Check = (v, p) => {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw problem(p, `must be a finite number, got ${JSON.stringify(v)}`);
};
const isString: Check = (v, p) => {
  if (typeof v !== 'string') throw problem(p, `must be a string, got ${JSON.stringify(v)}`);
};
const isBoolean: Check = (v, p) => {
  if (typeof v !== 'boolean') throw problem(p, `must be true or false, got ${JSON.stringify(v)}`);
};
const arrayOf =
  (item: Check): Check =>
  (v, p) => {
    if (!Array.isArray(v)) throw problem(p, `must be an array, got ${JSON.stringify(v)?.slice(0, 40)}`);
    v.forEach((x, i) => item(x, `${p}[${i}]`));
  };
const object =
  (fields: Record<string, Check>, optional: Record<string, Check> = {}): Check =>
  (v, p) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw problem(p, 'must be an object');
    const record = v as Record<string, unknown>;
    for (const [key, check] of Object.entries(fields)) {
      if (!(key in record)) throw problem(`${p}.${key}`, 'is missing');
      check(record[key], `${p}.${key}`);
    }
    for (const [key, check] of Object.entries(optional)) if (record[key] !== undefined) check(record[key], `${p}.${key}`);
  };
const oneOf =
  (...values: string[]): Check =>
  (v, p) => {
    if (!values.includes(v as string)) throw problem(p, `must be one of ${values.join(', ')}, got ${JSON.stringify(v)}`);
  };

const scaling: Check = (v, p) => {
  object({ mean: isNumber, sd: isNumber })(v, p);
  if (!((v as { sd: number }).sd > 0)) throw problem(`${p}.sd`, 'must be positive');
};

const designColumn: Check = (v, p) => {
  object({ name: isString, input: isString, encoding: oneOf('value', 'level', 'missing'), scaling })(v, p);
  const column = v as DesignColumn;
  if (column.encoding === 'value') isNumber(column.fill, `${p}.fill`);
  if (column.encoding === 'level') object({ level: isString, fill: isNumber })(v, p);
};

const inputColumn: Check = (v, p) => {
  object({ name: isString, kind: oneOf('number', 'text') })(v, p);
  if ((v as InputColumn).kind === 'text') object({ levels: arrayOf(isString) })(v, p);
};

const target: Check = (v, p) => {
  object({ name: isString, kind: oneOf('number', 'classes') })(v, p);
  if ((v as TargetDescription).kind === 'number') object({ scaling })(v, p);
  else object({ labels: arrayOf(isString), offsets: arrayOf(isNumber) })(v, p);
};

const preprocessing: Check = (v, p) => {
  object({ version: isNumber, impute: oneOf('median', 'mean', 'drop'), inputs: arrayOf(inputColumn), columns: arrayOf(designColumn), target })(v, p);
  const prep = v as Preprocessing;
  if (prep.version !== PREPROCESSING_VERSION) throw problem(`${p}.version`, `is ${prep.version}; this version of Duality reads ${PREPROCESSING_VERSION}`);
  const inputs = new Set(prep.inputs.map((c) => c.name));
  prep.columns.forEach((c, j) => {
    if (!inputs.has(c.input)) throw problem(`${p}.columns[${j}].input`, `names '${c.input}', which is not among the inputs`);
  });
};

const description = object(
  {
    format: oneOf(MODEL_FORMAT),
    version: isNumber,
    writtenBy: object({ name: isString, version: isString }),
    task: oneOf('regression', 'classification'),
    preprocessing,
    stop: object({ rule: isString, trained: isBoolean, steps: isNumber, learningRate: isNumber, time: isNumber, capped: isBoolean }),
  },
  {
    linearPart: object({ intercept: arrayOf(isNumber), coefficients: arrayOf(arrayOf(isNumber)) }),
    interval: object({ level: isNumber, halfWidth: isNumber, method: isString }),
  },
);

/** The description as read from `source`, checked field by field; the first problem is named with its path. */
export function checkedDescription(value: unknown, source: string): ModelDescription {
  try {
    description(value, 'description');
  } catch (err) {
    if (err instanceof PredictorInputError) throw new PredictorInputError(`${source}: ${err.message}; the model folder is damaged or not Duality's: train it again`);
    throw err;
  }
  const checked = value as ModelDescription;
  if (checked.version !== MODEL_FORMAT_VERSION) {
    throw new PredictorInputError(`${source} is model format version ${checked.version}; this version of Duality reads version ${MODEL_FORMAT_VERSION}: train it again, or use the Duality that wrote it (${checked.writtenBy.version})`);
  }
  const outputs = checked.preprocessing.target.kind === 'classes' ? checked.preprocessing.target.labels.length : 1;
  const p = checked.preprocessing.columns.length;
  if (checked.linearPart && (checked.linearPart.intercept.length !== outputs || checked.linearPart.coefficients.length !== p)) {
    throw new PredictorInputError(`${source}: the linear part has ${checked.linearPart.coefficients.length} coefficients for ${p} design columns; train it again`);
  }
  return checked;
}
