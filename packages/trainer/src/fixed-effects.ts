import { Matrix64, toMatrix64, type MatrixLike } from '@duality/linalg-core';
import type { InitialOutput } from '@duality/ntk';

/** The fixed effects of the test and REML: 'auto' (default) projects f0 out exactly when it is not negligible. */
export type FixedEffects = 'auto' | 'none' | 'intercept' | 'f0' | MatrixLike;

/** What the analysis found about the network's initial output f0 and did about it (math.md §0.1). */
export interface InitialOutputCheck {
  /** 'zero': the centred network Duality builds (f0 ≡ 0); 'keep': f0 is the network's own. */
  network: InitialOutput;
  /** ‖f0‖² / ‖y − ȳ‖² on the training rows (0 for a centred network). */
  f0Ratio: number;
  /** Above this ratio 'auto' projects f0 out of the test and REML. */
  threshold: number;
  /** f0 is a column of the fixed-effect design. */
  projected: boolean;
  /** Why, in a sentence, when f0 matters (projected, or large and kept by an explicit choice). */
  note?: string;
}

/**
 * The ratio above which f0 is not negligible. Under H0 an f0 the kernel explains shifts the score statistic by up
 * to about r·n/√2 of its null standard deviations (r = ‖f0‖²/‖y − ȳ‖², a spiked spectrum), so r > 0.01/n keeps
 * that shift under 1% of a null sd; projecting costs one degree of freedom per output.
 */
export function f0Threshold(n: number): number {
  return 0.01 / n;
}

/** ‖f0‖² / Σ_columns ‖y − ȳ‖² (Infinity when y is constant and f0 is not 0). */
export function f0Ratio(f0: Matrix64, y: Matrix64): number {
  let f0Squares = 0;
  for (const v of f0.data) f0Squares += v * v;
  let spread = 0;
  for (let c = 0; c < y.cols; c++) {
    let mean = 0;
    for (let i = 0; i < y.rows; i++) mean += y.get(i, c);
    mean /= y.rows;
    for (let i = 0; i < y.rows; i++) spread += (y.get(i, c) - mean) ** 2;
  }
  return f0Squares === 0 ? 0 : f0Squares / spread;
}

/** The design the test and REML use, and the account of f0 that goes into the report. */
export function resolveFixedEffects(
  choice: FixedEffects,
  f0: Matrix64,
  y: Matrix64,
  network: InitialOutput,
): { design: Matrix64 | undefined; initialOutput: InitialOutputCheck } {
  const n = y.rows;
  const ratio = f0Ratio(f0, y);
  const threshold = f0Threshold(n);
  const large = ratio > threshold;
  const effective = choice === 'auto' ? (large ? 'f0' : 'none') : choice;
  const design =
    effective === 'none'
      ? undefined
      : effective === 'intercept'
        ? Matrix64.column(new Float64Array(n).fill(1))
        : effective === 'f0'
          ? f0
          : toMatrix64(effective);
  const projected = effective === 'f0';
  const share = `‖f0‖²/‖y − ȳ‖² = ${ratio.toPrecision(3)}`;
  const note = !large
    ? undefined
    : projected
      ? `the network's initial output is not negligible (${share} > ${threshold.toPrecision(2)}), so f0 is projected out ` +
        'of the test and REML (otherwise the test would detect the initialisation, not the signal)'
      : `the network's initial output is not negligible (${share}) and the fixed effects do not include f0: ` +
        'the test may detect the initialisation rather than the signal; use fixed effects auto or f0, or a centred network';
  return { design, initialOutput: { network, f0Ratio: ratio, threshold, projected, ...(note ? { note } : {}) } };
}
