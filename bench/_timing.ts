/** Small timing helpers shared by the benchmarks: best-of-N wall time, rates, ratio lines. */

/** Run `fn` repeatedly for at least `minMs` (after one warm-up call); return the best seconds per call. */
export function bestTime(fn: () => void, minMs = 300, minRuns = 3): number {
  fn();
  let best = Infinity;
  let runs = 0;
  const start = performance.now();
  while (runs < minRuns || performance.now() - start < minMs) {
    const t0 = process.hrtime.bigint();
    fn();
    const dt = Number(process.hrtime.bigint() - t0) / 1e9;
    if (dt < best) best = dt;
    runs++;
  }
  return best;
}

/** Format a rate with SI prefix, e.g. 12.3 M/s. */
export function formatRate(perSecond: number, unit = "/s"): string {
  const abs = Math.abs(perSecond);
  if (abs >= 1e9) return `${(perSecond / 1e9).toFixed(2)} G${unit}`;
  if (abs >= 1e6) return `${(perSecond / 1e6).toFixed(2)} M${unit}`;
  if (abs >= 1e3) return `${(perSecond / 1e3).toFixed(2)} k${unit}`;
  return `${perSecond.toFixed(2)} ${unit}`;
}

/** One aligned result line: label, value and its ratio to a baseline measured in the same run. */
export function ratioLine(label: string, value: string, ratio: number, baseline: string): string {
  return `${label.padEnd(40)} ${value.padStart(14)}   ${ratio.toFixed(2)}× ${baseline}`;
}
