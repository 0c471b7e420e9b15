import {
  backend_util,
  broadcast_util,
  getKernel,
  util,
  type _FusedMatMulAttrs,
  type BatchMatMulAttrs,
  type SumAttrs,
  type KernelFunc,
  type NamedAttrMap,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { Float32Gemm } from '@duality/linalg-core';

/** The `blas` backend's kernels that replace the wasm backend's products and sums. */
export interface ProductKernels {
  BatchMatMul: KernelFunc;
  _FusedMatMul: KernelFunc;
  Sum: KernelFunc;
}

/** What a kernel of the blas backend receives (a KernelFunc's arguments, with the backend's type). */
export interface KernelArgs {
  inputs: Record<string, TensorInfo | undefined>;
  backend: BackendWasm;
  attrs?: NamedAttrMap;
}

interface ProductShape {
  outShape: number[];
  /** Rows and columns of one product, and the shared (inner) dimension. */
  m: number;
  n: number;
  k: number;
  batchA: number;
  batchB: number;
}

/** A float32 tensor's values, in place on the wasm heap: take views after allocating (the heap may have grown). */
export function heapFloat32(backend: BackendWasm, t: TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(t) as Float32Array;
}

/** Shapes of op(A)·op(B) over broadcast leading (batch) dimensions, checked the way the cpu backend checks them. */
function productShape(a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): ProductShape {
  const [aRank, bRank] = [a.shape.length, b.shape.length];
  const k = transposeA ? a.shape[aRank - 2]! : a.shape[aRank - 1]!;
  const kB = transposeB ? b.shape[bRank - 1]! : b.shape[bRank - 2]!;
  const m = transposeA ? a.shape[aRank - 1]! : a.shape[aRank - 2]!;
  const n = transposeB ? b.shape[bRank - 2]! : b.shape[bRank - 1]!;
  util.assert(
    k === kB,
    () => `Error in matMul: inner shapes (${k}) and (${kB}) of Tensors with shapes ${a.shape} and ${b.shape} ` +
      `and transposeA=${transposeA} and transposeB=${transposeB} must match.`,
  );
  const outerA = a.shape.slice(0, -2);
  const outerB = b.shape.slice(0, -2);
  const outer = broadcast_util.assertAndGetBroadcastShape(outerA, outerB);
  const [batchA, batchB] = [util.sizeFromShape(outerA), util.sizeFromShape(outerB)];
  // Flattened batches pair up one to one, or one side is a single matrix reused (what tf.matMul sends).
  util.assert(
    batchA === batchB || batchA === 1 || batchB === 1,
    () => `Error in matMul: batch dimensions ${outerA} and ${outerB} only broadcast when one of them is 1`,
  );
  return { outShape: [...outer, m, n], m, n, k, batchA, batchB };
}

/** op(A)·op(B) for each batch, by sgemm straight on the wasm heap (no copies). */
function batchProduct(sgemm: Float32Gemm, args: KernelArgs, transposeA: boolean, transposeB: boolean): TensorInfo {
  const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
  const backend = args.backend;
  if (a.dtype !== 'float32' || b.dtype !== 'float32') {
    throw new Error(`BatchMatMul for non-float32 tensors is not supported by the blas backend (got ${a.dtype}, ${b.dtype})`);
  }
  const { outShape, m, n, k, batchA, batchB } = productShape(a, b, transposeA, transposeB);
  const out = backend.makeOutput(outShape, 'float32');
  const [aValues, bValues, outValues] = [heapFloat32(backend, a), heapFloat32(backend, b), heapFloat32(backend, out)];
  const batches = Math.max(batchA, batchB);
  const [aSize, bSize, outSize] = [m * k, k * n, m * n];
  for (let i = 0; i < batches; i++) {
    const aOffset = batchA === 1 ? 0 : i * aSize;
    const bOffset = batchB === 1 ? 0 : i * bSize;
    sgemm(
      transposeA, transposeB, m, n, k,
      aValues.subarray(aOffset, aOffset + aSize),
      bValues.subarray(bOffset, bOffset + bSize),
      outValues.subarray(i * outSize, (i + 1) * outSize),
    );
  }
  return out;
}

/** A float32 vector of ones, reused while long enough (sums are products with it). */
let ones = new Float32Array(0);
function onesOf(length: number): Float32Array {
  if (ones.length < length) ones = new Float32Array(Math.max(length, 2 * ones.length)).fill(1);
  return ones.subarray(0, length);
}

/**
 * Sum over a leading or trailing block of axes as a product with a ones vector: [outer, inner] summed over the
 * leading block is 1×outer · outer×inner, over the trailing block outer×inner · inner×1. Undefined for other
 * axes or dtypes (the wasm kernel then runs, transposing first).
 */
function sumAsProduct(sgemm: Float32Gemm, args: KernelArgs): TensorInfo | undefined {
  const x = args.inputs.x!;
  const { axis, keepDims } = args.attrs as unknown as SumAttrs;
  const backend = args.backend;
  const rank = x.shape.length;
  const axes = util.parseAxisParam(axis, x.shape).sort((p, q) => p - q);
  const keptShape = x.shape.filter((_, a) => !axes.includes(a));
  const outShape = keepDims ? backend_util.expandShapeToKeepDim(keptShape, axes) : keptShape;
  if (util.sizeFromShape(x.shape) === 0) {
    // The sum of an empty tensor is zeros (the wasm kernel leaves that memory unwritten).
    const zeros = backend.makeOutput(outShape, x.dtype);
    backend.typedArrayFromHeap(zeros).fill(0);
    return zeros;
  }
  const contiguous = axes.every((a, i) => a === axes[0]! + i);
  const leading = axes.length > 0 && axes[0] === 0 && axes.length < rank;
  const trailing = axes.length > 0 && axes[axes.length - 1] === rank - 1;
  if (x.dtype !== 'float32' || !contiguous || !(leading || trailing)) return undefined;
  const reduced = util.sizeFromShape(axes.map((a) => x.shape[a]!));
  const kept = util.sizeFromShape(keptShape);
  const out = backend.makeOutput(outShape, 'float32');
  const [values, sums] = [heapFloat32(backend, x), heapFloat32(backend, out)];
  if (trailing) sgemm(false, false, kept, 1, reduced, values, onesOf(reduced), sums);
  else sgemm(false, false, 1, kept, reduced, onesOf(reduced), values, sums);
  return out;
}

/** The wasm backend's kernel `name` (the blas backend keeps it, bound to its own wasm module while it is active). */
export function wasmKernel(name: string): KernelFunc {
  const config = getKernel(name, 'wasm');
  if (!config) throw new Error(`the wasm backend has no ${name} kernel`);
  return config.kernelFunc;
}

/** Run a kept kernel on an intermediate result and release the intermediate. */
function thenRun(kernel: KernelFunc, args: KernelArgs, input: TensorInfo, inputs: Record<string, TensorInfo>, attrs: NamedAttrMap): TensorInfo {
  const result = kernel({ inputs, backend: args.backend, attrs }) as TensorInfo;
  args.backend.disposeData(input.dataId);
  return result;
}

/** The activations a fused product can end with, as the kernels that compute them (the wasm SIMD ones). */
function applyActivation(args: KernelArgs, x: TensorInfo, attrs: _FusedMatMulAttrs): TensorInfo {
  const { activation, leakyreluAlpha } = attrs;
  switch (activation) {
    case 'linear':
      return x;
    case 'relu':
      return thenRun(wasmKernel('Relu'), args, x, { x }, {});
    case 'relu6':
      return thenRun(wasmKernel('Relu6'), args, x, { x }, {});
    case 'elu':
      return thenRun(wasmKernel('Elu'), args, x, { x }, {});
    case 'sigmoid':
      return thenRun(wasmKernel('Sigmoid'), args, x, { x }, {});
    case 'leakyrelu':
      return thenRun(wasmKernel('LeakyRelu'), args, x, { x }, { alpha: leakyreluAlpha ?? 0.2 });
    case 'prelu': {
      const alpha = args.inputs.preluActivationWeights!;
      return thenRun(wasmKernel('Prelu'), args, x, { x, alpha }, {});
    }
    default:
      throw new Error(`_FusedMatMul: unknown activation ${String(activation)}`);
  }
}

/** Kernels for the `blas` backend: products, and sums over leading or trailing axes, through `sgemm`. */
export function productKernels(sgemm: Float32Gemm): ProductKernels {
  return {
    BatchMatMul: (params) => {
      const args = params as unknown as KernelArgs;
      const { transposeA, transposeB } = args.attrs as unknown as BatchMatMulAttrs;
      return batchProduct(sgemm, args, transposeA, transposeB);
    },
    _FusedMatMul: (params) => {
      const args = params as unknown as KernelArgs;
      const attrs = args.attrs as unknown as _FusedMatMulAttrs;
      let result = batchProduct(sgemm, args, attrs.transposeA, attrs.transposeB);
      const bias = args.inputs.bias;
      // Bias and activation by the kept (broadcasting, SIMD) kernels: one pass each over the output.
      if (bias) result = thenRun(wasmKernel('Add'), args, result, { a: result, b: bias }, {});
      return applyActivation(args, result, attrs);
    },
    Sum: (params) => sumAsProduct(sgemm, params as unknown as KernelArgs) ?? wasmKernel('Sum')(params),
  };
}
