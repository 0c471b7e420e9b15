import type { Command } from 'commander';
import type { Output } from '../output.js';
import { describe } from '../catalogue.js';

/** What each quantity the commands print means: two lines each, in the order a report shows them. */
export const EXPLANATIONS: [term: string, meaning: string][] = [
  ['p-value (exact)', 'P(S ≥ s) under H₀: t = 0 (training would fit only noise), computed exactly from the kernel’s spectrum.\nSmall p: the targets have structure the network can learn; p ≥ α: do not train.'],
  ['Satterthwaite p', 'A scaled χ² approximation of the same p-value, printed for parity with the published toolkit.\nIt is too small in the far tail; the decision never uses it.'],
  ['S, null mean, sd', 'The score statistic m·uᵀΘu/uᵀu: how much of the targets lies on the kernel’s large-eigenvalue directions.\nUnder H₀ its mean and sd are known exactly; S far above the mean means signal.'],
  ['stage-2 rule', 'How long to train once the test says train: loo (default), reml (the paper’s) or gcv. The report follows the rule\nused (its criterion and stop first); steps are gradient-descent steps at η, t = η·k (full batch or mini-batch alike).'],
  ['alternatives', 'The rules not used, with their stops and the estimated extra out-of-sample loss of stopping there instead\n(leave-one-out’s estimate at each stop against the rule used’s): +12% means stopping there is estimated 12% worse.'],
  ['≥ N steps, the cap', 'A rule whose own stop lies past --max-steps (or is infinite) trains to the cap and is marked so, in the terminal,\nreport.json (capped: true, stopSteps) and the page; its own stop is given beside it.'],
  ['REML t̂', 'The training time that maximises the restricted likelihood of the random-effects model in which t is a variance\ncomponent. It under-trains when the signal is smoother than the model’s prior implies (the note says when).'],
  ['outcome', 'zero: the best time is t = 0; interior: a finite optimum; infinite: the criterion still improves at the largest time,\nso training runs to --max-steps and says it was capped.'],
  ['loo', 'Exact leave-one-out of the random-effects model: the error predicting each training row from the others, at every t.\nIts curve (dotted in the report) estimates the out-of-sample loss without a validation split.'],
  ['gcv', 'Generalised cross-validation: n‖e^{−tΘ}u‖²/(n − edf)², leave-one-out with every point given the average leverage.\nIt fails on repeated inputs (it can pick ~10¹¹ steps there); searched only where n − edf ≥ 1.'],
  ['oracle', 'The time that minimises the kernel model’s loss on the test rows: a yardstick that sees the test set, not a rule.\nThe real network can beat it (its features move during training; the kernel is frozen at initialisation).'],
  ['validation', 'Validation early stopping (with --compare validation): train on 80% of the training rows, stop when the held-out\nloss stops improving. It uses less data for training and a real second run.'],
  ['edf(t̂)', 'Effective degrees of freedom Σ(1 − e^{−tλᵢ}): how many directions training has fitted, from 0 to rank Θ.\nA small edf means a smooth fit.'],
  ['σ̂²(t̂)', 'The noise variance the random-effects model estimates at t̂, in the units of the (standardised) target.\nIt is about the loss a perfect predictor would still make.'],
  ['learning rate η', "'auto' is 1/λ₁ rounded down (λ₁ the kernel’s largest eigenvalue): the largest step that does not oscillate.\nη·λ₁ ≥ 2 diverges and is refused."],
  ['initial output', 'Networks Duality builds are centred, f = g_θ − g_θ0, so they start at exactly 0 and the test is exact.\nA model you bring keeps its own f0, which the test projects out when it is not negligible.'],
  ['fixed effects', 'Terms the test and REML estimate and remove before asking about t: an intercept when the targets were centred,\nf0 when it is not negligible, or named covariates. The network itself has no such terms.'],
  ['kernel, λ₁, tr Θ', 'The neural tangent kernel Θ = JJᵀ/n of the network at initialisation (empirical) or of its infinite-width limit\n(analytic); λ₁ its largest eigenvalue, tr Θ the sum of all.'],
  ['kernel drift', 'How far the network’s NTK moved from θ0 to the stop (relative change on up to 500 training rows). The test,\nthe rules and the predicted curves are exact for the kernel at θ0: small drift, they describe this network; large, it learnt features.'],
  ['accuracy, classes', 'With a text target (or --classes): one output per class, and the class of a row is its largest output.\nAccuracy is the share of rows classed right; "always guessing the most frequent class" is the baseline to beat.'],
  ['losses, predicted', 'Half the mean squared error (1/2n)‖f − y‖², summed over outputs, in standardised units. Each is labelled: the\nnetwork (measured, where it was trained that far) or the kernel model (predicted; --compare horizon trains the network on).'],
  ['network, kernel model', 'network (trained to the rule’s stop): the real network you get. kernel model (the linearised prediction): the\nnetwork’s NTK model at θ0 trained as long; it is what the test and rules describe. Their gap is the drift at work.'],
  ['RMSE, MAE', 'Root mean squared and mean absolute error on the test (and training) rows, in the target’s own units: predictions\nare mapped back with y = z·sd + mean of the training split (standardised units with --no-standardize).'],
  ['R²', '1 − Σ(y − ŷ)²/Σ(y − ȳ)² on those rows: 0 is no better than predicting their mean, 1 is perfect; it can be\nnegative. Unitless.'],
  ['accuracy, log-loss', 'Accuracy: share of rows classed right. Log-loss: mean −log p(true class), reading each output + its class\nshare as a probability (clipped to [0.001, 1], renormalised); lower is better, guessing uniformly scores log k.'],
  ['confusion table', 'Rows: the true class; columns: the predicted class; counts of rows. The diagonal is right; an off-diagonal cell\nsays which class is taken for which. Given for the network and for the kernel model.'],
  ['prediction interval', 'network prediction ± q with q the ⌈0.9(n + 1)⌉-th smallest exact leave-one-out residual at the stop (a\njackknife interval, in target units). Meant to hold a new row’s target 90% of the time; coverage is measured.'],
  ['coverage', 'The share of test rows whose target lies inside its interval: near the level (0.9) the interval is honest, below\nit too narrow (the network drifted from its kernel model, or the rows differ from the training rows).'],
];

export function registerExplain(program: Command, output: Output): void {
  program
    .command('explain')
    .description(describe('explain'))
    .action(() => {
      output.write(EXPLANATIONS.map(([term, meaning]) => `${term}\n  ${meaning.replace('\n', '\n  ')}`).join('\n\n'));
    });
}
