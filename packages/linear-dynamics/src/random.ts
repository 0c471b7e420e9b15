import { LinearDynamicsInputError } from './errors.js';

/** A seeded source of uniform and standard-normal draws (reproducible across platforms). */
export interface Rng {
  /** Uniform on [0, 1) with 53 random bits. */
  uniform(): number;
  /** Standard normal. */
  gaussian(): number;
  /** Fill `out` with independent N(0, scale²) draws. */
  fillGaussian(out: Float64Array, scale?: number): Float64Array;
}

/**
 * xoshiro128** (Blackman & Vigna) seeded through splitmix32, with Marsaglia's polar method for normals.
 * 32-bit state words keep it exact in plain JS numbers (no BigInt in the hot loop).
 */
export function createRng(seed: number): Rng {
  if (!Number.isSafeInteger(seed)) {
    throw new LinearDynamicsInputError(`seed must be a safe integer, got ${seed}`);
  }
  let mix = (seed ^ Math.floor(seed / 2 ** 32)) >>> 0;
  const splitmix32 = (): number => {
    mix = (mix + 0x9e3779b9) >>> 0;
    let z = mix;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  // int32 state in a typed array: unsigned words above 2³¹ would be boxed as heap numbers in closures
  const state = new Int32Array(4);
  for (let i = 0; i < 4; i++) state[i] = splitmix32() | 0;
  if ((state[0]! | state[1]! | state[2]! | state[3]!) === 0) state[0] = 1; // the all-zero state is a fixed point

  const next32 = (): number => {
    const s0 = state[0]!;
    const s1 = state[1]!;
    const s2 = state[2]! ^ s0;
    const s3 = state[3]! ^ s1;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9);
    state[0] = s0 ^ s3;
    state[1] = s1 ^ s2;
    state[2] = s2 ^ (s1 << 9);
    state[3] = rotl(s3, 11);
    return result;
  };
  const uniform = (): number => ((next32() >>> 5) * 67108864 + (next32() >>> 6)) / 9007199254740992;

  const spare = new Float64Array(1); // a mutable double captured by a closure would be re-boxed on every write
  let hasSpare = false;
  const gaussian = (): number => {
    if (hasSpare) {
      hasSpare = false;
      return spare[0]!;
    }
    let u: number;
    let v: number;
    let q: number;
    do {
      u = 2 * uniform() - 1;
      v = 2 * uniform() - 1;
      q = u * u + v * v;
    } while (q >= 1 || q === 0);
    const f = Math.sqrt((-2 * Math.log(q)) / q);
    spare[0] = v * f;
    hasSpare = true;
    return u * f;
  };
  const fillGaussian = (out: Float64Array, scale = 1): Float64Array => {
    for (let i = 0; i < out.length; i++) out[i] = scale * gaussian();
    return out;
  };
  return { uniform, gaussian, fillGaussian };
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
