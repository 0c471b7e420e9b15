import { Matrix64, toMatrix64, type MatrixLike } from '@duality/linalg-core';
import type { InitialOutput } from '@duality/ntk';
import { fullLinearDesign, type LinearDesign } from './linear-design.js';
import { TrainerInputError } from './time.js';

/**
 * The fixed effects of the test and REML. 'auto' (default): an intercept when the targets were centred (their mean is
 * 0 to rounding, as after standardising), and f0 when it is not negligible; none otherwise. 'linear': an intercept and
 * every feature (math.md §7.3), so the test asks what the network adds beyond a linear model, the stopping rules
 * use the design, and the network trains on what the linear part leaves.
 */
export const FIXED_EFFECT_KEYWORDS = ['auto', 'none', 'intercept', 'f0', 'linear'] as const;
export type FixedEffects = (typeof FIXED_EFFECT_KEYWORDS)[number] | MatrixLike;

/** The design's columns by name, as the report lists them ('features': an intercept and every feature, with 'linear'). */
export type FixedEffectColumn = 'intercept' | 'f0' | 'covariates' | 'features';

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

/**
 * Every target column has mean 0 to rounding: the data were centred, which removed one degree of freedom that the
 * null model u ~ N(0, σ²I) does not know about (the test turns conservative: size 0.017 for α = 0.05 on permuted cars
 * targets). Projecting an intercept out makes it exact again.
 */
export function targetsCentred(y: Matrix64): boolean {
  for (let c = 0; c < y.cols; c++) {
    let sum = 0;
    let squares = 0;
    for (let i = 0; i < y.rows; i++) {
      sum += y.get(i, c);
      squares += y.get(i, c) ** 2;
    }
    if (!(Math.abs(sum) <= 1e-10 * Math.sqrt(squares * y.rows))) return false;
  }
  return true;
}

function designOf(columns: Matrix64[]): Matrix64 | undefined {
  if (columns.length === 0) return undefined;
  // One block (the linear design, 0.94 GB at 40,000 × 2,925) is the design itself: no copy.
  if (columns.length === 1) return columns[0];
  const n = columns[0]!.rows;
  const p = columns.reduce((s, m) => s + m.cols, 0);
  const out = new Matrix64(n, p);
  let offset = 0;
  for (const m of columns) {
    for (let i = 0; i < n; i++) out.data.set(m.data.subarray(i * m.cols, (i + 1) * m.cols), i * p + offset);
    offset += m.cols;
  }
  return out;
}

/**
 * The design the test and REML use, its columns by name, the account of f0 that goes into the report, and with
 * 'linear' the linear design of the inputs x (which features it kept).
 */
export function resolveFixedEffects(
  choice: FixedEffects,
  f0: Matrix64,
  y: Matrix64,
  network: InitialOutput,
  x: Matrix64,
): { design: Matrix64 | undefined; columns: FixedEffectColumn[]; initialOutput: InitialOutputCheck; linear?: LinearDesign } {
  if (typeof choice === 'string' && !(FIXED_EFFECT_KEYWORDS as readonly string[]).includes(choice)) {
    throw new TrainerInputError(`unknown fixed effects '${choice}'; use ${FIXED_EFFECT_KEYWORDS.join(', ')} or a design matrix (n×p)`);
  }
  const n = y.rows;
  const ratio = f0Ratio(f0, y);
  const threshold = f0Threshold(n);
  const large = ratio > threshold;
  const columns: FixedEffectColumn[] =
    choice === 'auto'
      ? [...(targetsCentred(y) ? (['intercept'] as const) : []), ...(large ? (['f0'] as const) : [])]
      : choice === 'none'
        ? []
        : choice === 'intercept' || choice === 'f0'
          ? [choice]
          : choice === 'linear'
            ? ['features']
            : ['covariates'];
  // With 'linear' the fit leaves out the feature columns the earlier ones span (dependentDesignColumns 'drop').
  const linear = choice === 'linear' ? fullLinearDesign(x) : undefined;
  const blocks = linear
    ? [linear.design]
    : columns.map((c) => (c === 'intercept' ? Matrix64.column(new Float64Array(n).fill(1)) : c === 'f0' ? f0 : toMatrix64(choice as MatrixLike)));
  const design = designOf(blocks);
  const projected = columns.includes('f0');
  const share = `‖f0‖²/‖y − ȳ‖² = ${ratio.toPrecision(3)}`;
  const note = !large
    ? undefined
    : projected
      ? `the network's initial output is not negligible (${share} > ${threshold.toPrecision(2)}), so f0 is projected out ` +
        'of the test and REML (otherwise the test would detect the initialisation, not the signal)'
      : `the network's initial output is not negligible (${share}) and the fixed effects do not include f0: ` +
        'the test may detect the initialisation rather than the signal; use fixed effects auto or f0, or a centred network';
  return { design, columns, initialOutput: { network, f0Ratio: ratio, threshold, projected, ...(note ? { note } : {}) }, ...(linear ? { linear } : {}) };
}
