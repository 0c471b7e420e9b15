import { BackendUnavailableError, environmentChoice } from '@duality/linalg-core';
import * as tf from '@tensorflow/tfjs';
import { BLAS_BACKEND, registerBlasBackend } from './tfjs-blas-backend.js';

/** 'blas': the wasm backend with its matrix products through the system BLAS (./tfjs-blas-backend.ts). */
export type TfBackendName = 'tensorflow' | 'blas' | 'wasm' | 'cpu';

export interface TfBackendInfo {
  backend: TfBackendName;
  /** Why this backend runs, in words (what was tried and why it failed). */
  reason: string;
}

type Choice = 'auto' | 'node' | 'blas' | 'wasm' | 'cpu';

let selection: Promise<TfBackendInfo> | undefined;

function choiceFromEnv(): Choice {
  return environmentChoice<Choice>('DUALITY_TFJS', ['auto', 'node', 'blas', 'wasm', 'cpu']);
}

function message(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0]!.slice(0, 200);
}

async function activate(name: TfBackendName): Promise<void> {
  if (!(await tf.setBackend(name))) throw new Error(`tf.setBackend('${name}') returned false`);
  await tf.ready();
}

async function tryNode(): Promise<void> {
  // Registers the 'tensorflow' backend; throws when the native addon is missing.
  await import('@tensorflow/tfjs-node');
  await activate('tensorflow');
}

/** The libraries behind the blas backend, once it runs. */
async function tryBlas(): Promise<string[]> {
  const { libraries } = await registerBlasBackend();
  await activate(BLAS_BACKEND);
  return libraries;
}

async function tryWasm(): Promise<void> {
  await import('@tensorflow/tfjs-backend-wasm');
  await activate('wasm');
}

const NAMED: Record<Exclude<Choice, 'auto'>, { backend: TfBackendName; start: () => Promise<unknown> }> = {
  node: { backend: 'tensorflow', start: tryNode },
  blas: { backend: BLAS_BACKEND, start: tryBlas },
  wasm: { backend: 'wasm', start: tryWasm },
  cpu: { backend: 'cpu', start: () => activate('cpu') },
};

async function selectNamed(choice: Exclude<Choice, 'auto'>): Promise<TfBackendInfo> {
  const { backend, start } = NAMED[choice];
  try {
    await start();
  } catch (err) {
    throw new BackendUnavailableError(
      `DUALITY_TFJS=${choice} could not start (${message(err)}); unset it to fall back automatically`,
      { cause: err },
    );
  }
  return { backend, reason: `DUALITY_TFJS=${choice}` };
}

/** DUALITY_LINALG=ts asks for no native linear algebra: auto then keeps TF.js off the native BLAS too. */
function nativeBlasRefused(): boolean {
  return (process.env.DUALITY_LINALG ?? '').trim().toLowerCase() === 'ts';
}

async function selectAuto(): Promise<TfBackendInfo> {
  const notes: string[] = [];
  try {
    await tryNode();
    return { backend: 'tensorflow', reason: '@tensorflow/tfjs-node loaded (native TensorFlow)' };
  } catch (err) {
    notes.push(`@tensorflow/tfjs-node unavailable (${message(err)})`);
  }
  if (nativeBlasRefused()) {
    notes.push('DUALITY_LINALG=ts: native BLAS not used');
  } else {
    try {
      const libraries = await tryBlas();
      const blas = libraries.at(-1) ?? 'system BLAS';
      return { backend: BLAS_BACKEND, reason: `${notes.join('; ')}; using wasm with native BLAS products (${blas})` };
    } catch (err) {
      notes.push(`native BLAS unavailable (${message(err)})`);
    }
  }
  try {
    await tryWasm();
    return { backend: 'wasm', reason: `${notes.join('; ')}; using the wasm backend` };
  } catch (err) {
    notes.push(`wasm failed (${message(err)})`);
  }
  await activate('cpu');
  return { backend: 'cpu', reason: `${notes.join('; ')}; using the cpu backend` };
}

/**
 * Choose the TF.js backend once per process: tfjs-node if it loads, else blas (wasm with the system BLAS's sgemm
 * for matrix products; not under DUALITY_LINALG=ts), else wasm, else cpu (DUALITY_TFJS=auto|node|blas|wasm|cpu
 * forces one). Later calls return the same answer.
 */
export function initTensorflow(): Promise<TfBackendInfo> {
  selection ??= Promise.resolve().then(() => {
    // Production mode silences TF.js's console banner about tfjs-node: the choice and its reason are reported here.
    tf.enableProdMode();
    const choice = choiceFromEnv();
    return choice === 'auto' ? selectAuto() : selectNamed(choice);
  });
  return selection;
}
