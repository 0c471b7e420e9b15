import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  availableBackends,
  backendInfo,
  eigSym,
  gemm,
  Matrix64,
  setBackend,
  uniformGenerator,
  type BackendName,
  type SymmetricEigen,
} from '@duality/linalg-core';
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { formatSeconds, timeIt, type BenchSuite, type BenchTable, type Invariant, type Timing } from '../harness.js';

/*
 * Symmetric eigendecomposition, the cost that dominates Duality: both linalg-core backends, with
 * all eigenvectors and in projection mode (UᵀB for one right-hand side), against ml-matrix's
 * EigenvalueDecomposition (the baseline) and against dsyevd called from C with the same library.
 */

const FULL_SIZES = [250, 500, 1000, 2000];
const QUICK_SIZES = [100, 200];
const EPS = 2 ** -52;
/** A run longer than this is timed once (ml-matrix takes about 42 s at n = 2000). */
const SINGLE_RUN_SECONDS = 2;
const C_SOURCE = fileURLToPath(new URL('../../native/dsyevd_bench.c', import.meta.url));

const TARGETS = {
  tsProjections: 8,
  tsAll: 4,
  lapackOverC: 1.2,
};

/** Deterministic uniform numbers in [-1, 1) (linalg-core's generator). */
function seededUniform(seed: number): () => number {
  const uniform = uniformGenerator(seed);
  return () => 2 * uniform() - 1;
}

function randomSymmetric(n: number, seed: number): Matrix64 {
  const next = seededUniform(seed);
  const a = new Matrix64(n, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const v = next();
      a.data[i * n + j] = v;
      a.data[j * n + i] = v;
    }
  }
  return a;
}

const frobenius = (data: Float64Array): number => Math.sqrt(data.reduce((s, x) => s + x * x, 0));

/** Time `fn`, keeping its last result: once when a run is slow, else repeated (the first run warms up). */
function measure<T>(fn: () => T, quick: boolean): { timing: Timing; result: T } {
  let result!: T;
  const run = (): void => {
    result = fn();
  };
  const first = timeIt(run, { minRuns: 1, maxRuns: 1, minSeconds: 0, warmup: false });
  if (first.median > SINGLE_RUN_SECONDS) return { timing: first, result };
  const timing = timeIt(run, { minRuns: 3, maxRuns: quick ? 10 : 20, minSeconds: quick ? 0.2 : 1, warmup: false });
  return { timing, result };
}

type CReference = { binary: string; dir: string } | { unavailable: string };

/** Compile dsyevd_bench.c against the system LAPACK into a temp dir, if a C compiler is here. */
function compileCReference(): CReference {
  const dir = mkdtempSync(join(tmpdir(), 'duality-dsyevd-'));
  const binary = join(dir, 'dsyevd_bench');
  const failures: string[] = [];
  // Debian ships liblapack.so only with liblapack-dev: link the runtime soname when it is missing.
  for (const lib of ['-llapack', '-l:liblapack.so.3']) {
    try {
      execFileSync('cc', ['-O2', '-o', binary, C_SOURCE, lib], { stdio: 'pipe' });
      return { binary, dir };
    } catch (err) {
      const e = err as { code?: string; stderr?: Buffer; message: string };
      if (e.code === 'ENOENT') {
        rmSync(dir, { recursive: true, force: true });
        return { unavailable: 'C reference unavailable: no C compiler (cc) on PATH' };
      }
      failures.push(`${lib}: ${(e.stderr?.toString() ?? e.message).trim().split('\n').pop()}`);
    }
  }
  rmSync(dir, { recursive: true, force: true });
  return { unavailable: `C reference unavailable: linking LAPACK failed (${failures.join('; ')})` };
}

/** dsyevd from C at size n; the child inherits OPENBLAS_NUM_THREADS from this process. */
function timeCReference(binary: string, n: number, repeats: number): Timing {
  const out = execFileSync(binary, [String(n), String(repeats)], { encoding: 'utf8', env: process.env });
  const seconds = (JSON.parse(out) as { seconds: number[] }).seconds.sort((x, y) => x - y);
  return { median: seconds[Math.floor(seconds.length / 2)]!, min: seconds[0]!, runs: seconds.length };
}

interface BackendRun {
  all: Timing;
  projections: Timing;
  values: Float64Array;
}

interface SizeResult {
  n: number;
  backends: Partial<Record<BackendName, BackendRun>>;
  mlMatrix: Timing;
  cDsyevd?: Timing;
}

/** ‖AU − UΛ‖_F / ‖A‖_F for a full decomposition, with the product from linalg-core's gemm. */
function relativeResidual(a: Matrix64, eig: SymmetricEigen): number {
  const n = a.rows;
  const u = eig.vectors!;
  const au = gemm(a, u).data;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) au[i * n + j]! -= u.data[i * n + j]! * eig.values[j]!;
  }
  return frobenius(au) / frobenius(a.data);
}

