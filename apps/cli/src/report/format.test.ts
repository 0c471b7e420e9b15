import { describe, expect, it } from 'vitest';
import { reportCharts } from './charts.js';
import { axisNumberFormat, formatCount, formatNumber, formatPValue, formatSeconds } from './format.js';
import { initialOutputLabel } from './summary.js';
import { fixtureReport } from './test-fixture.js';

describe('report number formats', () => {
  it('gives 4 significant digits, exponent form only for the very small and very large', () => {
    expect(formatNumber(0.25134)).toBe('0.2513');
    expect(formatNumber(1234.56)).toBe('1235');
    expect(formatNumber(5.177555)).toBe('5.178');
    expect(formatNumber(0.00012346)).toBe('1.235e-4');
    expect(formatNumber(-3.1e-15, 2)).toBe('-3.1e-15');
    expect(formatNumber(2.5e7)).toBe('2.5e7');
    expect(formatNumber(0)).toBe('0');
  });

  it('never prints NaN or Infinity', () => {
    for (const format of [formatNumber, formatPValue, formatCount, formatSeconds]) {
      for (const x of [Number.NaN, Infinity, -Infinity, undefined]) {
        expect(format(x)).not.toMatch(/NaN|Infinity|undefined/);
      }
    }
    expect(formatNumber(Infinity)).toBe('∞');
    expect(formatCount(Infinity)).toBe('∞');
  });

  it('separates thousands in counts and writes long durations in minutes', () => {
    expect(formatCount(12345.4)).toBe('12,345');
    expect(formatSeconds(0.8412)).toBe('0.841 s');
    expect(formatSeconds(245)).toBe('4 min 05 s');
  });
});

describe('chart axis formats', () => {
  it('use one notation per axis: exponent form for every label once any value is outside [1e-3, 1e6)', () => {
    expect(axisNumberFormat([0.01, 0.5, 20])).toBe('~g');
    // '~g' would label this axis 0.000001 and 1e-7.
    expect(axisNumberFormat([1e-7, 1e-6, 0.1])).toBe('~e');
    expect(axisNumberFormat([10, 2e6])).toBe('~e');
    expect(axisNumberFormat([0, Number.NaN, 0.5])).toBe('~g');
  });

  it('give every quantitative axis of the report an explicit format (no axis left to d3’s mixed default)', async () => {
    const report = await fixtureReport();
    const axes: unknown[] = [];
    const visit = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(visit);
      else if (node && typeof node === 'object') {
        const record = node as Record<string, unknown>;
        if (record.type === 'quantitative' && typeof record.title === 'string') axes.push(record.axis);
        Object.values(record).forEach(visit);
      }
    };
    for (const chart of reportCharts(report)) visit(chart.spec);
    expect(axes.length).toBeGreaterThanOrEqual(6);
    for (const axis of axes) expect((axis as { format?: string } | undefined)?.format).toMatch(/^(~g|~e|,d)$/);
  });
});

describe('initial output label', () => {
  it('says a centred network starts at 0, and that one read back after training has left its initial weights', () => {
    const check = { network: 'zero' as const, threshold: 1e-4, projected: false };
    expect(initialOutputLabel({ ...check, f0Ratio: 0 })).toMatch(/output exactly 0 at initialisation/);
    const trained = initialOutputLabel({ ...check, f0Ratio: 0.772, projected: true });
    expect(trained).toMatch(/away from its initial weights θ0 \(a trained model\): ‖f0‖²\/‖y − ȳ‖² = 0\.772/);
    expect(trained).not.toMatch(/exactly 0/);
  });
});
