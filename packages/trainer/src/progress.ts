/** What a long run is doing, for a progress bar or a log line. */
export interface TrainingProgress {
  /**
   * kernel and decision: stages 1–2 (no steps); training: the real network to the rule's stop; horizon: on past it
   * (the 'horizon' comparator); validation: the validation early-stopping comparator.
   */
  phase: 'kernel' | 'decision' | 'training' | 'horizon' | 'validation';
  step: number;
  /** The phase's last step as known now (validation: where it stops unless the held-out loss improves again). */
  totalSteps: number;
  /** The last measured training loss (validation: the held-out loss). */
  trainLoss?: number;
  /** In a phase without steps, the part now running (the decision's: the fit, the score test, REML, a rule). */
  stage?: string;
}
