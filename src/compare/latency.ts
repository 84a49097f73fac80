/**
 * Latency histograms (HdrHistogram via hdr-histogram-js): p50/p90/p99/p99.9/max with a bounded
 * relative error (3 significant digits), whatever the number of samples.
 *
 * Firmware latency (board clock cycles, and ns at the board clock) and host round trip are kept
 * in separate histograms (as FINN's throughput_test splits host overhead from
 * accelerator time; hls4ml cosim reports cycles, never wall time). In link-rate mode the
 * end-to-end latency is measured from the *scheduled* send time, so a stalled pipeline shows up
 * in the tail instead of being hidden (coordinated omission).
 */
import * as hdr from "hdr-histogram-js";

/** Named shape of a latency summary; values are in `unit`. */
export interface LatencySummary {
  unit: string;
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p99_9: number;
  max: number;
}

export const PERCENTILES = { p50: 50, p90: 90, p99: 99, p99_9: 99.9 } as const;

function newHdr(highest: number): hdr.Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: highest, numberOfSignificantValueDigits: 3, autoResize: true, useWebAssembly: false });
}

export class LatencyHistogram {
  /** @internal read by LatencyWindow only. */
  readonly histogram: hdr.Histogram;
  private min = Infinity;
  private sumRecorded = 0;

  /**
   * @param unit e.g. "ns", "cycles"
   * @param highest the largest value expected; larger ones grow the histogram (autoResize)
   */
  constructor(readonly unit: string, highest = 60e9) {
    this.histogram = newHdr(highest);
  }

  /** Record one value; negatives and NaN are clock glitches and are clamped to 0 / skipped. */
  record(value: number): void {
    if (!(value >= 0)) {
      if (Number.isNaN(value)) return;
      value = 0;
    }
    const v = Math.round(value);
    this.histogram.recordValue(v);
    if (v < this.min) this.min = v;
    this.sumRecorded += v;
  }

  recordAll(values: ArrayLike<number>): void {
    for (let i = 0; i < values.length; i++) this.record(values[i]);
  }

  get count(): number {
    return this.histogram.totalCount;
  }

  /** Sum of the recorded (rounded) values. */
  get sum(): number {
    return this.sumRecorded;
  }

  /** Largest recorded value (bucket resolution), 0 when empty. */
  get max(): number {
    return this.count ? this.histogram.maxValue : 0;
  }

  /** Value at a percentile (0..100), 0 when empty. */
  percentile(p: number): number {
    return this.count === 0 ? 0 : this.histogram.getValueAtPercentile(p);
  }

  summary(): LatencySummary {
    const n = this.count;
    // HdrHistogram reports a bucket's highest equivalent value; never above the true max.
    const max = n ? this.histogram.maxValue : 0;
    const at = (p: number) => Math.min(this.percentile(p), max);
    return {
      unit: this.unit,
      count: n,
      min: n ? this.min : 0,
      mean: n ? this.sumRecorded / n : 0,
      p50: at(PERCENTILES.p50),
      p90: at(PERCENTILES.p90),
      p99: at(PERCENTILES.p99),
      p99_9: at(PERCENTILES.p99_9),
      max,
    };
  }

  destroy(): void {
    this.histogram.destroy();
  }
}

/** The HdrHistogram internals LatencyWindow walks (hdr-histogram-js's JsHistogram). */
interface HdrCounts {
  countsArrayLength: number;
  getCountAtIndex(index: number): number;
  valueFromIndex(index: number): number;
  lowestEquivalentValue(value: number): number;
  highestEquivalentValue(value: number): number;
}

/** hdr-histogram-js's rounding of a percentile's count (its getValueAtPercentile), so windows agree with it. */
function countAtPercentile(p: number, total: number): number {
  const fp = (Math.min(p, 100) / 100) * total;
  const ulp = fp > 0 ? 2 ** (Math.floor(Math.log2(fp)) - 52) : 0;
  return Math.max(Math.ceil(fp - ulp), 1);
}

