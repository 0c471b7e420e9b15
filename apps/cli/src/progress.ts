import cliProgress from 'cli-progress';
import type { TrainingProgress } from '@duality/trainer';

const phaseLabels: Record<TrainingProgress['phase'], string> = {
  kernel: 'kernel    ',
  decision: 'decision  ',
  training: 'training  ',
  horizon: 'horizon   ',
  validation: 'validation',
};

/** What a phase without steps is doing. */
const phaseWork: Partial<Record<TrainingProgress['phase'], string>> = {
  kernel: "the network's NTK and initial output",
  decision: 'score test of t = 0 and the stopping rules (REML, leave-one-out, GCV)',
};

/** Piped output: one line when a phase starts, then at most one every this many milliseconds. */
const LINE_INTERVAL_MS = 10_000;

export interface ProgressReporter {
  update(p: TrainingProgress): void;
  stop(): void;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}

/** "training   step 40/55, loss 0.134, 12 s elapsed, ETA 4.4 s" (or what a step-less phase does). */
export function progressLine(p: TrainingProgress, elapsedMs: number): string {
  const work = phaseWork[p.phase];
  if (p.stage !== undefined && p.totalSteps === 0) return `${phaseLabels[p.phase]} ${p.stage} (${seconds(elapsedMs)} into the phase)`;
  if (work !== undefined && p.totalSteps === 0) return `${phaseLabels[p.phase]} ${work}`;
  const loss = p.trainLoss === undefined ? '' : `, ${p.phase === 'validation' ? 'held-out loss' : 'loss'} ${p.trainLoss.toPrecision(3)}`;
  const eta = p.step > 0 && p.totalSteps > p.step ? `, ETA ${seconds((elapsedMs * (p.totalSteps - p.step)) / p.step)}` : '';
  return `${phaseLabels[p.phase]} step ${p.step}/${p.totalSteps}${loss}, ${seconds(elapsedMs)} elapsed${eta}`;
}

/** Lines on a stream that is not a terminal (a pipe, a log file): a person reading the log can follow the run. */
function lineReporter(stream: NodeJS.WritableStream, now: () => number): ProgressReporter {
  let phase: TrainingProgress['phase'] | undefined;
  let stage: string | undefined;
  let phaseStart = 0;
  let lastLine = 0;
  return {
    update(p) {
      const t = now();
      if (p.phase !== phase) {
        phase = p.phase;
        phaseStart = t;
      } else if (p.stage === stage && t - lastLine < LINE_INTERVAL_MS) {
        return;
      }
      stage = p.stage;
      lastLine = t;
      stream.write(`${progressLine(p, t - phaseStart)}\n`);
    },
    stop: () => undefined,
  };
}

/** One bar per phase whose total is the phase's real total (validation's grows while its held-out loss improves). */
function barReporter(stream: NodeJS.WriteStream): ProgressReporter {
  const bar = new cliProgress.SingleBar(
    { stream, format: '{phase} [{bar}] {value}/{total} steps {loss} ETA {eta_formatted}', hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  let phase: TrainingProgress['phase'] | undefined;
  let phaseStart = 0;
  let running = false;
  return {
    update(p) {
      const payload = { phase: phaseLabels[p.phase], loss: p.trainLoss === undefined ? '' : `loss ${p.trainLoss.toPrecision(3)}` };
      if (p.phase !== phase) {
        if (running) bar.stop();
        phase = p.phase;
        phaseStart = performance.now();
        running = p.totalSteps > 0;
        if (running) bar.start(p.totalSteps, p.step, payload);
        else stream.write(`${progressLine(p, 0)}\n`);
      } else if (!running && p.stage !== undefined) {
        stream.write(`${progressLine(p, performance.now() - phaseStart)}\n`);
      } else if (running) {
        bar.setTotal(p.totalSteps);
        bar.update(p.step, payload);
      }
    },
    stop() {
      if (running) bar.stop();
      running = false;
    },
  };
}

/** Progress on stderr: bars in a terminal, lines at most every 10 s otherwise, nothing with `quiet`. */
export function progressReporter(options: { quiet?: boolean; stream?: NodeJS.WriteStream; now?: () => number } = {}): ProgressReporter {
  const stream = options.stream ?? process.stderr;
  if (options.quiet) return { update: () => undefined, stop: () => undefined };
  return stream.isTTY ? barReporter(stream) : lineReporter(stream, options.now ?? (() => performance.now()));
}
