import * as tf from '@tensorflow/tfjs';

export type TfBackendName = 'tensorflow' | 'wasm' | 'cpu';

export interface TfBackendInfo {
  backend: TfBackendName;
  /** Why this backend runs, in words (what was tried and why it failed). */
  reason: string;
}

type Choice = 'auto' | 'node' | 'wasm' | 'cpu';

let selection: Promise<TfBackendInfo> | undefined;

function choiceFromEnv(): Choice {
  const raw = (process.env.DUALITY_TFJS ?? '').trim().toLowerCase();
  if (raw === '' || raw === 'auto') return 'auto';
  if (raw === 'node' || raw === 'wasm' || raw === 'cpu') return raw;
  throw new Error(`DUALITY_TFJS=${process.env.DUALITY_TFJS} is not a TF.js backend; use auto, node, wasm or cpu`);
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

async function tryWasm(): Promise<void> {
  await import('@tensorflow/tfjs-backend-wasm');
  await activate('wasm');
}

async function select(choice: Choice): Promise<TfBackendInfo> {
  if (choice === 'node' || choice === 'wasm' || choice === 'cpu') {
    try {
      if (choice === 'node') await tryNode();
      else if (choice === 'wasm') await tryWasm();
      else await activate('cpu');
    } catch (err) {
      throw new Error(`DUALITY_TFJS=${choice} could not start (${message(err)}); unset it to fall back automatically`);
    }
    const backend = choice === 'node' ? 'tensorflow' : choice;
    return { backend, reason: `DUALITY_TFJS=${choice}` };
  }
  let nodeFailure: string;
  try {
    await tryNode();
    return { backend: 'tensorflow', reason: '@tensorflow/tfjs-node loaded (native TensorFlow)' };
  } catch (err) {
    nodeFailure = message(err);
  }
  try {
    await tryWasm();
    return { backend: 'wasm', reason: `@tensorflow/tfjs-node unavailable (${nodeFailure}); using the wasm backend` };
  } catch (err) {
    await activate('cpu');
    return {
      backend: 'cpu',
      reason: `@tensorflow/tfjs-node unavailable (${nodeFailure}); wasm failed (${message(err)}); using the cpu backend`,
    };
  }
}

/**
 * Choose the TF.js backend once per process: tfjs-node if it loads, else wasm, else cpu
 * (DUALITY_TFJS=auto|node|wasm|cpu forces one). Later calls return the same answer.
 */
export function initTensorflow(): Promise<TfBackendInfo> {
  selection ??= Promise.resolve().then(() => {
    // Production mode silences TF.js's console banner about tfjs-node: the choice and its reason are reported here.
    tf.enableProdMode();
    return select(choiceFromEnv());
  });
  return selection;
}