/**
 * Percentiles of what a cumulative histogram recorded since the previous `take()` — latency over
 * time for a live view — without touching the histogram or the hot path that records into it:
 * one pass over the bucket counts (tens of thousands of numbers, well under a millisecond), and
 * the mean from the running sum (exact), whatever the number of samples.
 */
export class LatencyWindow {
  private seen = new Float64Array(0);
  private delta = new Float64Array(0);
  private seenCount = 0;
  private seenSum = 0;

  constructor(private readonly of: LatencyHistogram) {}

  /** The window since the last call, or null when nothing new was recorded. */
  take(): LatencySummary | null {
    const total = this.of.count - this.seenCount;
    if (total <= 0) return null;
    const h = this.of.histogram as unknown as HdrCounts;
    const n = h.countsArrayLength;
    // autoResize only appends buckets: the indices of values already seen stay where they were.
    if (this.seen.length < n) {
      const grown = new Float64Array(n);
      grown.set(this.seen);
      this.seen = grown;
      this.delta = new Float64Array(n);
    }
    let lo = -1;
    let hi = -1;
    for (let i = 0; i < n; i++) {
      const c = h.getCountAtIndex(i);
      const d = c - this.seen[i];
      this.delta[i] = d;
      if (d !== 0) {
        this.seen[i] = c;
        if (lo < 0) lo = i;
        hi = i;
      }
    }
    const mean = (this.of.sum - this.seenSum) / total;
    this.seenCount = this.of.count;
    this.seenSum = this.of.sum;
    const max = Math.min(h.highestEquivalentValue(h.valueFromIndex(hi)), this.of.max);
    const ps = [PERCENTILES.p50, PERCENTILES.p90, PERCENTILES.p99, PERCENTILES.p99_9];
    const at = ps.map(() => max);
    let k = 0;
    let target = countAtPercentile(ps[0], total);
    let cum = 0;
    for (let i = lo; i <= hi && k < ps.length; i++) {
      cum += this.delta[i];
      while (k < ps.length && cum >= target) {
        at[k] = Math.min(h.highestEquivalentValue(h.valueFromIndex(i)), max);
        if (++k < ps.length) target = countAtPercentile(ps[k], total);
      }
    }
    return { unit: this.of.unit, count: total, min: h.lowestEquivalentValue(h.valueFromIndex(lo)), mean, p50: at[0], p90: at[1], p99: at[2], p99_9: at[3], max };
  }

  destroy(): void {
    this.seen = new Float64Array(0);
    this.delta = new Float64Array(0);
  }
}

/** Convert a summary in board cycles to ns at the board clock. */
export function cyclesToNs(summary: LatencySummary, clockMHz: number): LatencySummary {
  const k = 1e3 / clockMHz;
  return {
    unit: "ns",
    count: summary.count,
    min: summary.min * k,
    mean: summary.mean * k,
    p50: summary.p50 * k,
    p90: summary.p90 * k,
    p99: summary.p99 * k,
    p99_9: summary.p99_9 * k,
    max: summary.max * k,
  };
}

/** One-line human rendering: "p50 12.3 µs  p90 ...". Nanoseconds are shown in ns, µs or ms by size. */
export function formatLatency(s: LatencySummary): string {
  if (s.count === 0) return "no samples";
  let scale = 1;
  let unit = s.unit;
  if (s.unit === "ns" && s.p50 >= 1e6) (scale = 1e-6), (unit = "ms");
  else if (s.unit === "ns" && s.p50 >= 1e3) (scale = 1e-3), (unit = "µs");
  const f = (v: number) => (v * scale).toFixed(scale === 1 && Number.isInteger(v) ? 0 : 1);
  return `p50 ${f(s.p50)}  p90 ${f(s.p90)}  p99 ${f(s.p99)}  p99.9 ${f(s.p99_9)}  max ${f(s.max)} ${unit} (n=${s.count})`;
}
