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
  private sum = 0;

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
    this.sum += v;
  }

  recordAll(values: ArrayLike<number>): void {
    for (let i = 0; i < values.length; i++) this.record(values[i]);
  }

  get count(): number {
    return this.histogram.totalCount;
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
      mean: n ? this.sum / n : 0,
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

/**
 * Percentiles of what a cumulative histogram recorded since the previous `take()` — latency over
 * time for a live view — without touching the histogram or the hot path that records into it:
 * each take costs a few passes over the bucket counts (tens of thousands), whatever the samples.
 */
export class LatencyWindow {
  private readonly seen: hdr.Histogram;
  private readonly delta: hdr.Histogram;

  constructor(private readonly of: LatencyHistogram) {
    this.seen = newHdr(60e9);
    this.delta = newHdr(60e9);
  }

  /** The window since the last call, or null when nothing new was recorded. */
  take(): LatencySummary | null {
    const cur = this.of.histogram;
    if (cur.totalCount === this.seen.totalCount) return null;
    this.delta.reset();
    this.delta.add(cur);
    this.delta.subtract(this.seen);
    this.seen.reset();
    this.seen.add(cur);
    const d = this.delta;
    const max = d.maxValue;
    const at = (p: number) => Math.min(d.getValueAtPercentile(p), max);
    return {
      unit: this.of.unit,
      count: d.totalCount,
      min: d.minNonZeroValue > max ? 0 : d.minNonZeroValue,
      mean: d.mean,
      p50: at(PERCENTILES.p50),
      p90: at(PERCENTILES.p90),
      p99: at(PERCENTILES.p99),
      p99_9: at(PERCENTILES.p99_9),
      max,
    };
  }

  destroy(): void {
    this.seen.destroy();
    this.delta.destroy();
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
