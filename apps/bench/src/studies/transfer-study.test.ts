import { describe, expect, it } from 'vitest';
import { transferStudy } from './transfer-study.js';

describe('transferStudy (quick)', () => {
  it('keeps every invariant and fills every table', () => {
    const { tables, invariants } = transferStudy({ quick: true });
    for (const inv of invariants) expect(inv.ok, `${inv.name}: ${inv.detail}`).toBe(true);
    expect(invariants.length).toBe(5);
    for (const table of tables) {
      expect(table.rows.length).toBeGreaterThan(1);
      for (const row of table.rows) expect(row.length).toBe(table.columns.length);
    }
  });
});
