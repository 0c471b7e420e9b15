export { TabularInputError, TableReaderUnavailableError } from './errors.js';
export { readerInfo } from './duckdb.js';
export { readTable, TABLE_FORMATS, type ReadOptions, type TableFormat } from './read.js';
export { tableFromColumns, type CellValue, type NumericColumn, type Table, type TableColumn, type TextColumn } from './table.js';
export {
  DEFAULT_IMPUTE,
  DEFAULT_MAX_LEVELS,
  DEFAULT_MAX_MISSING,
  prepareDesign,
  unscaleTarget,
  type Design,
  type DesignOptions,
  type MissingSummary,
  type Split,
} from './prepare.js';
export { encodeFeatures, type EncodingCounts } from './encode.js';
export {
  IMPUTE_METHODS,
  PREPROCESSING_VERSION,
  type DesignColumn,
  type ImputeMethod,
  type InputColumn,
  type Preprocessing,
  type TargetDescription,
} from './preprocessing.js';
export type { Scaling } from './columns.js';
export { DEFAULT_MAX_CLASSES, type ClassEncoding } from './targets.js';
export { bundledDatasetNames, loadBundledDataset, type BundledDataset } from './datasets.js';
