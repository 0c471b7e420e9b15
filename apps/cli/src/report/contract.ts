/** The data contract the report renders: the trainer's `TwoStageReport` (packages/trainer/src/report.ts). */
export type { CurvePoint, StopPoint, StoppingRule, TwoStageReport } from '@duality/trainer';
