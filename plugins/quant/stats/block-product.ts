/**
 * Y = C Q for a symmetric n x n matrix C and blocks Q of l columns (column c at c * n), as subspace
 * iteration needs them again and again: C is copied once into a kernel memory, and each product runs
 * the SIMD kernel of gram.ts (row i of C is column i, so each entry is a dot product of two columns).
 */
import { kernelMemory, kernelPanel, type Panel } from './gram-kernel.js';

export class SymmetricBlockProduct {
  private readonly width: number;
  private readonly memory: WebAssembly.Memory | undefined;
  private readonly panel: Panel | undefined;

  constructor(
    private readonly c: Float64Array,
    private readonly n: number,
    private readonly l: number,
  ) {
    this.width = Math.ceil(l / 4) * 4;
    // [C: n x n][Q: width columns of n][Y: n rows of width]
    this.memory = kernelMemory(n * n + 2 * this.width * n);
    if (this.memory) {
      new Float64Array(this.memory.buffer, 0, n * n).set(c);
      this.panel = kernelPanel(this.memory);
    }
  }

  /** y = C q (both l columns of n). */
  multiply(q: Float64Array, y: Float64Array): void {
    const { c, n, l, width, memory, panel } = this;
    if (!memory || !panel) {
      for (let col = 0; col < l; col++) {
        for (let i = 0; i < n; i++) {
          let s = 0;
          for (let j = 0; j < n; j++) s += (c[i * n + j] as number) * (q[col * n + j] as number);
          y[col * n + i] = s;
        }
      }
      return;
    }
    const qAt = n * n;
    const yAt = qAt + width * n;
    new Float64Array(memory.buffer, qAt * 8, l * n).set(q.subarray(0, l * n));
    const out = new Float64Array(memory.buffer, yAt * 8, n * width).fill(0);
    const full = n - (n % 4);
    for (let i = 0; i < full; i += 4) panel(i * n * 8, qAt * 8, (qAt + width * n) * 8, n * 8, 0, n * 8, (yAt + i * width) * 8, width * 8);
    for (let i = full; i < n; i++) {
      for (let col = 0; col < l; col++) {
        let s = 0;
        for (let j = 0; j < n; j++) s += (c[i * n + j] as number) * (q[col * n + j] as number);
        out[i * width + col] = s;
      }
    }
    for (let col = 0; col < l; col++) for (let i = 0; i < n; i++) y[col * n + i] = out[i * width + col] as number;
  }
}
