import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** What one `duality analyze --json` run reports, and what it cost. */
export interface AnalyzeRun {
  seconds: number;
  peakBytes: number;
  logP: number;
  reml: number;
  gcv: number;
  loo: number;
  /** Each rule's stop in full-batch steps at the run's learning rate. */
  steps: { reml: number; loo: number; gcv: number };
  edf: number;
  /** The kernel model's test ½MSE at each rule's stop. */
  testLoss: { reml: number; loo: number; gcv: number };
  traceCaptured?: number;
  reason?: string;
}

/** Peak resident memory of a live process (VmHWM, monotone), or 0 once it is gone. */
function peakOf(pid: number): number {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmHWM:'));
    return line ? Number(line.replace(/\D+/g, '')) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** `duality analyze` in a child process, as a user runs it; its JSON, wall time, and peak memory (polled). */
export function analyze(file: string, target: string, args: string[]): Promise<AnalyzeRun> {
  const argv = ['--conditions=@duality/source', '--import', 'tsx', join(root, 'apps/cli/src/main.ts'), 'analyze', file, '--target', target, '--json', '--quiet', ...args];
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    const child = spawn('node', argv, { cwd: root });
    let stdout = '';
    let stderr = '';
    let peakBytes = 0;
    const poll = setInterval(() => (peakBytes = Math.max(peakBytes, peakOf(child.pid!))), 100);
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('close', (code) => {
      clearInterval(poll);
      if (code !== 0) return reject(new Error(`duality analyze ${args.join(' ')} exited ${code}: ${stderr.trim()}`));
      const s = JSON.parse(stdout);
      const rules = s.stoppingRules.rules;
      resolvePromise({
        seconds: (performance.now() - started) / 1000,
        peakBytes,
        logP: s.test.logP,
        reml: rules.reml.time,
        gcv: rules.gcv.time,
        loo: rules.loo.time,
        steps: { reml: rules.reml.steps, loo: rules.loo.steps, gcv: rules.gcv.steps },
        edf: s.reml.edf,
        testLoss: s.predictedTestLoss,
        traceCaptured: s.kernel.lowRank?.traceCaptured,
        reason: s.kernel.lowRank?.reason,
      });
    });
  });
}

