import { backendInfo } from '@duality/linalg-core';
import { initTensorflow } from '@duality/ntk';
import { describe, expect, it } from 'vitest';
import { createProgram } from './program.js';

describe('duality info', () => {
  it('reports the backends the libraries chose, with their reasons, as JSON', async () => {
    const lines: string[] = [];
    await createProgram({ write: (t) => lines.push(t) }).parseAsync(['node', 'duality', 'info', '--json']);
    const info = JSON.parse(lines.join('\n'));
    expect(info.linalg).toMatchObject(JSON.parse(JSON.stringify(backendInfo())));
    expect(info.tensorflow).toEqual(await initTensorflow());
    if (process.env.DUALITY_LINALG === 'ts' || process.env.DUALITY_LINALG === 'lapack') {
      expect(info.linalg.name).toBe(process.env.DUALITY_LINALG);
    }
  });
});
