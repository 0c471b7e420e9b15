/** The synthetic regression tasks of the benchmarks: inputs x ~ N(0, I10). */
export const INPUT_DIM = 10;

/** True functions of x ∈ R^10 (x ~ N(0, I10)). */
export const TRUE_FUNCTIONS: { name: string; f: (x: readonly number[]) => number }[] = [
  {
    // The published simulation case (its noise sd is 0.5, one of the noise levels below).
    name: 'published',
    f: (x) =>
      0.2 *
      (0.5 * x[0]! + 0.8 * Math.tanh(x[1]!) + Math.sin(x[2]!) + 0.6 * x[3]! + 0.3 * x[4]! ** 2 + 0.05 * Math.exp(x[5]!) +
        Math.cos(x[6]!) + 0.5 * Math.abs(x[7]!) + 0.4 * x[8]! + 0.7 * Math.sin(x[9]!)),
  },
  { name: 'smooth low-frequency', f: (x) => Math.sin(x[0]!) + 0.5 * x[1]! },
  { name: 'rough high-frequency', f: (x) => Math.sin(3 * x[0]!) * Math.cos(3 * x[1]!) + 0.5 * Math.sin(5 * x[2]!) },
  { name: 'sparse', f: (x) => 1.5 * Math.tanh(2 * x[2]!) },
  { name: 'pure noise', f: () => 0 },
];
