/** Columns a label takes on screen: combining marks (the hat of t̂) take none. */
function displayWidth(text: string): number {
  return text.replace(/\p{M}/gu, '').length;
}

/** Aligned "label  value" lines. */
export function table(rows: [string, string][]): string {
  const width = Math.max(...rows.map(([k]) => displayWidth(k)));
  return rows.map(([k, v]) => `${k}${' '.repeat(width - displayWidth(k))}  ${v}`).join('\n');
}
