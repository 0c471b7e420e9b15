export { SpecError, UnsupportedLayerError, KernelInputError } from './errors.js';
export { ACTIVATION_NAMES, activationBackward, applyActivation, type Activation, type ActivationName } from './activations.js';
export {
  PARAMETERISATIONS,
  layerPlans,
  parameterCount,
  validateSpec,
  type LayerPlan,
  type MlpSpec,
  type Parameterisation,
} from './spec.js';
export { toTrainingScale, type Kernel, type KernelScale } from './kernel.js';
export {
  analyticCrossKernel,
  analyticDiagonal,
  analyticKernels,
  type AnalyticKernels,
  type CrossKernelOptions,
  type AnalyticOptions,
  type KernelPair,
} from './analytic.js';
export { initTensorflow, type TfBackendInfo, type TfBackendName } from './tfjs-backend.js';
export { BLAS_BACKEND, registerBlasBackend, type BlasBackendInfo } from './tfjs-blas-backend.js';
export {
  DenseNetwork,
  INITIAL_OUTPUTS,
  buildNetwork,
  type BuildOptions,
  type DenseParameters,
  type InitialOutput,
} from './network.js';
export { readSequential } from './read-sequential.js';
export { bruteForceNtk, empiricalNtk, type EmpiricalNtk, type EmpiricalOptions } from './empirical.js';
export { empiricalCrossKernel, type EmpiricalCross, type EmpiricalCrossOptions } from './empirical-cross.js';
export { LANDMARK_METHODS, selectLandmarks, type LandmarkMethod } from './landmarks.js';
export {
  DEFAULT_NYSTROM_TOLERANCE,
  nystromFactor,
  nystromToTrainingScale,
  type NystromFactor,
  type NystromParts,
} from './nystrom.js';
export {
  analyticNtkNystrom,
  analyticNystrom,
  empiricalNystrom,
  type AnalyticNystrom,
  type EmpiricalNystrom,
  type NystromOptions,
} from './nystrom-kernels.js';
