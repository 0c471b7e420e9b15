import { gemm, type Matrix64 } from '@duality/linalg-core';
import { fitLessFixedPart, pathAt } from '@duality/mixed-model';
import type { TwoStageAnalysis } from './analysis.js';
import { interceptAndColumns } from './linear-design.js';
import { gradientDescentTime, TrainerInputError } from './time.js';

/**
 * The linear part of the predictor with fixed effects 'linear' (math.md §2.2, §7.3): x*ᵀβ̂(t̂) on the standardised
 * features, added to the network's output. A saved model predicts `intercept + Σ_j coefficients[j]·x_j + f(x)`.
 */
export interface LinearPart {
  kind: 'linear';
  /** β̂'s intercept, one per output. */
  intercept: number[];
  /** β̂ per feature column (in the design's column order), one entry per output; 0 for a dropped column. */
  coefficients: number[][];
  /** The feature columns' names when the caller gave them (same order as `coefficients`). */
  featureNames?: string[];
  /** Feature columns left out of the design: each a combination of the intercept and earlier features. */
  dropped: number[];
  /** The time β̂ is taken at: the rule's (capped) stop when the network trains, else 0 (ordinary least squares). */
  time: number;
  steps: number;
}

/**
 * The analysis the network trains on when the fixed effects are linear: GLS coefficients β̂(t̂) from the
 * eigendecomposition at the stop the run trains to, the fit of u − Xβ̂(t̂) (no design), and training and test
 * targets less the linear part. Everything downstream (the run, the kernel curves, the comparators) then measures
 * the whole predictor x*ᵀβ̂ + f: in the kernel regime exactly the BLUP with fixed effects at t̂. Any other analysis is
 * returned as it is.
 */
export function withLinearPart(analysis: TwoStageAnalysis, options: { featureNames?: string[]; classes?: unknown } = {}): TwoStageAnalysis {
  const linear = analysis.linear;
  if (!linear) return analysis;
  if (options.classes !== undefined) {
    throw new TrainerInputError('fixed effects linear with a class target: the accuracy tables read the network alone; use --fixed-effects auto');
  }
  const { fit, decision, learningRate, largestEigenvalue, x, y, test } = analysis;
  const steps = decision.train ? (decision.rule.stop.steps ?? 0) : 0;
  const time = gradientDescentTime(learningRate, largestEigenvalue).time(steps);
  const beta = pathAt(fit, time, { useDesign: true }).fixedEffects!;
  const less = (targets: Matrix64, design: Matrix64) => {
    const out = targets.clone();
    const part = gemm(design, beta);
    for (let q = 0; q < out.data.length; q++) out.data[q]! -= part.data[q]!;
    return out;
  };
  const linearPart = linearPartOf(beta, linear.kept, x.cols, { dropped: linear.dropped, time: steps * learningRate, steps, featureNames: options.featureNames });
  return {
    ...analysis,
    fit: fitLessFixedPart(fit, linear.design, beta),
    y: less(y, linear.design),
    test: test ? { x: test.x, y: less(test.y, interceptAndColumns(test.x, linear.kept)) } : undefined,
    linearPart,
    targets: { y, ...(test ? { test } : {}) },
  };
}

/** β̂ (p×k over [1, kept features]) spread over every feature column. */
function linearPartOf(beta: Matrix64, kept: number[], features: number, rest: Omit<LinearPart, 'kind' | 'intercept' | 'coefficients'>): LinearPart {
  const k = beta.cols;
  const coefficients = Array.from({ length: features }, () => new Array<number>(k).fill(0));
  kept.forEach((j, row) => {
    for (let o = 0; o < k; o++) coefficients[j]![o] = beta.get(row + 1, o);
  });
  const { featureNames, ...others } = rest;
  if (featureNames !== undefined && featureNames.length !== features) {
    throw new TrainerInputError(`featureNames has ${featureNames.length} names but x has ${features} columns; give one name per column`);
  }
  return { kind: 'linear', intercept: Array.from(beta.row(0)), coefficients, ...others, ...(featureNames ? { featureNames } : {}) };
}
