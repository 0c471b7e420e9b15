import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { DEFAULT_RANK, DEFAULT_STOPPING_RULE, type StageTwoRule } from '@duality/trainer';
import { describe, expect, it } from 'vitest';
import { createProgram } from './program.js';

/*
 * What the documents say about the CLI's defaults, against commander's own option defaults (the values the CLI
 * really uses): the defaults table of apps/cli/README.md, the root README's "`--flag value`, the default" and rule
 * statements, and each command's --help. Each check is also run on a deliberate mistake, which it must name.
 */

const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8');
const cliReadme = read('../README.md');
const rootReadme = read('../../../README.md');

/** How --help and the READMEs name each rule. */
const RULE_WORDS: Record<StageTwoRule, string> = { loo: 'leave-one-out', reml: 'REML', gcv: 'GCV' };
/** Options the CLI README's table must state: the ones users ask about. */
const REQUIRED = ['--rule', '--rank', '--kernel', '--fixed-effects', '--test-fraction', '--alpha'];
/** The commands that take the decision options. */
const DECISION_COMMANDS = ['analyze', 'train', 'demo'];

const program = await createProgram({ write: () => {} });

function command(name: string): Command {
  const found = program.commands.find((c) => c.name() === name);
  if (!found) throw new Error(`no command ${name}`);
  return found;
}

/** Each long flag's default as commander holds it (arrays and numbers as strings). */
function defaultsOf(cmd: Command): Map<string, string> {
  return new Map(cmd.options.filter((o) => o.long && o.defaultValue !== undefined).map((o) => [o.long!, String(o.defaultValue)]));
}

/** The README table rows `| `--flag` | `value` | …`. */
function tableDefaults(readme: string): Map<string, string> {
  return new Map([...readme.matchAll(/^\| `(--[a-z-]+)` \| `([^`]*)` \|/gm)].map((m) => [m[1]!, m[2]!]));
}

/** Disagreements between the CLI README's defaults table and the code. */
function tableProblems(readme: string, defaults: Map<string, string>, rank: number): string[] {
  const table = tableDefaults(readme);
  const problems = REQUIRED.filter((flag) => !table.has(flag)).map((flag) => `the defaults table does not state ${flag}`);
  for (const [flag, stated] of table) {
    if (!defaults.has(flag)) problems.push(`the defaults table states ${flag}, which has no default in the code`);
    else if (defaults.get(flag) !== stated) problems.push(`the defaults table says ${flag} ${stated}; the code's default is ${defaults.get(flag)}`);
  }
  for (const m of readme.matchAll(/rank-(\d[\d,]*) Nyström/g)) {
    if (Number(m[1]!.replace(/,/g, '')) !== rank) problems.push(`the README says rank-${m[1]}; DEFAULT_RANK is ${rank}`);
  }
  return problems;
}

/** Disagreements between the root README's statements ("`--rank auto`, the default", "the default stage-2 rule is …") and the code. */
function statementProblems(readme: string, defaults: Map<string, string>, rank: number): string[] {
  const problems: string[] = [];
  const flat = readme.replace(/\s+/g, ' ');
  for (const m of flat.matchAll(/`(--[a-z-]+) ([^`\s]+)`,? \(?the default/g)) {
    if (defaults.get(m[1]!) !== m[2]) problems.push(`README: "${m[0]}", but the code's default is ${m[1]} ${defaults.get(m[1]!) ?? '(none)'}`);
  }
  const ruleStatements = [...flat.matchAll(/the default stage-2 rule is (?:the )?(?:exact )?(leave-one-out|REML|GCV)/gi)];
  if (ruleStatements.length === 0) problems.push('README: no sentence "the default stage-2 rule is …"');
  for (const m of ruleStatements) {
    if (m[1] !== RULE_WORDS[defaults.get('--rule') as StageTwoRule]) problems.push(`README: "${m[0]}", but --rule defaults to ${defaults.get('--rule')}`);
  }
  for (const m of flat.matchAll(/rank-(\d[\d,]*) Nyström/g)) {
    if (Number(m[1]!.replace(/,/g, '')) !== rank) problems.push(`README says rank-${m[1]}; DEFAULT_RANK is ${rank}`);
  }
  return problems;
}

