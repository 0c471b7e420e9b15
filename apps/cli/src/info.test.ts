import { describe, expect, it } from 'vitest';
import { createProgram } from './program.js';

describe('duality info', () => {
  it('reports the selected backends with reasons as JSON', async () => {
    const lines: string[] = [];
    await createProgram({ write: (t) => lines.push(t) }).parseAsync(['node', 'duality', 'info', '--json']);
    const info = JSON.parse(lines.join('\n'));
    expect(['lapack', 'ts']).toContain(info.linalg.name);
    expect(info.linalg.reason.length).toBeGreaterThan(10);
    expect(['tensorflow', 'wasm', 'cpu']).toContain(info.tensorflow.backend);
    expect(info.tensorflow.reason.length).toBeGreaterThan(10);
    if (process.env.DUALITY_LINALG === 'ts' || process.env.DUALITY_LINALG === 'lapack') {
      expect(info.linalg.name).toBe(process.env.DUALITY_LINALG);
    }
  });
});
