import * as tf from '@tensorflow/tfjs';
import type { MatrixLike } from '@duality/linalg-core';
import { readSequential } from '@duality/ntk';
import { TrainerInputError } from './time.js';
import { analyzeTwoStage, type AnalysisOptions, type TwoStageAnalysis } from './analysis.js';

export interface RemlStoppingOptions extends Omit<AnalysisOptions, 'learningRate' | 'test' | 'onProgress'> {
  /** The learning rate of the model's SGD optimizer, in TF.js's units. */
  learningRate: number;
  /** The stage-2 rule (default 'reml', as the callback's name says; the trainer's own default is `DEFAULT_STOPPING_RULE`). */
  stoppingRule?: AnalysisOptions['stoppingRule'];
  /**
   * The loss the model was compiled with (default 'meanSquaredError', (1/nk)‖f − y‖²: twice Duality's (1/2n)‖f − y‖²
   * per output, so one step at rate η advances the kernel model's time by 2η/k).
   */
  loss?: 'meanSquaredError';
  /** Called once the decision is taken (at the start of fit). */
  onDecision?: (analysis: TwoStageAnalysis, stopAtStep: number) => void;
  /**
   * Where the analysis's notes go (default console.warn): a model Duality did not build keeps its random f0, which
   * the test projects out when it is not negligible (math.md §0.1), and says so here.
   */
  log?: (message: string) => void;
}

/**
 * For users who keep their own `model.fit` loop (full batch, plain SGD): at the start of fit, the two-stage decision
 * is taken at the model's current weights (its empirical NTK and f0); fit then stops at the stage-2 rule's step count
 * (REML by default: round(t̂/η) steps; `stoppingRule` picks another). When
 * training is not warranted (p ≥ α) the model ends with its initial weights: TF.js runs one batch before it checks
 * `stopTraining`, so those weights are restored at the end of fit.
 */
export class RemlStoppingCallback extends tf.Callback {
  /** The decision, once fit has started. */
  analysis: TwoStageAnalysis | undefined;
  /** Steps the model keeps: 0 when training was not warranted. */
  stepsTaken = 0;
  private stopAt = Infinity;
  private initialWeights: tf.Tensor[] | undefined;

  constructor(
    private readonly x: MatrixLike,
    private readonly y: MatrixLike | ArrayLike<number>,
    private readonly options: RemlStoppingOptions,
  ) {
    super();
    if (!(Number.isFinite(options.learningRate) && options.learningRate > 0)) {
      throw new TrainerInputError(`learningRate must be the optimizer's positive learning rate, got ${options.learningRate}`);
    }
  }

  override async onTrainBegin(): Promise<void> {
    const samples = Number(this.params.samples);
    const batchSize = Number(this.params.batchSize);
    if (Number.isFinite(batchSize) && batchSize < samples) {
      throw new TrainerInputError(
        `the REML stopping time is for full-batch gradient descent: fit with batchSize ≥ ${samples} (got ${batchSize})`,
      );
    }
    const network = readSequential(this.model);
    const outputs = network.outputDim;
    try {
      // Duality's time per step for TF.js's mean squared error: 2η/k.
      const learningRate = (2 * this.options.learningRate) / outputs;
      this.analysis = await analyzeTwoStage(network, this.x, this.y, { ...this.options, stoppingRule: this.options.stoppingRule ?? 'reml', learningRate });
    } finally {
      network.dispose(); // borrowed: the model keeps its weights
    }
    const { decision, ruleSteps, initialOutput } = this.analysis;
    if (initialOutput.note) (this.options.log ?? console.warn)(`duality: ${initialOutput.note}`);
    this.stopAt = decision.train ? ruleSteps : 0;
    this.stepsTaken = 0;
    // Before the weights are copied: a callback that throws ends fit without onTrainEnd, which releases the copies.
    this.options.onDecision?.(this.analysis, this.stopAt);
    if (this.stopAt === 0) {
      this.initialWeights = this.model.getWeights().map((w) => w.clone());
      this.model.stopTraining = true;
    }
  }

  override async onBatchEnd(): Promise<void> {
    this.stepsTaken++;
    if (this.stepsTaken >= this.stopAt) this.model.stopTraining = true;
  }

  override async onTrainEnd(): Promise<void> {
    if (!this.initialWeights) return;
    this.model.setWeights(this.initialWeights);
    tf.dispose(this.initialWeights);
    this.initialWeights = undefined;
    this.stepsTaken = 0;
  }
}
