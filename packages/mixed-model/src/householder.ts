/**
 * R of a Householder QR of a tall matrix (rows × cols, row-major, rows ≥ cols): cols×cols upper triangular with
 * RᵀR = AᵀA, computed without forming AᵀA (so its condition number is not squared). Q is not kept: the callers
 * need only R (log-determinants, least-squares residuals through an augmented column block).
 */
export function triangularFactor(a: Float64Array, rows: number, cols: number): Float64Array {
  const w = a.slice();
  const r = new Float64Array(cols * cols);
  for (let j = 0; j < cols; j++) {
    let norm2 = 0;
    for (let i = j; i < rows; i++) norm2 += w[i * cols + j]! ** 2;
    const norm = Math.sqrt(norm2);
    const head = w[j * cols + j]!;
    const alpha = head > 0 ? -norm : norm;
    if (norm > 0) {
      // v = x − αe₁ stored in place; reflect the remaining columns: x ← x − 2v(vᵀx)/(vᵀv).
      w[j * cols + j] = head - alpha;
      const vv = norm2 - head * head + (head - alpha) ** 2;
      for (let k = j + 1; k < cols; k++) {
        let dot = 0;
        for (let i = j; i < rows; i++) dot += w[i * cols + j]! * w[i * cols + k]!;
        const s = (2 * dot) / vv;
        for (let i = j; i < rows; i++) w[i * cols + k]! -= s * w[i * cols + j]!;
      }
    }
    r[j * cols + j] = alpha;
    for (let k = j + 1; k < cols; k++) r[j * cols + k] = w[j * cols + k]!;
  }
  return r;
}
