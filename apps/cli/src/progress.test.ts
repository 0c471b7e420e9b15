import { describe, expect, it } from 'vitest';
import { progressLine, progressReporter } from './progress.js';

function capture() {
  const lines: string[] = [];
  const stream = { isTTY: false, write: (s: string) => lines.push(s.trimEnd()) } as unknown as NodeJS.WriteStream;
  return { lines, stream };
}

describe('progress without a terminal', () => {
  it('writes a line when each phase starts, then at most one every 10 s', () => {
    const { lines, stream } = capture();
    let now = 0;
    const reporter = progressReporter({ stream, now: () => now });
    reporter.update({ phase: 'kernel', step: 0, totalSteps: 0 });
    now = 3_000;
    reporter.update({ phase: 'training', step: 0, totalSteps: 100 });
    for (let step = 1; step <= 100; step++) {
      now += 400; // 40 s of training in all
      reporter.update({ phase: 'training', step, totalSteps: 100, trainLoss: 1 / step });
    }
    expect(lines[0]).toBe("kernel     the network's NTK and initial output");
    expect(lines[1]).toMatch(/^training {3}step 0\/100, 0\.0 s elapsed$/);
    expect(lines.length).toBe(2 + 4);
    expect(lines[2]).toMatch(/^training {3}step 25\/100, loss 0\.0400, 10 s elapsed, ETA 30 s$/);
  });

  it('writes a line as each part of a phase without steps starts, with the time into the phase', () => {
    const { lines, stream } = capture();
    let now = 0;
    const reporter = progressReporter({ stream, now: () => now });
    reporter.update({ phase: 'decision', step: 0, totalSteps: 0 });
    reporter.update({ phase: 'decision', step: 0, totalSteps: 0, stage: "the kernel's spectrum" });
    now = 42_000;
    reporter.update({ phase: 'decision', step: 0, totalSteps: 0, stage: 'the leave-one-out rule' });
    expect(lines).toEqual([
      'decision   score test of t = 0 and the stopping rules (REML, leave-one-out, GCV)',
      "decision   the kernel's spectrum (0.0 s into the phase)",
      'decision   the leave-one-out rule (42 s into the phase)',
    ]);
  });

  it('says nothing when quiet', () => {
    const { lines, stream } = capture();
    const reporter = progressReporter({ stream, quiet: true });
    reporter.update({ phase: 'training', step: 1, totalSteps: 2 });
    expect(lines).toEqual([]);
  });

  it('names the held-out loss in the validation phase', () => {
    expect(progressLine({ phase: 'validation', step: 50, totalSteps: 200, trainLoss: 0.25 }, 5_000)).toBe(
      'validation step 50/200, held-out loss 0.250, 5.0 s elapsed, ETA 15 s',
    );
  });
});