/** Basis-free checks of projections c = Uᵀb: Σc² = ‖b‖² and Σλc² = bᵀAb, relative errors. */
function projectionErrors(a: Matrix64, b: Matrix64, eig: SymmetricEigen): { norm: number; quadratic: number } {
  const c = eig.projections!.data;
  const bb = b.data.reduce((s, x) => s + x * x, 0);
  const ab = gemm(a, b).data;
  const bab = b.data.reduce((s, x, i) => s + x * ab[i]!, 0);
  const sumC2 = c.reduce((s, x) => s + x * x, 0);
  const sumLambdaC2 = c.reduce((s, x, j) => s + eig.values[j]! * x * x, 0);
  return {
    norm: Math.abs(sumC2 - bb) / bb,
    quadratic: Math.abs(sumLambdaC2 - bab) / (frobenius(a.data) * bb),
  };
}

const hasNaN = (...arrays: (Float64Array | undefined)[]): boolean =>
  arrays.some((x) => x !== undefined && x.some(Number.isNaN));

function runBackend(
  name: BackendName,
  a: Matrix64,
  b: Matrix64,
  quick: boolean,
  invariants: Invariant[],
): BackendRun {
  setBackend(name);
  const n = a.rows;
  const tolerance = 10 * n * EPS;
  const all = measure(() => eigSym(a), quick);
  const projected = measure(() => eigSym(a, { vectors: b }), quick);

  const residual = relativeResidual(a, all.result);
  invariants.push({
    name: `${name} n=${n}: residual ‖AU−UΛ‖/‖A‖ ≤ 10nε`,
    ok: residual <= tolerance,
    detail: `${residual.toExponential(2)} (bound ${tolerance.toExponential(2)})`,
  });
  const errors = projectionErrors(a, b, projected.result);
  invariants.push({
    name: `${name} n=${n}: projections c = Uᵀb keep Σc² = ‖b‖² and Σλc² = bᵀAb to 10nε`,
    ok: errors.norm <= tolerance && errors.quadratic <= tolerance,
    detail: `relative errors ${errors.norm.toExponential(2)}, ${errors.quadratic.toExponential(2)}`,
  });
  const nan = hasNaN(all.result.values, all.result.vectors?.data, projected.result.values, projected.result.projections?.data);
  invariants.push({ name: `${name} n=${n}: no NaN`, ok: !nan, detail: nan ? 'NaN in the output' : 'none' });
  return { all: all.timing, projections: projected.timing, values: all.result.values };
}

/** Largest |λ_i − μ_i| relative to ‖A‖_F, both descending. */
function eigenvalueGap(x: Float64Array, y: Float64Array, a: Matrix64): number {
  let worst = 0;
  for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i]! - y[i]!));
  return worst / frobenius(a.data);
}

const cell = (t: Timing | undefined): string => (t ? formatSeconds(t.median) : 'n/a');
const ratio = (numerator: Timing | undefined, denominator: Timing | undefined): string =>
  numerator && denominator ? `${(numerator.median / denominator.median).toFixed(2)}×` : 'n/a';

function tables(results: SizeResult[], cNote: string, quick: boolean): BenchTable[] {
  const timesTable: BenchTable = {
    title: 'Symmetric eigendecomposition: median seconds',
    columns: ['n', 'lapack all', 'lapack UᵀB', 'ts all', 'ts UᵀB', 'ml-matrix EVD', 'C dsyevd'],
    rows: results.map((r) => [
      r.n,
      cell(r.backends.lapack?.all),
      cell(r.backends.lapack?.projections),
      cell(r.backends.ts?.all),
      cell(r.backends.ts?.projections),
      cell(r.mlMatrix),
      cell(r.cDsyevd),
    ]),
    notes: [
      `OPENBLAS_NUM_THREADS=${process.env.OPENBLAS_NUM_THREADS ?? 'unset (OpenBLAS uses every core)'}; ` +
        `libraries: ${backendInfo().libraries?.join(', ') ?? 'none'}`,
      cNote,
      'UᵀB: eigenvalues and the projections of one right-hand side, no eigenvectors formed.',
    ],
  };
  const last = results[results.length - 1]!;
  const speedUp = (t: Timing | undefined): number => (t ? last.mlMatrix.median / t.median : NaN);
  const verdict = (ok: boolean): string => (ok ? 'met' : 'MISSED');
  const tsProjections = speedUp(last.backends.ts?.projections);
  const tsAll = speedUp(last.backends.ts?.all);
  const lapackOverC =
    last.backends.lapack && last.cDsyevd ? last.backends.lapack.all.median / last.cDsyevd.median : NaN;
  const ratiosTable: BenchTable = {
    title: 'Speed-up over ml-matrix (baseline time / time), and lapack against C',
    columns: ['n', 'lapack all', 'lapack UᵀB', 'ts all', 'ts UᵀB', 'lapack all / C dsyevd'],
    rows: results.map((r) => [
      r.n,
      ratio(r.mlMatrix, r.backends.lapack?.all),
      ratio(r.mlMatrix, r.backends.lapack?.projections),
      ratio(r.mlMatrix, r.backends.ts?.all),
      ratio(r.mlMatrix, r.backends.ts?.projections),
      ratio(r.backends.lapack?.all, r.cDsyevd),
    ]),
    notes: [
      `Targets at n = 2000${quick ? ' (quick mode: n = ' + last.n + ', indicative only)' : ''}: ` +
        `ts UᵀB ≥ ${TARGETS.tsProjections}×: ${verdict(tsProjections >= TARGETS.tsProjections)} ` +
        `(${tsProjections.toFixed(1)}×); ts all ≥ ${TARGETS.tsAll}×: ${verdict(tsAll >= TARGETS.tsAll)} ` +
        `(${tsAll.toFixed(1)}×); lapack all ≤ ${TARGETS.lapackOverC}× C dsyevd: ` +
        `${Number.isNaN(lapackOverC) ? 'not measured' : `${verdict(lapackOverC <= TARGETS.lapackOverC)} (${lapackOverC.toFixed(2)}×)`}.`,
    ],
  };
  return [timesTable, ratiosTable];
}

