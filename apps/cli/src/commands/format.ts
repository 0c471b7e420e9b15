/** Numbers for people: 4 significant digits, tiny p-values in exponent form. */
export function num(x: number): string {
  if (x === Infinity) return '∞';
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a >= 1e-3 && a < 1e6 ? String(Number(x.toPrecision(4))) : x.toExponential(2);
}

/** Columns a label takes on screen: combining marks (the hat of t̂) take none. */
function displayWidth(text: string): number {
  return text.replace(/\p{M}/gu, '').length;
}

/** Aligned "label  value" lines. */
export function table(rows: [string, string][]): string {
  const width = Math.max(...rows.map(([k]) => displayWidth(k)));
  return rows.map(([k, v]) => `${k}${' '.repeat(width - displayWidth(k))}  ${v}`).join('\n');
}
