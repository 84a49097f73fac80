/**
 * ScoreRecorder: keeps per-event samples of a run for the HTML report (src/report RunRecord):
 * the first scorer's scores by truth class (background / each signal), the two scorers' values
 * side by side (residuals), and latency samples. Bounded: at most `maxEvents` events are kept, so
 * a long run costs a fixed amount of memory (the summary's counters stay complete regardless).
 */
import { SCORED } from "../compare/results.js";
import { RUN_RECORD_FORMAT, type RunManifest, type RunRecord } from "../compare/run-record.js";
import { SIGNALS } from "../trigger/index.js";
import type { OrbitWork } from "./work.js";

export const DEFAULT_RECORDED_EVENTS = 200_000;

export class ScoreRecorder {
  private kept = 0;
  private readonly byClass = new Map<string, Array<number | null>>();
  private readonly aValues: Array<number | null> = [];
  private readonly bValues: Array<number | null> = [];
  private readonly firmwareNs: Array<number | null> = [];
  private readonly hostRttNs: Array<number | null> = [];
  private names: string[] = [];

  constructor(readonly maxEvents = DEFAULT_RECORDED_EVENTS) {}

  book(work: OrbitWork): void {
    const results = work.results;
    if (!results || results.length === 0 || work.dropped) return;
    const [a, b] = results;
    if (this.names.length === 0) this.names = results.map((r) => r.scorer);
    const label = work.input.label;
    for (const r of results) if (r.hostRttNs) for (const t of r.hostRttNs) if (this.hostRttNs.length < this.maxEvents) this.hostRttNs.push(t);
    const n = Math.min(a.n, this.maxEvents - this.kept);
    for (let i = 0; i < n; i++) {
      const cls = label ? (label[i] === 0 ? "background" : (SIGNALS[label[i] - 1] ?? `label ${label[i]}`)) : "events";
      let list = this.byClass.get(cls);
      if (!list) this.byClass.set(cls, (list = []));
      list.push(a.status[i] === SCORED ? a.value[i] : null);
      if (b) {
        this.aValues.push(a.status[i] === SCORED ? a.value[i] : null);
        this.bValues.push(b.status[i] === SCORED ? b.value[i] : null);
      }
      for (const r of results) {
        if (r.firmwareCycles && r.clockMHz) {
          const c = r.firmwareCycles[i];
          this.firmwareNs.push(Number.isFinite(c) ? (c * 1e3) / r.clockMHz : null);
        }
      }
    }
    this.kept += n;
  }

  toRunRecord(manifest: RunManifest): RunRecord {
    const classes = [...this.byClass.keys()].sort((x, y) => (x === "background" ? -1 : y === "background" ? 1 : x.localeCompare(y)));
    return {
      format: RUN_RECORD_FORMAT,
      manifest,
      scorer: this.names[0] ?? "none",
      scores: classes.map((name) => ({ name, values: this.byClass.get(name)! })),
      pairs: this.names.length >= 2 ? { a: this.names[0], b: this.names[1], aValues: this.aValues, bValues: this.bValues } : null,
      latency: this.firmwareNs.length || this.hostRttNs.length ? { firmwareNs: this.firmwareNs, hostRttNs: this.hostRttNs } : null,
    };
  }
}
