/**
 * Fixed-edge histograms over typed arrays: the one binning used by plots, monitoring, studies and
 * metrics, so a monitoring bin, its table row and its plotted bar are the same bin. Each bin keeps
 * the sum of squared weights, so its error is √Σw² (√n for unit weights), as ROOT's TH1 Sumw2.
 */

export interface Histogram {
  /** Bin edges, ascending, length nBins + 1. */
  edges: Float64Array;
  counts: Float64Array;
  /** Σ w² per bin (the variance of the bin content). */
  sumw2: Float64Array;
  /** Entries below the first / at or above the last edge (not in `counts`). */
  underflow: number;
  overflow: number;
}

export function linearEdges(lo: number, hi: number, nBins: number): Float64Array {
  if (!(hi > lo) || !Number.isInteger(nBins) || nBins < 1) throw new RangeError(`bad binning [${lo}, ${hi}) × ${nBins}`);
  const e = new Float64Array(nBins + 1);
  for (let i = 0; i <= nBins; i++) e[i] = lo + ((hi - lo) * i) / nBins;
  return e;
}

export function emptyHistogram(edges: Float64Array): Histogram {
  return { edges, counts: new Float64Array(edges.length - 1), sumw2: new Float64Array(edges.length - 1), underflow: 0, overflow: 0 };
}

/** Index of the bin holding v (binary search), -1 below, nBins at/above the top; NaN → -2. */
export function binIndex(edges: Float64Array, v: number): number {
  if (Number.isNaN(v)) return -2;
  const n = edges.length - 1;
  if (v < edges[0]) return -1;
  if (v >= edges[n]) return n;
  let lo = 0;
  let hi = n;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (v >= edges[mid]) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** Add one value (NaN is ignored: an unscored event has no place in a score histogram). */
export function fill(h: Histogram, v: number, weight = 1): void {
  const i = binIndex(h.edges, v);
  if (i === -2) return;
  if (i === -1) h.underflow += weight;
  else if (i === h.counts.length) h.overflow += weight;
  else {
    h.counts[i] += weight;
    h.sumw2[i] += weight * weight;
  }
}

/** Statistical error of each bin, √Σw². */
export function binErrors(h: Histogram): Float64Array {
  return h.sumw2.map(Math.sqrt);
}

/** Bin centres. */
export function binCentres(edges: ArrayLike<number>): Float64Array {
  const c = new Float64Array(edges.length - 1);
  for (let i = 0; i < c.length; i++) c[i] = (edges[i] + edges[i + 1]) / 2;
  return c;
}

/**
 * Ratio a/b per bin with its error, both histograms' errors propagated as independent
 * (σ_r/r)² = (σ_a/a)² + (σ_b/b)²; NaN where b is empty. `scaleB` multiplies b first (e.g. the
 * reference normalised to the data).
 */
export function ratio(a: Histogram, b: Histogram, scaleB = 1): { ratio: Float64Array; error: Float64Array } {
  const n = a.counts.length;
  if (b.counts.length !== n) throw new RangeError(`ratio: ${n} bins vs ${b.counts.length}`);
  const r = new Float64Array(n);
  const e = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const bb = b.counts[i] * scaleB;
    if (!(bb > 0)) { r[i] = NaN; e[i] = NaN; continue; }
    r[i] = a.counts[i] / bb;
    const relA = a.counts[i] > 0 ? a.sumw2[i] / (a.counts[i] * a.counts[i]) : 0;
    const relB = b.sumw2[i] / (b.counts[i] * b.counts[i]);
    // An empty data bin still has a Poisson error of ~1 event (not zero).
    e[i] = a.counts[i] > 0 ? r[i] * Math.sqrt(relA + relB) : 1 / bb;
  }
  return { ratio: r, error: e };
}

export function fillAll(h: Histogram, values: ArrayLike<number>): Histogram {
  for (let i = 0; i < values.length; i++) fill(h, values[i]);
  return h;
}

export function histogramOf(values: ArrayLike<number>, edges: Float64Array): Histogram {
  return fillAll(emptyHistogram(edges), values);
}

/** Edges spanning the finite values of several samples (a little margin so the max is inside). */
export function edgesFor(samples: ArrayLike<number>[], nBins: number): Float64Array {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of samples) {
    for (let i = 0; i < s.length; i++) {
      const v = s[i];
      if (!Number.isFinite(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (!Number.isFinite(lo)) return linearEdges(0, 1, nBins);
  if (hi === lo) return linearEdges(lo - 0.5, hi + 0.5, nBins);
  const pad = (hi - lo) * 1e-6;
  return linearEdges(lo, hi + pad, nBins);
}

export function total(h: Histogram): number {
  let s = 0;
  for (let i = 0; i < h.counts.length; i++) s += h.counts[i];
  return s;
}

/** The next double above x. */
export function nextUp(x: number): number {
  if (Number.isNaN(x) || x === Infinity) return x;
  if (x === 0) return Number.MIN_VALUE;
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, x);
  const bits = buf.getBigInt64(0);
  buf.setBigInt64(0, x > 0 ? bits + 1n : bits - 1n);
  return buf.getFloat64(0);
}

/** Fixed-width histogram over [lo, hi) (defaults: the data range). */
export function histogram(values: ArrayLike<number>, bins = 50, lo?: number, hi?: number): Histogram {
  let a = lo ?? Infinity, b = hi ?? -Infinity;
  if (lo === undefined || hi === undefined) for (let i = 0; i < values.length; i++) {
    if (lo === undefined) a = Math.min(a, values[i]);
    if (hi === undefined) b = Math.max(b, values[i]);
  }
  if (!Number.isFinite(a) || !Number.isFinite(b)) { a = 0; b = 1; }
  if (b <= a) b = a + 1;
  if (hi === undefined) b = nextUp(b);
  return histogramOf(values, linearEdges(a, b, bins));
}
