/**
 * Small seeded PRNG: xoshiro128** (Blackman & Vigna, 2018, https://prng.di.unimi.it/) seeded by a
 * splitmix32-style integer hash. Pure 32-bit integer arithmetic (Math.imul), so the same seed gives
 * the same stream on every platform and Node version — the generator's byte-exact determinism rests
 * on it.
 */

const TWO_POW_32 = 4294967296;

/** A 32-bit avalanche hash (splitmix32 finaliser, constants from Wellons' "hash prospector"). */
export function mix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
  return (z ^ (z >>> 15)) >>> 0;
}

export class Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  /** Second Box–Muller value, kept so each pair of uniforms yields two normals. */
  private spareNormal = 0;
  private hasSpare = false;

  /**
   * `seed` may be any safe integer (both 32-bit halves are used); `stream` selects an independent
   * sequence for the same seed (the generator uses the orbit number, so any orbit can be made alone).
   */
  constructor(seed: number, stream = 0) {
    this.reseed(seed, stream);
  }

  reseed(seed: number, stream = 0): void {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
    const lo = seed >>> 0;
    const hi = Math.floor(seed / TWO_POW_32) >>> 0;
    let h = mix32(lo ^ mix32(hi ^ mix32(stream >>> 0)));
    // Four successive hashes fill the state; xoshiro only forbids the all-zero state.
    this.s0 = h = mix32(h);
    this.s1 = h = mix32(h);
    this.s2 = h = mix32(h);
    this.s3 = h = mix32(h);
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
    this.hasSpare = false;
  }

  /** Next uniform 32-bit unsigned integer. */
  nextU32(): number {
    const s1 = this.s1;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9);
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result >>> 0;
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.nextU32() / TWO_POW_32;
  }

  /** Uniform in [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform();
  }

  /** Standard normal (Box–Muller; 1 − u keeps the log argument in (0, 1]). */
  normal(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spareNormal;
    }
    const r = Math.sqrt(-2 * Math.log(1 - this.uniform()));
    const a = 2 * Math.PI * this.uniform();
    this.spareNormal = r * Math.sin(a);
    this.hasSpare = true;
    return r * Math.cos(a);
  }

  /** Exponential with the given mean. */
  exponential(mean: number): number {
    return -mean * Math.log(1 - this.uniform());
  }

  /**
   * Poisson count. Knuth's product method for small means (exact); for mean ≥ 30 a rounded normal
   * approximation, which is accurate to well under a per cent there and keeps the cost bounded.
   */
  poisson(mean: number): number {
    if (!(mean > 0)) return 0;
    if (mean >= 30) return Math.max(0, Math.round(mean + Math.sqrt(mean) * this.normal()));
    const limit = Math.exp(-mean);
    let k = 0;
    let p = this.uniform();
    while (p > limit) {
      k++;
      p *= this.uniform();
    }
    return k;
  }

  /**
   * Power-law ("steeply falling") spectrum dN/dx ∝ x^-index above xMin, by inverse transform.
   * index must be > 1.
   */
  powerLaw(xMin: number, index: number): number {
    return xMin * Math.pow(1 - this.uniform(), -1 / (index - 1));
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
