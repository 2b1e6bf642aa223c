/**
 * Randomness and transcendental functions that give the same bits on every platform: a seeded
 * xoshiro128** generator (seeded through splitmix32 from a string hash), and exp / ln built from
 * IEEE 754 basic operations only (+, -, *, / and exact power-of-two scaling), so the simulated
 * market does not depend on how a JavaScript engine implements Math.exp or Math.log.
 */

// One 8-byte scratch value seen as a double and as two 32-bit words; HI is the index of the word
// holding the sign and exponent on this machine (1 on little-endian platforms, 0 on big-endian).
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
const LO = 1 - HI;

/** FNV-1a over the UTF-16 code units of the joined parts: a 32-bit seed for a named stream. */
export function hashSeed(...parts: (string | number)[]): number {
  let h = 0x811c9dc5;
  const text = parts.join('\u0000');
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** xoshiro128** (Blackman and Vigna): uniform numbers in [0, 1) with 32 random bits each. */
export function uniformStream(seed: number): () => number {
  const init = splitmix32(seed);
  // State in a typed array: no boxed numbers, so no garbage per draw.
  const st = Int32Array.of(init(), init(), init(), init());
  if ((st[0]! | st[1]! | st[2]! | st[3]!) === 0) st[0] = 1;
  return () => {
    const result = Math.imul(rotl(Math.imul(st[1]!, 5), 7), 9) >>> 0;
    const t = st[1]! << 9;
    st[2]! ^= st[0]!;
    st[3]! ^= st[1]!;
    st[1]! ^= st[2]!;
    st[0]! ^= st[3]!;
    st[2]! ^= t;
    st[3] = rotl(st[3]!, 11);
    return result / 4294967296;
  };
}
const rotl = (x: number, k: number) => (x << k) | (x >>> (32 - k));

/** 2^k as a double, for -1022 <= k <= 1023, built from its bits. */
function pow2(k: number): number {
  u32[LO] = 0;
  u32[HI] = ((k + 1023) & 0x7ff) << 20;
  return f64[0] as number;
}

/** 1/n, each correctly rounded: the same constants everywhere. */
const INVERSE = Array.from({ length: 24 }, (_, n) => (n === 0 ? 0 : 1 / n));

const LN2 = 0.6931471805599453;
const LN2_HI = 0.6931471803691238;
const LN2_LO = 1.9082149292705877e-10;
const SQRT2 = 1.4142135623730951;

/** e^x to about 1 ulp, from basic operations only. */
export function exp(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x > 709) return Infinity;
  if (x < -708) return 0;
  const k = Math.round(x / LN2);
  const r = x - k * LN2_HI - k * LN2_LO;
  // Taylor series of e^r for |r| <= ln2/2, Horner form, 14 terms.
  let sum = 1;
  for (let n = 14; n >= 1; n--) sum = 1 + r * sum * (INVERSE[n] as number);
  return sum * pow2(k);
}

/** ln(x) for finite x > 0, from basic operations only (x = m 2^e, ln m = 2 atanh((m-1)/(m+1))). */
export function ln(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) return x === 0 ? -Infinity : x === Infinity ? Infinity : NaN;
  let scale = 0;
  if (x < 2.2250738585072014e-308) {
    x *= 18014398509481984; // 2^54: lift subnormals into the normal range
    scale = -54;
  }
  f64[0] = x;
  const hi = u32[HI] as number;
  let e = ((hi >>> 20) & 0x7ff) - 1023 + scale;
  u32[HI] = (hi & 0x800fffff) | (1023 << 20);
  let m = f64[0] as number;
  if (m > SQRT2) {
    m /= 2;
    e += 1;
  }
  const s = (m - 1) / (m + 1);
  const s2 = s * s;
  let series = 0;
  for (let n = 23; n >= 1; n -= 2) series = (INVERSE[n] as number) + s2 * series;
  return e * LN2_HI + (e * LN2_LO + 2 * s * series);
}

/** n standard normal draws (Marsaglia's polar method) from a uniform stream. */
export function normals(uniform: () => number, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; ) {
    const u = 2 * uniform() - 1;
    const v = 2 * uniform() - 1;
    const s = u * u + v * v;
    if (s > 0 && s < 1) {
      const f = Math.sqrt((-2 * ln(s)) / s);
      out[i++] = u * f;
      if (i < n) out[i++] = v * f;
    }
  }
  return out;
}
