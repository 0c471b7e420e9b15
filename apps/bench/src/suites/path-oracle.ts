import { RULES, type KernelRulesResult } from '../kernel-path.js';

/** The rules that stop on the full-data kernel path (validation stopping trains another model, on 80% of the rows). */
const PATH_RULES = RULES.filter((rule) => rule !== 'validation');

/**
 * Whether a rule on the full-data path beats the oracle by more than the oracle's golden-section tolerance. The oracle
 * is the minimum over t of that path's out-of-sample risk, so none may (validation stopping, another model, may).
 */
export function pathRuleBeatsOracle(result: KernelRulesResult): boolean {
  return PATH_RULES.some((rule) => result.stops[rule].testError < result.stops.oracle.testError * (1 - 1e-4));
}
