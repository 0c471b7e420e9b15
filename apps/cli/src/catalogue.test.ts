import { describe, expect, it } from 'vitest';
import { CATALOGUE, listingProgram, loadedProgram } from './catalogue.js';

const quiet = { write: () => {} };

describe('the command catalogue', () => {
  it('lists every subcommand in --help exactly as the loaded subcommands define them', async () => {
    const loaded = await loadedProgram(quiet);
    expect(loaded.commands.map((c) => c.name())).toEqual(Object.keys(CATALOGUE));
    expect(listingProgram(quiet).helpInformation()).toBe(loaded.helpInformation());
  });
});
