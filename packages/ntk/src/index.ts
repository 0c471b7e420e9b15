export { SpecError, UnsupportedLayerError, KernelInputError } from './errors.js';
export { ACTIVATION_NAMES, activationBackward, applyActivation, type Activation, type ActivationName } from './activations.js';
export {
  PARAMETERISATIONS,
  layerPlans,
  validateSpec,
  type LayerPlan,
  type MlpSpec,
  type Parameterisation,
} from './spec.js';
export { toTrainingScale, type Kernel, type KernelScale } from './kernel.js';
export {
  analyticKernels,
  type AnalyticKernels,
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
