export { TabularInputError } from './errors.js';
export { parseTable, readTable, type Table, type TableFormat } from './read.js';
export {
  prepareDesign,
  unscaleTarget,
  type Design,
  type DesignOptions,
  type Split,
} from './prepare.js';
export type { Scaling } from './columns.js';
export { DEFAULT_MAX_CLASSES, type ClassEncoding } from './targets.js';
export { bundledDatasetNames, loadBundledDataset, type BundledDataset } from './datasets.js';
