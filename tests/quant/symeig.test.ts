/** The symmetric eigensolver: A V = V Lambda and V'V = I, on matrices with well-separated, clustered and repeated eigenvalues. */
import { describe, expect, it } from 'vitest';
import { symmetricEigen } from '../../plugins/quant/stats/symeig.js';
import { prng } from '../../src/sandbox/simulate.js';

/** Q diag(values) Q' for a random orthogonal Q (Gram-Schmidt of a random matrix). */
function withSpectrum(values: number[], seed: number): Float64Array {
  const n = values.length;
  const next = prng(seed);
  const q: Float64Array[] = [];
  for (let k = 0; k < n; k++) {
    const v = Float64Array.from({ length: n }, () => next() - 0.5);
    for (const u of q) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += (u[i] as number) * (v[i] as number);
      for (let i = 0; i < n; i++) v[i] = (v[i] as number) - dot * (u[i] as number);
    }
    const norm = Math.hypot(...v);
    q.push(v.map((x) => x / norm));
  }
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += (q[k] as Float64Array)[i]! * (values[k] as number) * (q[k] as Float64Array)[j]!;
      a[i * n + j] = s;
    }
  return a;
}

function check(a: Float64Array, n: number): { residual: number; orthogonality: number } {
  const { values, vectors } = symmetricEigen(a, n);
  let residual = 0;
  let orthogonality = 0;
  const scale = Math.max(...Array.from(values, Math.abs), 1e-300);
  for (let k = 0; k < n; k++) {
    for (let i = 0; i < n; i++) {
      let av = 0;
      for (let j = 0; j < n; j++) av += (a[i * n + j] as number) * (vectors[k * n + j] as number);
      residual = Math.max(residual, Math.abs(av - (values[k] as number) * (vectors[k * n + i] as number)) / scale);
    }
    for (let l = 0; l <= k; l++) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += (vectors[k * n + i] as number) * (vectors[l * n + i] as number);
      orthogonality = Math.max(orthogonality, Math.abs(dot - (k === l ? 1 : 0)));
    }
  }
  for (let k = 1; k < n; k++) expect(values[k]!).toBeGreaterThanOrEqual(values[k - 1]!);
  return { residual, orthogonality };
}

describe('symmetricEigen', () => {
  it.each([
    ['well separated', Array.from({ length: 40 }, (_, i) => i + 1)],
    ['a tight cluster', Array.from({ length: 40 }, (_, i) => (i < 30 ? 1 + i * 1e-9 : 10 + i))],
    ['repeated values', Array.from({ length: 40 }, (_, i) => (i < 20 ? 2 : 5))],
    ['one dominant factor and a noise bulk', Array.from({ length: 60 }, (_, i) => (i === 59 ? 100 : 0.5 + (i / 59) * 0.6))],
    ['tiny and zero eigenvalues', Array.from({ length: 30 }, (_, i) => (i < 5 ? 0 : 1e-6 * i))],
  ])("%s: A V = V Lambda and V'V = I", (_label, spectrum) => {
    const { residual, orthogonality } = check(withSpectrum(spectrum, 17), spectrum.length);
    expect(residual).toBeLessThan(1e-10);
    expect(orthogonality).toBeLessThan(1e-10);
  });
});
