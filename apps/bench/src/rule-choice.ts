import type { BenchTable } from './harness.js';
import { quantile } from './statistics.js';

/**
 * Issue 16's criterion for the default stage-2 rule, fixed before measuring: over every cell (a synthetic case, a
 * real dataset on the kernel path, real networks), the rule with the lowest pooled median out-of-sample risk ratio
 * (rule's risk over the least attainable) wins, provided that in no cell its median is worse than REML's by more than
 * 3%; otherwise REML stays the default.
 */
export const CANDIDATE_RULES = ['REML', 'LOO', 'GCV'] as const;
export type CandidateRule = (typeof CANDIDATE_RULES)[number];
const CELL_TOLERANCE = 1.03;

export interface RuleChoiceCell {
  label: string;
  /** Per replicate: each rule's risk over the least attainable one (oracle, or the least on a network's curve). */
  ratios: Record<CandidateRule, number[]>;
}

export interface RuleChoice {
  pooled: Record<CandidateRule, number>;
  /** Cells where the rule's median exceeds REML's by more than 3%. */
  worseThanReml: Record<CandidateRule, string[]>;
  qualifies: Record<CandidateRule, boolean>;
  winner: CandidateRule;
}

export function chooseRule(cells: RuleChoiceCell[]): RuleChoice {
  const median = (values: number[]) => quantile(values, 0.5);
  const pooled = Object.fromEntries(CANDIDATE_RULES.map((r) => [r, median(cells.flatMap((c) => c.ratios[r]))])) as Record<CandidateRule, number>;
  const worseThanReml = Object.fromEntries(
    CANDIDATE_RULES.map((r) => [r, cells.filter((c) => median(c.ratios[r]) > CELL_TOLERANCE * median(c.ratios.REML)).map((c) => c.label)]),
  ) as Record<CandidateRule, string[]>;
  const qualifies = Object.fromEntries(CANDIDATE_RULES.map((r) => [r, worseThanReml[r].length === 0])) as Record<CandidateRule, boolean>;
  const winner = CANDIDATE_RULES.filter((r) => qualifies[r]).reduce((best, r) => (pooled[r] < pooled[best] ? r : best), 'REML' as CandidateRule);
  return { pooled, worseThanReml, qualifies, winner };
}

export function ruleChoiceTable(title: string, cells: RuleChoiceCell[]): BenchTable {
  const choice = chooseRule(cells);
  const f = (v: number) => v.toFixed(4);
  const rows = cells.map((c) => [c.label, c.ratios.REML.length, ...CANDIDATE_RULES.map((r) => f(quantile(c.ratios[r], 0.5)))]);
  rows.push(['**pooled median**', cells.reduce((s, c) => s + c.ratios.REML.length, 0), ...CANDIDATE_RULES.map((r) => `**${f(choice.pooled[r])}**`)]);
  return {
    title,
    columns: ['cell', 'replicates', ...CANDIDATE_RULES.map((r) => `${r} median ratio`)],
    rows,
    notes: [
      ...CANDIDATE_RULES.filter((r) => r !== 'REML').map((r) =>
        choice.qualifies[r] ? `${r}: never worse than REML by more than 3% in a cell.` : `${r}: worse than REML by more than 3% in ${choice.worseThanReml[r].join('; ')}.`,
      ),
      `By the criterion (lowest pooled median among the rules within 3% of REML in every cell) these cells choose **${choice.winner}**.`,
    ],
  };
}
