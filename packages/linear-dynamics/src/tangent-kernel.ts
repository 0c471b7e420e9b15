import { gemm, Matrix64, syrk } from '@duality/linalg-core';
import { LinearDynamicsInputError } from './errors.js';
import { drawProblem, type DrawnProblem, type SimulationOptions } from './simulate.js';

/** The network's tangent kernel on its training set at initialisation, in math.md §0's convention. */
export interface InitialTangentKernel {
  /**
   * Θ = JJᵀ/P (P×P, float64) with J = ∂f(X)/∂θ at the initial weights. The spec's loss (1/2P)Σ(y − f)² is
   * math.md's (1/2n)‖f − y‖² with n = P, so the 1/P belongs here and linearised GD is f ← f − ηΘ(f − y).
   */
  kernel: Matrix64;
  /** f0 = f(X) at initialisation. */
  initialOutput: Float64Array;
  /** The training targets y. */
  targets: Float64Array;
  /** The raw learning rate η = η₀γ₀²N: continuous time t = η·k after k GD steps. */
  rawLearningRate: number;
}

/** The tangent kernel at initialisation of the network `simulateNetwork` draws from the same options (repeated data). */
export function initialTangentKernel(options: SimulationOptions): InitialTangentKernel {
  return tangentKernelOf(drawProblem(options), options);
}

/**
 * Exact layer-by-layer NTK of a drawn problem (it does not change the problem). f = c·gᵀW h for each weight
 * matrix W, with g its (input-independent) backward field and h(x) its forward input, so the layer adds
 * c²‖g‖² h(x)·h(x′): the input layer (1/γ₀N)²‖g¹‖² x·x′, each hidden or residual layer ℓ
 * (√D/γ₀N)²(β_r²/N)‖g^{ℓ+1}‖² h^ℓ(x)·h^ℓ(x′), and the read-out (√D/γ₀N)² h^top(x)·h^top(x′).
 */
export function tangentKernelOf(problem: DrawnProblem, options: SimulationOptions): InitialTangentKernel {
  const { network: net, inputDim: D } = options;
  if (problem.batch === undefined) {
    throw new LinearDynamicsInputError("the tangent kernel needs a fixed training set: use sampling 'repeated'");
  }
  const { width: N, samples: P, hiddenWeights } = problem;
  const residual = net.residual !== undefined;
  const hiddenScale = (residual ? net.residual!.branchScale : 1) / Math.sqrt(N);
  const outputScale = Math.sqrt(D) / (net.richness * N);

  // backward fields: backward[top] = w, backward[ℓ] = W^ℓᵀ backward[ℓ+1]·scale (+ backward[ℓ+1] if residual)
  const backward: Float64Array[] = [problem.readout];
  for (let l = hiddenWeights.length - 1; l >= 0; l--) {
    const above = backward[0]!;
    const below = Float64Array.from(residual ? above : new Float64Array(N));
    const W = hiddenWeights[l]!;
    for (let i = 0; i < N; i++) {
      const gi = above[i]! * hiddenScale;
      for (let j = 0; j < N; j++) below[j]! += W[i * N + j]! * gi;
    }
    backward.unshift(below);
  }
  // forward features on the training inputs: forward[0] = h¹(X) = XW⁰ᵀ/√D, then each hidden or residual layer
  const inputs = new Matrix64(P, D, problem.batch.inputs);
  const forward: Matrix64[] = [times(inputs, new Matrix64(N, D, problem.inputWeights), 1 / Math.sqrt(D))];
  for (const W of hiddenWeights) {
    const below = forward[forward.length - 1]!;
    const next = times(below, new Matrix64(N, N, W), hiddenScale);
    if (residual) for (let k = 0; k < next.data.length; k++) next.data[k]! += below.data[k]!;
    forward.push(next);
  }

  const kernel = new Matrix64(P, P);
  const accumulate = (features: Matrix64, weight: number): void => {
    const gram = syrk(features);
    for (let k = 0; k < gram.data.length; k++) kernel.data[k]! += (weight * gram.data[k]!) / P;
  };
  accumulate(inputs, squaredNorm(backward[0]!) / (net.richness * N) ** 2);
  hiddenWeights.forEach((_, l) => accumulate(forward[l]!, outputScale ** 2 * hiddenScale ** 2 * squaredNorm(backward[l + 1]!)));
  const top = forward[forward.length - 1]!;
  accumulate(top, outputScale ** 2);

  const initialOutput = new Float64Array(P);
  for (let mu = 0; mu < P; mu++) {
    let f = 0;
    for (let i = 0; i < N; i++) f += top.data[mu * N + i]! * problem.readout[i]!;
    initialOutput[mu] = outputScale * f;
  }
  return {
    kernel,
    initialOutput,
    targets: Float64Array.from(problem.batch.targets),
    rawLearningRate: net.learningRate * net.richness ** 2 * N,
  };
}

/** scale·A·Bᵀ. */
function times(a: Matrix64, b: Matrix64, scale: number): Matrix64 {
  const product = gemm(a, b, { transB: true });
  for (let k = 0; k < product.data.length; k++) product.data[k]! *= scale;
  return product;
}

function squaredNorm(x: Float64Array): number {
  let s = 0;
  for (const v of x) s += v * v;
  return s;
}
