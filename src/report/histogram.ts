/**
 * Fixed-edge histograms over typed arrays: the one binning used by plots, monitoring and studies,
 * so a monitoring bin and its plotted bar are the same bin.
 */

export interface Histogram {
  /** Bin edges, ascending, length nBins + 1. */
  edges: Float64Array;
  counts: Float64Array;
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
  return { edges, counts: new Float64Array(edges.length - 1), underflow: 0, overflow: 0 };
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
  else h.counts[i] += weight;
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
