import { createRequire } from 'node:module';
import { Command, Option } from 'commander';
import type { Output } from './output.js';

type Register = (program: Command, output: Output) => void;

/** A subcommand as the top-level help lists it, and where its implementation lives (imported only when it runs). */
interface CatalogueEntry {
  description: string;
  /** What follows its name in the listing, e.g. '[options] <model> <file>'. */
  usage: string;
  load: () => Promise<Register>;
}

/**
 * Every subcommand, in help order. `duality --help` and `--version` need nothing but this table, so they answer
 * without loading TensorFlow.js, DuckDB or the report renderer; a subcommand loads only its own module.
 */
export const CATALOGUE: Record<string, CatalogueEntry> = {
  info: { description: 'report the linear-algebra and TensorFlow.js backends and the table reader selected, and why', usage: '[options]', load: async () => (await import('./commands/info.js')).registerInfo },
  analyze: {
    description: 'the two-stage decision only: should the network train (exact score test), and for how long (the stage-2 rule, --rule)?',
    usage: '[options] [file]',
    load: async () => (await import('./commands/analyze.js')).registerAnalyze,
  },
  train: { description: 'train with the two-stage rule, save the model folder (network + preprocessing) and write the report', usage: '[options] <file>', load: async () => (await import('./commands/train.js')).registerTrain },
  demo: { description: 'train on a bundled real dataset (default cars: Miles_per_Gallon from the other columns)', usage: '[options]', load: async () => (await import('./commands/train.js')).registerDemo },
  predict: {
    description: 'answer new rows with a trained model folder: a prediction per row in the target’s units (regression, with its interval) or a label and class probabilities',
    usage: '[options] <model> <file>',
    load: async () => (await import('./commands/predict.js')).registerPredict,
  },
  kernel: {
    description: 'write the NTK of the training rows (Θ = J Jᵀ/n, kernel.csv; a low-rank kernel as its factor F, factor.csv) and its spectrum (spectrum.csv)',
    usage: '[options] <file>',
    load: async () => (await import('./commands/kernel.js')).registerKernel,
  },
  dynamics: {
    description: 'a deep linear network’s loss curves: DMFT theory against simulated finite networks (mean ± s.e. over seeds)',
    usage: '[options]',
    load: async () => (await import('./commands/dynamics.js')).registerDynamics,
  },
  explain: { description: 'what each printed quantity means (p-value, rules, t̂, outcome, edf, σ̂², oracle, …), two lines each', usage: '', load: async () => (await import('./commands/explain.js')).registerExplain },
};

export type CommandName = keyof typeof CATALOGUE;

/** A subcommand's description, from the catalogue (the one place it is written). */
export function describe(name: CommandName): string {
  return CATALOGUE[name]!.description;
}

/** The CLI's package version (src/ and dist/ both sit one folder below package.json). */
const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

/** The `duality` command with no subcommand yet. Errors propagate to the caller (main.ts prints them as one line). */
export function baseProgram(output: Output): Command {
  return new Command('duality')
    .description('Neural-network training as statistical inference: should I train, and for how long?')
    .version(version, '-V, --version', 'print the version of duality')
    .exitOverride()
    .configureOutput({ writeOut: (text) => output.write(text.trimEnd()), writeErr: (text) => process.stderr.write(text) })
    .showHelpAfterError(false);
}

/** Every subcommand as a listing only (name, arguments, description): what `duality --help` shows. */
export function listingProgram(output: Output): Command {
  const program = baseProgram(output);
  for (const [name, entry] of Object.entries(CATALOGUE)) {
    const command = program.command(name).description(entry.description);
    const words = entry.usage.split(' ').filter(Boolean);
    for (const argument of words.filter((w) => w !== '[options]')) command.argument(argument);
    // The listing says a subcommand has options ("[options]") without defining them.
    if (words.includes('[options]')) command.addOption(new Option('--options').hideHelp());
  }
  return program;
}

/** The program with the named subcommands' real definitions loaded (all of them when none are named). */
export async function loadedProgram(output: Output, names: string[] = Object.keys(CATALOGUE)): Promise<Command> {
  const program = baseProgram(output);
  const registers = new Set(await Promise.all(names.map((name) => CATALOGUE[name]!.load())));
  for (const register of registers) register(program, output);
  return program;
}
