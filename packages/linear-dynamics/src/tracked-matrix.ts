/**
 * A weight matrix under GD, W = W₀ + Σ_s g_s h_sᵀ, kept as the dense W₀ plus the rank-one history. A product
 * then reads W₀ once and never writes it (the dense rank-one update would read and write it every step),
 * and costs O(rows·cols + history·(rows + cols)). When the history reaches `flushAt` terms it is folded into
 * W₀ in one pass, so long runs stay O(rows·cols) per product on average.
 */
export class TrackedMatrix {
  private readonly left: Float64Array[] = [];
  private readonly right: Float64Array[] = [];
  private readonly coefficients: Float64Array;

  constructor(
    /** W₀, rows×cols row-major; folded histories are added into it. */
    readonly base: Float64Array,
    readonly rows: number,
    readonly cols: number,
    private readonly flushAt = Math.max(16, Math.ceil(Math.min(rows, cols) / 4)),
  ) {
    this.coefficients = new Float64Array(this.flushAt);
  }

  /** out = scale · W x. */
  times(x: Float64Array, out: Float64Array, scale: number): void {
    const { base: W, rows, cols } = this;
    const tail = cols & ~3;
    for (let i = 0; i < rows; i++) {
      const at = i * cols;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let j = 0; j < tail; j += 4) {
        s0 += W[at + j]! * x[j]!;
        s1 += W[at + j + 1]! * x[j + 1]!;
        s2 += W[at + j + 2]! * x[j + 2]!;
        s3 += W[at + j + 3]! * x[j + 3]!;
      }
      for (let j = tail; j < cols; j++) s0 += W[at + j]! * x[j]!;
      out[i] = s0 + s1 + s2 + s3;
    }
    this.addHistory(this.right, this.left, x, out);
    for (let i = 0; i < rows; i++) out[i]! *= scale;
  }

  /** out = scale · Wᵀ y. */
  transposeTimes(y: Float64Array, out: Float64Array, scale: number): void {
    const { base: W, rows, cols } = this;
    out.fill(0);
    const tail = rows & ~3;
    for (let i = 0; i < tail; i += 4) {
      const c0 = y[i]!;
      const c1 = y[i + 1]!;
      const c2 = y[i + 2]!;
      const c3 = y[i + 3]!;
      const a0 = i * cols;
      const a1 = a0 + cols;
      const a2 = a1 + cols;
      const a3 = a2 + cols;
      for (let j = 0; j < cols; j++) out[j]! += c0 * W[a0 + j]! + c1 * W[a1 + j]! + c2 * W[a2 + j]! + c3 * W[a3 + j]!;
    }
    for (let i = tail; i < rows; i++) {
      const c = y[i]!;
      const at = i * cols;
      for (let j = 0; j < cols; j++) out[j]! += c * W[at + j]!;
    }
    this.addHistory(this.left, this.right, y, out);
    for (let j = 0; j < cols; j++) out[j]! *= scale;
  }

  /** W += scale · g hᵀ (g has `rows` entries, h has `cols`); both are copied. */
  addOuter(scale: number, g: Float64Array, h: Float64Array): void {
    this.left.push(g.map((v) => scale * v));
    this.right.push(h.slice());
    if (this.left.length >= this.flushAt) this.flush();
  }

  /** out += Σ_s into_s (from_s · v). */
  private addHistory(from: Float64Array[], into: Float64Array[], v: Float64Array, out: Float64Array): void {
    const n = from.length;
    for (let s = 0; s < n; s++) {
      const f = from[s]!;
      let dot = 0;
      for (let j = 0; j < f.length; j++) dot += f[j]! * v[j]!;
      this.coefficients[s] = dot;
    }
    for (let s = 0; s < n; s++) {
      const c = this.coefficients[s]!;
      const d = into[s]!;
      for (let i = 0; i < d.length; i++) out[i]! += c * d[i]!;
    }
  }

  private flush(): void {
    const { base: W, rows, cols, left, right } = this;
    for (let i = 0; i < rows; i++) {
      const at = i * cols;
      for (let s = 0; s < left.length; s++) {
        const c = left[s]![i]!;
        const h = right[s]!;
        for (let j = 0; j < cols; j++) W[at + j]! += c * h[j]!;
      }
    }
    left.length = 0;
    right.length = 0;
  }
}