/** --help must name the default rule as the default, and name no other rule anywhere but in --rule's choices. */
function helpProblems(cmd: Command): string[] {
  const problems: string[] = [];
  const rule = cmd.options.find((o) => o.long === '--rule');
  if (!rule) return [`${cmd.name()} has no --rule option`];
  const chosen = String(rule.defaultValue) as StageTwoRule;
  const help = cmd.helpInformation().replace(/\s+/g, ' ');
  if (!help.includes(`${RULE_WORDS[chosen]} (the default)`)) problems.push(`${cmd.name()} --help does not say "${RULE_WORDS[chosen]} (the default)"`);
  if (!help.includes(`default: "${chosen}"`)) problems.push(`${cmd.name()} --help does not show default: "${chosen}"`);
  for (const [name, words] of Object.entries(RULE_WORDS)) {
    if (name !== chosen && help.includes(`${words} (the default)`)) problems.push(`${cmd.name()} --help calls ${words} the default; --rule defaults to ${chosen}`);
  }
  const elsewhere = [cmd.description(), ...cmd.options.filter((o) => o !== rule).map((o) => o.description)].join(' ');
  for (const [name, words] of Object.entries(RULE_WORDS)) {
    if (name !== chosen && new RegExp(`\\b${words}\\b`).test(elsewhere)) problems.push(`${cmd.name()} --help names ${words} outside --rule; the default rule is ${chosen}`);
  }
  return problems;
}

describe('the documented CLI defaults are the code’s', () => {
  const analyze = defaultsOf(command('analyze'));

  it('reads the defaults from commander, where the CLI gets them', () => {
    expect(analyze.get('--rule')).toBe(DEFAULT_STOPPING_RULE);
    expect(analyze.get('--rank')).toBe('auto');
    expect(analyze.size).toBeGreaterThan(10);
  });

  it('every decision command has the same decision and data defaults (apart from the demo’s network)', () => {
    for (const name of DECISION_COMMANDS) {
      const own = defaultsOf(command(name));
      for (const flag of REQUIRED) expect(own.get(flag), `${name} ${flag}`).toBe(analyze.get(flag));
    }
  });

  it('apps/cli/README.md: the defaults table agrees with the code', () => {
    expect(tableProblems(cliReadme, analyze, DEFAULT_RANK)).toEqual([]);
  });

  it('README.md: its statements of defaults agree with the code', () => {
    expect(statementProblems(rootReadme, analyze, DEFAULT_RANK)).toEqual([]);
  });

  it('--help names the default rule as the default, and no other rule outside --rule', () => {
    for (const name of DECISION_COMMANDS) expect(helpProblems(command(name)), name).toEqual([]);
  });
});

describe('each check fails on a deliberate mistake', () => {
  const analyze = defaultsOf(command('analyze'));

  it('a table row with a wrong default, a missing required row, a wrong rank', () => {
    const wrong = cliReadme.replace('| `--rule` | `loo` |', '| `--rule` | `gcv` |').replace(/^\| `--alpha` .*\n/m, '').replace('rank-1000', 'rank-500');
    expect(tableProblems(wrong, analyze, DEFAULT_RANK)).toEqual([
      'the defaults table does not state --alpha',
      `the defaults table says --rule gcv; the code's default is ${DEFAULT_STOPPING_RULE}`,
      `the README says rank-500; DEFAULT_RANK is ${DEFAULT_RANK}`,
    ]);
  });

  it('a README that calls GCV the default rule, or states another --rank default', () => {
    const wrong = rootReadme.replace(/the default stage-2 rule is the exact leave-one-out/, 'the default stage-2 rule is GCV').replace('`--rank auto`, the default', '`--rank full`, the default');
    const problems = statementProblems(wrong, analyze, DEFAULT_RANK);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain('"`--rank full`, the default", but the code\'s default is --rank auto');
    expect(problems[1]).toContain(`"the default stage-2 rule is GCV", but --rule defaults to ${DEFAULT_STOPPING_RULE}`);
  });

  it('help that says "for how long (REML)" and calls REML the default', () => {
    const lagging = new Command('analyze')
      .description('should the network train, and for how long (REML)?')
      .addOption(new Option('--rule <rule>', 'REML (the default), exact leave-one-out or GCV').choices(['reml', 'loo', 'gcv']).default('loo'));
    expect(helpProblems(lagging)).toEqual([
      'analyze --help does not say "leave-one-out (the default)"',
      'analyze --help calls REML the default; --rule defaults to loo',
      'analyze --help names REML outside --rule; the default rule is loo',
    ]);
  });
});
