/** Where commands write; tests pass a collector instead of stdout. */
export interface Output {
  write(text: string): void;
}

export const stdoutOutput: Output = { write: (text) => process.stdout.write(`${text}\n`) };
