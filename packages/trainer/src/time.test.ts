import { describe, expect, it } from 'vitest';
import { stepsForTime, timeForSteps, TrainerInputError } from './index.js';

describe('time units (t = η·k)', () => {
  it('round-trips steps through time', () => {
    for (const eta of [1e-3, 0.01, 0.5]) {
      for (const k of [0, 1, 7, 12345]) expect(stepsForTime(timeForSteps(k, eta), eta)).toBe(k);
    }
  });
  it('rounds to the nearest step and keeps the infinite-time outcome', () => {
    expect(stepsForTime(0.026, 0.01)).toBe(3);
    expect(stepsForTime(Infinity, 0.01)).toBe(Infinity);
  });
  it('refuses a learning rate ≤ 0, a negative time and fractional steps', () => {
    expect(() => stepsForTime(1, 0)).toThrow(TrainerInputError);
    expect(() => stepsForTime(1, -0.1)).toThrow(/learning rate/);
    expect(() => stepsForTime(-1, 0.1)).toThrow(/time/);
    expect(() => timeForSteps(1.5, 0.1)).toThrow(/steps/);
  });
});
