import { backend_util, util, type GatherV2Attrs, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { wasmKernel, type KernelArgs } from './tfjs-blas-products.js';

/** The `blas` backend's kernels that replace the wasm backend's copies: shared data, or plain row copies. */
export interface CopyKernels {
  Identity: KernelFunc;
  Cast: KernelFunc;
  GatherV2: KernelFunc;
}

/** The same data under another tensor, reference counted (as the cpu backend's identity), instead of a copy. */
function share(x: TensorInfo, backend: BackendWasm): TensorInfo {
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/**
 * Gather slices along an axis with typed-array copies (the wasm kernel costs about 25 ns a value, and model.fit
 * gathers every batch of every epoch). Same shapes, batch dimensions and index checks as the cpu kernel.
 */
function gather(args: KernelArgs): TensorInfo {
  const { x, indices } = args.inputs as { x: TensorInfo; indices: TensorInfo };
  const { axis, batchDims } = args.attrs as unknown as GatherV2Attrs;
  const backend = args.backend;
  const parsedAxis = util.parseAxisParam(axis, x.shape)[0]!;
  const info = backend_util.segment_util.collectGatherOpShapeInfo(x, indices, parsedAxis, batchDims ?? 0);
  const out = backend.makeOutput(info.outputShape, x.dtype);
  const [from, to, index] = [backend.typedArrayFromHeap(x), backend.typedArrayFromHeap(out), backend.typedArrayFromHeap(indices)];
  const { batchSize, outerSize, dimSize, sliceSize } = info;
  const perBatch = index.length / Math.max(batchSize, 1);
  for (const i of index) {
    util.assert(i >= 0 && i <= dimSize - 1, () => `GatherV2: the index value ${i} is not in [0, ${dimSize - 1}]`);
  }
  let target = 0;
  for (let b = 0; b < batchSize; b++) {
    for (let o = 0; o < outerSize; o++) {
      const base = (b * outerSize + o) * dimSize;
      for (let j = 0; j < perBatch; j++, target += sliceSize) {
        const source = (base + index[b * perBatch + j]!) * sliceSize;
        // Short slices (a row of a few features) copy faster by hand than through subarray + set.
        if (sliceSize < 16) for (let v = 0; v < sliceSize; v++) to[target + v] = from[source + v]!;
        else to.set(from.subarray(source, source + sliceSize), target);
      }
    }
  }
  return out;
}

export function copyKernels(): CopyKernels {
  return {
    Identity: (params) => {
      const { inputs, backend } = params as unknown as KernelArgs;
      const x = inputs.x!;
      return x.dtype === 'string' ? wasmKernel('Identity')(params) : share(x, backend);
    },
    Cast: (params) => {
      const { inputs, backend, attrs } = params as unknown as KernelArgs;
      const x = inputs.x!;
      return attrs?.dtype === x.dtype && x.dtype !== 'string' ? share(x, backend) : wasmKernel('Cast')(params);
    },
    GatherV2: (params) => {
      const args = params as unknown as KernelArgs;
      return args.inputs.x!.dtype === 'string' ? wasmKernel('GatherV2')(params) : gather(args);
    },
  };
}
