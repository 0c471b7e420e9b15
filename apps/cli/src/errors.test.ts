import {
  BackendUnavailableError,
  DualityError,
  EnvironmentVariableError,
  LinalgInputError,
  LinalgNumericalError,
  NotPositiveDefiniteError,
  type ErrorKind,
} from '@duality/linalg-core';
import { LinearDynamicsInputError } from '@duality/linear-dynamics';
import { MixedModelInputError, MixedModelNumericalError } from '@duality/mixed-model';
import { KernelInputError, SpecError, UnsupportedLayerError } from '@duality/ntk';
import { TabularInputError } from '@duality/tabular';
import { TrainerInputError } from '@duality/trainer';
import { describe, expect, it } from 'vitest';
import { describeFailure, UsageError } from './errors.js';

/** Every public error class, with the kind it promises and the name users see. */
const classes: { err: DualityError; kind: ErrorKind; name: string }[] = [
  { err: new UsageError('u'), kind: 'input', name: 'UsageError' },
  { err: new LinalgInputError('l'), kind: 'input', name: 'LinalgInputError' },
  { err: new NotPositiveDefiniteError(3, -1), kind: 'input', name: 'NotPositiveDefiniteError' },
  { err: new EnvironmentVariableError('DUALITY_X', 'bogus', ['a', 'b']), kind: 'input', name: 'EnvironmentVariableError' },
  { err: new MixedModelInputError('m'), kind: 'input', name: 'MixedModelInputError' },
  { err: new SpecError('hiddenWidths[0]', 'expected a positive integer', 'e.g. 64'), kind: 'input', name: 'SpecError' },
  { err: new KernelInputError('k'), kind: 'input', name: 'KernelInputError' },
  { err: new UnsupportedLayerError('d'), kind: 'input', name: 'UnsupportedLayerError' },
  { err: new TabularInputError('t'), kind: 'input', name: 'TabularInputError' },
  { err: new TrainerInputError('r'), kind: 'input', name: 'TrainerInputError' },
  { err: new LinearDynamicsInputError('y'), kind: 'input', name: 'LinearDynamicsInputError' },
  { err: new BackendUnavailableError('b'), kind: 'environment', name: 'BackendUnavailableError' },
  { err: new LinalgNumericalError('e'), kind: 'numerical', name: 'LinalgNumericalError' },
  { err: new MixedModelNumericalError('n'), kind: 'numerical', name: 'MixedModelNumericalError' },
];

describe('the error classes', () => {
  it('all extend DualityError and Error, keep their public names and carry their kind', () => {
    for (const { err, kind, name } of classes) {
      expect(err, name).toBeInstanceOf(DualityError);
      expect(err, name).toBeInstanceOf(Error);
      expect(err.name).toBe(name);
      expect(err.kind, name).toBe(kind);
    }
  });
});

describe('describeFailure', () => {
  it('maps input and environment errors to one line (the message) and exit code 2', () => {
    for (const { err, kind } of classes.filter((c) => c.kind === 'input' || c.kind === 'environment')) {
      expect(describeFailure(err), `${err.name} (${kind})`).toEqual({ code: 2, line: err.message });
    }
  });

  it('decides by kind alone, not by class name or message', () => {
    // A plain DualityError carries no telling name; one named like an input error but of kind 'internal' is a bug.
    expect(describeFailure(new DualityError('libfoo.so missing', { kind: 'environment' })).code).toBe(2);
    const misnamed = new DualityError('bad input: a column'); // 'internal' by default
    misnamed.name = 'TabularInputError';
    expect(describeFailure(misnamed).code).toBe(1);
    const lookalike = new Error('x');
    lookalike.name = 'LinalgInputError';
    expect(describeFailure(lookalike).code).toBe(1);
    // An input error from another copy of the packages (its own classes): known by its kind.
    expect(describeFailure(Object.assign(new Error('bad flag'), { kind: 'input' }))).toEqual({ code: 2, line: 'bad flag' });
    expect(describeFailure(Object.assign(new Error('odd'), { kind: 'mystery' })).code).toBe(1);
  });

  it('keeps only the first line of a multi-line message', () => {
    expect(describeFailure(new UsageError('first line\nsecond line'))).toEqual({ code: 2, line: 'first line' });
  });

  it('reports numerical, internal and foreign errors as internal errors, exit code 1, pointing at DUALITY_DEBUG', () => {
    const failures: unknown[] = [
      new LinalgNumericalError('eigSym did not converge'),
      new MixedModelNumericalError('did not converge'),
      new DualityError('a bug'),
      new TypeError('x is undefined'),
      'a thrown string',
    ];
    for (const err of failures) {
      const { code, line } = describeFailure(err);
      expect(code).toBe(1);
      expect(line).toMatch(/^internal error: .+ \(set DUALITY_DEBUG=1 for the stack trace\)$/);
    }
  });
});
