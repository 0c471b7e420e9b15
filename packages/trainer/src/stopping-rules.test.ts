import { describe, expect, it } from 'vitest';
import { ruleNotes } from './stopping-rules.js';

describe('ruleNotes', () => {
  it('notes a costly REML stop as misspecification, whichever side LOO is on', () => {
    expect(ruleNotes(25, 1500, 0.08).misspecification).toMatch(/^REML's stop costs an estimated \+8% .*\(LOO at 25 steps vs 1,500\); .*too rough/);
    expect(ruleNotes(900, 40, 0.05).misspecification).toMatch(/too smooth/);
    expect(ruleNotes(25, 1500, 0.08).flatCurve).toBeUndefined();
  });

  it('notes a flat LOO curve when LOO stops over 10× later for at most 2% estimated loss', () => {
    expect(ruleNotes(79, 1_800_000, 0.02)).toEqual({
      flatCurve:
        "leave-one-out's curve is flat: REML's stop at 79 steps costs an estimated +2.0% out-of-sample loss against " +
        "leave-one-out's 1,800,000 steps, so --rule reml trains far less for about the same loss",
    });
    expect(ruleNotes(10, Infinity, 0).flatCurve).toMatch(/costs an estimated nothing measurable .* leave-one-out's ∞ steps/);
  });

  it('says nothing when the rules agree or REML does not train', () => {
    expect(ruleNotes(100, 900, 0.01)).toEqual({});
    expect(ruleNotes(0, 500, 0)).toEqual({});
    expect(ruleNotes(Infinity, Infinity, 0)).toEqual({});
  });
});
