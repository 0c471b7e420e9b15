import cliProgress from 'cli-progress';
import type { TrainingProgress } from '@duality/trainer';

const phaseLabels: Record<TrainingProgress['phase'], string> = {
  kernel: 'kernel     ',
  decision: 'decision   ',
  validation: 'validation ',
  training: 'training   ',
};

/** A progress bar on stderr for long runs (silent when stderr is not a terminal, e.g. in scripts and CI). */
export function progressBar(): { update(p: TrainingProgress): void; stop(): void } {
  if (!process.stderr.isTTY) return { update: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: '{phase} [{bar}] {value}/{total} steps {loss}', hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  let phase: TrainingProgress['phase'] | undefined;
  return {
    update(p) {
      const payload = { phase: phaseLabels[p.phase], loss: p.trainLoss === undefined ? '' : `loss ${p.trainLoss.toPrecision(3)}` };
      if (p.phase !== phase) {
        if (phase !== undefined) bar.stop();
        bar.start(Math.max(p.totalSteps, 1), p.step, payload);
        phase = p.phase;
      } else {
        bar.update(p.step, payload);
      }
    },
    stop: () => bar.stop(),
  };
}
