export { TabularInputError } from './errors.js';
export { parseTable, readTable, type Table, type TableFormat } from './read.js';
export {
  prepareDesign,
  unscaleTarget,
  type Design,
  type DesignOptions,
  type Scaling,
  type Split,
} from './prepare.js';
export { bundledDatasetNames, loadBundledDataset, type BundledDataset } from './datasets.js';
