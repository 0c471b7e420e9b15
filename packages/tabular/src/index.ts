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
/** The split's permutation, from linalg-core (the workspace's one seeded generator). */
export { seededPermutation } from '@duality/linalg-core';
export { bundledDatasetNames, loadBundledDataset, type BundledDataset } from './datasets.js';
