import { findBackendFactory, getKernelsForBackend, registerBackend, registerKernel } from '@tensorflow/tfjs-core';
import { BackendUnavailableError, loadFloat32Gemm } from '@duality/linalg-core';
import { copyKernels, type CopyKernels } from './tfjs-blas-copies.js';
import { productKernels, type ProductKernels } from './tfjs-blas-products.js';

/** The TF.js backend name of the wasm backend with native BLAS products. */
export const BLAS_BACKEND = 'blas';

export interface BlasBackendInfo {
  /** The shared libraries behind sgemm, and the OpenBLAS build and thread count. */
  libraries: string[];
}

let registration: Promise<BlasBackendInfo> | undefined;

type ReplacedKernels = ProductKernels & CopyKernels;

function isReplaced(name: string, kernels: ReplacedKernels): name is keyof ReplacedKernels {
  return Object.hasOwn(kernels, name);
}

async function register(): Promise<BlasBackendInfo> {
  // The wasm backend registers in any case (the fallback); a missing BLAS then fails before 'blas' registers.
  await import('@tensorflow/tfjs-backend-wasm');
  const { sgemm, libraries } = loadFloat32Gemm();
  const wasmFactory = findBackendFactory('wasm');
  if (!wasmFactory) throw new BackendUnavailableError('the wasm backend did not register');
  const replaced: ReplacedKernels = { ...productKernels(sgemm), ...copyKernels() };
  for (const config of getKernelsForBackend('wasm')) {
    const { kernelName } = config;
    // A replaced kernel keeps the wasm setup: it falls back to the wasm kernel for cases it leaves alone.
    const kernelFunc = isReplaced(kernelName, replaced) ? replaced[kernelName] : config.kernelFunc;
    registerKernel({ ...config, backendName: BLAS_BACKEND, kernelFunc });
  }
  // Its own wasm module (own heap, own tensor ids): TF.js rebinds the kept kernels to the active backend's module
  // on every setBackend, so 'blas' and 'wasm' can both be used in one process. Priority 0: only chosen by name.
  registerBackend(BLAS_BACKEND, () => wasmFactory(), 0);
  return { libraries };
}

/**
 * Register the TF.js backend `blas`: the wasm backend (SIMD elementwise kernels) whose matrix products
 * (`BatchMatMul`, `_FusedMatMul`, which Dense layers and their gradients use) and sums over leading or trailing
 * axes (bias gradients) run through the system BLAS's `cblas_sgemm` on the wasm heap, without copies; identities
 * and same-dtype casts share data and `GatherV2` (model.fit's batches) copies rows instead of the wasm kernels'
 * slow copies. Rejects with a BackendUnavailableError saying what is missing when no BLAS loads
 * (the plain wasm backend is registered either way). Registers once per process.
 */
export function registerBlasBackend(): Promise<BlasBackendInfo> {
  registration ??= register();
  return registration;
}
