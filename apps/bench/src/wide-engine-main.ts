import { wideEngineRun, wideTrainRun } from './wide-engine.js';

/**
 * `node --conditions=@duality/source --import tsx apps/bench/src/wide-engine-main.ts analyze|train ROWS [COLUMNS]
 * [RANK|BATCH]`: one in-process analysis (or training run) of a generated biobank-like table; add --cpu-prof to
 * profile the engine at that size.
 */
const [mode = 'analyze', rows = '5000', columns = '2923', choice = 'auto'] = process.argv.slice(2);
const spec = { rows: Number(rows), columns: Number(columns), seed: 1 };
const named = (v: string) => (v === 'auto' || v === 'full' ? v : Number(v));
const run = mode === 'train' ? await wideTrainRun(spec, named(choice)) : await wideEngineRun(spec, named(choice));
console.log(JSON.stringify(run, null, 2));
