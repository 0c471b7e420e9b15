import type { BenchSuite } from '../harness.js';
import { ntkSuite } from './ntk.js';
import { linalgSuite } from './linalg.js';
import { mixedModelSuite } from './mixed-model.js';
import { calibrationSuite } from './calibration.js';
import { calibrationPathSuite } from './calibration-path.js';
import { stoppingSuite } from './stopping.js';
import { realSuite } from './real.js';
import { endToEndSuite } from './end-to-end.js';
import { seedsMeetSuite } from './seeds-meet.js';
import { transferSuite } from './transfer.js';
import { stepSuite } from './step.js';
import { scaleSuite } from './scale.js';
import { repeatedInputsSuite } from './repeated-inputs.js';
import { relineariseSuite } from './relinearise.js';
import { intervalCoverageSuite } from './interval-coverage.js';
import { driftStopSuite } from './drift-stop.js';
import { minibatchSuite } from './minibatch.js';
import { scaleWideSuite } from './scale-wide.js';
import { beyondLinearSuite } from './beyond-linear.js';
import { lowRankScaleSuite } from './low-rank-scale.js';
import { imputeSizeSuite } from './impute-size.js';

/** Every suite, in the order `bench` runs them. Each suite registers itself here. */
export const suites: BenchSuite[] = [linalgSuite, ntkSuite, mixedModelSuite, calibrationPathSuite, calibrationSuite, stoppingSuite, realSuite, endToEndSuite, seedsMeetSuite, transferSuite, stepSuite, scaleSuite, repeatedInputsSuite, relineariseSuite, intervalCoverageSuite, driftStopSuite, minibatchSuite, scaleWideSuite, beyondLinearSuite, lowRankScaleSuite, imputeSizeSuite];
