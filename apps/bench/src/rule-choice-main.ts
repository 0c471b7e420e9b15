import { readFileSync } from 'node:fs';
import { markdownTable } from './harness.js';
import { ruleChoiceTable, type RuleChoiceCell } from './rule-choice.js';

/**
 * `rule-choice <suite.json> …`: issue 16's criterion over the cells of several suite runs together (the `stopping` and
 * `real` suites write theirs as data.ruleChoiceCells), printed as a Markdown table.
 */
const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: rule-choice bench-results/stopping.json bench-results/real.json');
  process.exit(2);
}
const cells: RuleChoiceCell[] = files.flatMap((file) => {
  const cellsOf = (JSON.parse(readFileSync(file, 'utf8')) as { data?: { ruleChoiceCells?: RuleChoiceCell[] } }).data?.ruleChoiceCells;
  if (!cellsOf) {
    console.error(`${file} has no data.ruleChoiceCells: run the stopping or real suite (full mode) to write one`);
    process.exit(2);
  }
  return cellsOf;
});
console.log(markdownTable(ruleChoiceTable(`Stage-2 rule choice over ${files.join(' + ')}`, cells)));
