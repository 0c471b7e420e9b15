export { LinearDynamicsInputError } from './errors.js';
export {
  directionSpectrum,
  isotropicData,
  mixtureData,
  powerLawData,
  type DataMode,
  type DataModel,
  type Sampling,
} from './data.js';
export { depthMuPBranchScale, ntkRichness, type NetworkSpec } from './network.js';
export { solveDmft, type DmftOptions, type DmftResult } from './dmft.js';
export { lazyIsotropicLoss, type LazyIsotropicOptions } from './lazy.js';
export {
  drawProblem,
  simulateNetwork,
  trainProblem,
  type DrawnProblem,
  type SimulationOptions,
  type SimulationResult,
} from './simulate.js';
export { learningRateSweep, logLogSlope, type LearningRateSweep } from './sweeps.js';
export { trainTfjsNetwork } from './tfjs-network.js';
export { initialTangentKernel, tangentKernelOf, type InitialTangentKernel } from './tangent-kernel.js';
