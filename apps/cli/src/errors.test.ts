import { LinalgInputError, NotPositiveDefiniteError, BackendUnavailableError } from '@duality/linalg-core';
import { LinearDynamicsInputError } from '@duality/linear-dynamics';
import { MixedModelInputError, MixedModelNumericalError } from '@duality/mixed-model';
import { KernelInputError, SpecError, UnsupportedLayerError } from '@duality/ntk';
import { TabularInputError } from '@duality/tabular';
import { TrainerInputError } from '@duality/trainer';
import { describe, expect, it } from 'vitest';
import { describeFailure, UsageError } from './errors.js';

describe('describeFailure', () => {
  it("treats every library's input error as the user's to fix: one line, exit code 2", () => {
    const inputErrors: Error[] = [
      new UsageError('u'),
      new LinalgInputError('l'),
      new NotPositiveDefiniteError(3, -1),
      new BackendUnavailableError('b'),
      new MixedModelInputError('m'),
      new SpecError('hiddenWidths[0]', 'expected a positive integer', 'e.g. 64'),
      new KernelInputError('k'),
      new UnsupportedLayerError('d'),
      new TabularInputError('t'),
      new TrainerInputError('r'),
      new LinearDynamicsInputError('y'),
    ];
    for (const err of inputErrors) {
      const { code, line } = describeFailure(err);
      expect(code, err.name).toBe(2);
      expect(line).toBe(err.message.split('\n')[0]);
    }
  });

  it('reports anything else as an internal error, exit code 1, pointing at DUALITY_DEBUG', () => {
    for (const err of [new TypeError('x is undefined'), new MixedModelNumericalError('did not converge')]) {
      const { code, line } = describeFailure(err);
      expect(code).toBe(1);
      expect(line).toMatch(/^internal error: .*DUALITY_DEBUG=1/);
    }
  });
});
