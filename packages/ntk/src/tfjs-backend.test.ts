import * as tf from '@tensorflow/tfjs';
import type * as linalg from '@duality/linalg-core';
import { loadFloat32Gemm } from '@duality/linalg-core';
import { afterEach, describe, expect, it, vi } from 'vitest';

const loads = (load: () => unknown): Promise<boolean> =>
  Promise.resolve()
    .then(load)
    .then(
      () => true,
      () => false,
    );

/** What auto must choose here: tfjs-node, else blas (not under DUALITY_LINALG=ts), else wasm. */
async function expectedAutoChoice(): Promise<string> {
  if (await loads(() => import('@tensorflow/tfjs-node'))) return 'tensorflow';
  if ((process.env.DUALITY_LINALG ?? '').trim().toLowerCase() === 'ts') return 'wasm';
  return (await loads(loadFloat32Gemm)) ? 'blas' : 'wasm';
}

describe('initTensorflow', () => {
  const saved = process.env.DUALITY_TFJS;
  afterEach(() => {
    if (saved === undefined) delete process.env.DUALITY_TFJS;
    else process.env.DUALITY_TFJS = saved;
  });

  it('runs the backend DUALITY_TFJS names, or else the fastest that loads, and says why', async () => {
    const { initTensorflow } = await import('./tfjs-backend.js');
    const info = await initTensorflow();
    expect(tf.getBackend()).toBe(info.backend);
    const forced = (saved ?? '').trim().toLowerCase();
    const expected = forced === '' || forced === 'auto' ? await expectedAutoChoice() : forced.replace('node', 'tensorflow');
    expect(info.backend).toBe(expected);
    if (expected === 'blas') expect(info.reason).toMatch(/native BLAS products/);
    if (expected === 'wasm' && process.env.DUALITY_LINALG === 'ts') expect(info.reason).toMatch(/DUALITY_LINALG=ts/);
    expect(await initTensorflow()).toBe(info);
  });

  it.skipIf(saved !== undefined)('falls back to wasm, saying why, when no native BLAS loads', async () => {
    vi.resetModules();
    vi.doMock('@duality/linalg-core', async (importOriginal) => ({
      ...(await importOriginal<typeof linalg>()),
      loadFloat32Gemm: () => {
        throw new Error('no usable LAPACK/BLAS shared library (simulated)');
      },
    }));
    const { initTensorflow } = await import('./tfjs-backend.js');
    const info = await initTensorflow().finally(() => vi.doUnmock('@duality/linalg-core'));
    if (info.backend === 'tensorflow') return; // tfjs-node loaded: BLAS never asked
    expect(info.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    if (process.env.DUALITY_LINALG !== 'ts') expect(info.reason).toMatch(/native BLAS unavailable \(no usable .*simulated/);
  });

  it('names every backend when DUALITY_TFJS is not one', async () => {
    vi.resetModules();
    process.env.DUALITY_TFJS = 'gpu';
    const { initTensorflow } = await import('./tfjs-backend.js');
    // A fresh module graph has its own copy of the class, so the error is matched by name and kind, not instanceof.
    await expect(initTensorflow()).rejects.toMatchObject({ name: 'EnvironmentVariableError', kind: 'input' });
    await expect(initTensorflow()).rejects.toThrow('DUALITY_TFJS=gpu is not valid; use one of auto|node|blas|wasm|cpu');
  });
});
