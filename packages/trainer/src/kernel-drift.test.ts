import { describe, expect, it } from 'vitest';
import { DRIFT_LIMIT, judgedDrift } from './kernel-drift.js';

describe('judgedDrift', () => {
  it('says the network left the kernel regime past DRIFT_LIMIT, and what to try; within it, that the statistics describe it', () => {
    const within = judgedDrift(0.2, 60);
    expect(within.leftKernelRegime).toBe(false);
    expect(within.note).toMatch(/moved 20% from θ0 .* on 60 training rows\): the kernel model's test, stops and curves describe this network/);
    const past = judgedDrift(0.66, 500);
    expect(past).toMatchObject({ relativeChange: 0.66, rows: 500, leftKernelRegime: true });
    expect(past.note).toMatch(/moved 66% .* past 25%: the network left the kernel regime, so the test, the stop and the interval .* are approximate; try a wider network \(--hidden\) or a smaller learning rate/);
    expect(judgedDrift(DRIFT_LIMIT, 10).leftKernelRegime).toBe(false);
  });
});