export const linalgSuite: BenchSuite = {
  name: 'linalg',
  description: 'symmetric eigendecomposition: lapack and ts backends (all vectors; UᵀB) vs ml-matrix and C dsyevd',
  async run(ctx) {
    const sizes = ctx.quick ? QUICK_SIZES : FULL_SIZES;
    const backends = availableBackends();
    const before = backendInfo().name;
    const c = compileCReference();
    const cNote = 'unavailable' in c ? c.unavailable : 'C dsyevd: apps/bench/native/dsyevd_bench.c, cc -O2, same liblapack.so.3';
    ctx.log(cNote);
    const invariants: Invariant[] = [];
    const results: SizeResult[] = [];
    try {
      for (const n of sizes) {
        const a = randomSymmetric(n, 2024 + n);
        const b = new Matrix64(n, 1, Float64Array.from({ length: n }, seededUniform(7 + n)));
        const result: SizeResult = { n, backends: {}, mlMatrix: { median: NaN, min: NaN, runs: 0 } };
        // C first, next to lapack (the first backend), so that both see the same load on a shared machine.
        if (!('unavailable' in c)) {
          result.cDsyevd = timeCReference(c.binary, n, n >= 2000 ? 3 : 5);
          ctx.log(`n=${n} C dsyevd: ${cell(result.cDsyevd)}`);
        }
        for (const name of backends) {
          result.backends[name] = runBackend(name, a, b, ctx.quick, invariants);
          ctx.log(`n=${n} ${name}: all ${cell(result.backends[name].all)}, UᵀB ${cell(result.backends[name].projections)}`);
        }
        const ml = new Matrix(a.toArray());
        const baseline = measure(() => new EigenvalueDecomposition(ml, { assumeSymmetric: true }), ctx.quick);
        result.mlMatrix = baseline.timing;
        ctx.log(`n=${n} ml-matrix: ${cell(result.mlMatrix)}`);

        const reference = result.backends.lapack?.values ?? result.backends.ts!.values;
        const mlValues = Float64Array.from(baseline.result.realEigenvalues).sort().reverse();
        const compared: [string, Float64Array | undefined][] = [
          ['ts', result.backends.ts?.values],
          ['ml-matrix', mlValues],
        ];
        for (const [label, values] of compared) {
          if (!values || values === reference) continue;
          const gap = eigenvalueGap(values, reference, a);
          invariants.push({
            name: `n=${n}: ${label} eigenvalues agree with ${result.backends.lapack ? 'lapack' : 'ts'} to 10nε‖A‖`,
            ok: gap <= 10 * n * EPS,
            detail: `max |Δλ| / ‖A‖_F = ${gap.toExponential(2)}`,
          });
        }
        results.push(result);
      }
    } finally {
      setBackend(before);
      if (!('unavailable' in c)) rmSync(c.dir, { recursive: true, force: true });
    }
    return {
      tables: tables(results, cNote, ctx.quick),
      invariants,
      data: {
        sizes,
        backends,
        cReference: 'unavailable' in c ? c.unavailable : 'dsyevd_bench.c',
        openblasThreads: process.env.OPENBLAS_NUM_THREADS ?? null,
        results: results.map(({ n, backends: runs, mlMatrix, cDsyevd }) => ({
          n,
          mlMatrix,
          cDsyevd: cDsyevd ?? null,
          lapack: runs.lapack ? { all: runs.lapack.all, projections: runs.lapack.projections } : null,
          ts: runs.ts ? { all: runs.ts.all, projections: runs.ts.projections } : null,
        })),
      },
    };
  },
};
