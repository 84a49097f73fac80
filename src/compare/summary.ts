/**
 * The run summary: one plain object (JSON-ready) with events sent/scored/failed by reason,
 * mismatches, latency percentiles, throughput and dropped orbits, plus the checks a CI job
 * gates on. `checkSummary` re-derives the accounting identities from the numbers themselves,
 * so a summary read back from disk can be verified too.
 */
import type { AccountingSummary } from "./accounting.js";
import type { ComparisonSummary } from "./comparator.js";
import type { LatencySummary } from "./latency.js";

export interface RunSummary {
  tool: string;
  mode: "pull" | "link-rate";
  scorers: string[];
  accounting: AccountingSummary;
  comparison: ComparisonSummary | null;
  latency: {
    /** Host round trip per request to the board (send → reply), ns. */
    hostRtt: LatencySummary | null;
    /** Firmware latency (egress − ingress) in board cycles, and in ns at the board clock. */
    firmwareCycles: LatencySummary | null;
    firmwareNs: LatencySummary | null;
    /** Orbit end to end: scheduled (link-rate) or actual (pull) send → all scores compared, ns. */
    orbit: LatencySummary | null;
  };
  /** Orbits and events processed (dropped orbits excluded) per second of the run. */
  throughput: {
    seconds: number;
    orbitsPerSecond: number;
    eventsPerSecond: number;
    /** Orbits/s over the LHC orbit rate (11.2455 kHz): ≥ 1 means faster than real time. */
    realTimeFraction: number;
  };
  /** Link-level faults counted by the deframer, by kind. */
  linkFaults: Record<string, number>;
  /** What each scoring backend was and reported (board identity, client/emulator counters). */
  backends?: Record<string, unknown>;
  /** Failed checks, as sentences (empty = good run). */
  problems: string[];
  /** Failed checks the user declared beforehand (--expect-failures, injected faults), as sentences. */
  declared?: string[];
}

/** Each check a CI job sees as a test case. */
export interface SummaryCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export function checkSummary(s: RunSummary): SummaryCheck[] {
  const checks: SummaryCheck[] = [];
  const acc = s.accounting;
  const books: string[] = [];
  if (acc.orbits.completed !== acc.orbits.in) books.push(`orbits in ${acc.orbits.in} != completed ${acc.orbits.completed}`);
  for (const [name, t] of Object.entries(acc.scorers)) {
    if (t.events !== acc.events.in) books.push(`${name}: events ${t.events} != in ${acc.events.in}`);
    if (t.scored + t.failed !== t.events) books.push(`${name}: scored ${t.scored} + failed ${t.failed} != ${t.events}`);
    const byReason = Object.values(t.failedByReason).reduce((x, y) => x + y, 0);
    if (byReason !== t.failed) books.push(`${name}: failures by reason sum to ${byReason}, not ${t.failed}`);
  }
  const c = s.comparison;
  if (c) {
    if (c.paired + c.unpaired + c.orphans !== acc.events.in) {
      books.push(`compared ${c.paired} + unpaired ${c.unpaired} + orphans ${c.orphans} != events in ${acc.events.in}`);
    }
    if (c.matched + c.mismatches !== c.paired) books.push(`matched ${c.matched} + mismatched ${c.mismatches} != paired ${c.paired}`);
  }
  checks.push({ name: "accounting", ok: books.length === 0, detail: books.join("; ") || `${acc.events.in} events accounted for every scorer` });
  if (c) {
    const perField = Object.entries(c.fields)
      .filter(([, f]) => f.compared > 0)
      .map(([k, f]) => `${k} ${f.mismatched}/${f.compared}`)
      .join(", ");
    checks.push({ name: "no-mismatches", ok: c.mismatches === 0, detail: `${c.mismatches}/${c.paired} events mismatched (${perField || "no fields compared"})` });
  }
  for (const [name, t] of Object.entries(acc.scorers)) {
    const reasons = Object.entries(t.failedByReason).map(([r, n]) => `${r} ${n}`).join(", ");
    checks.push({ name: `no-failures:${name}`, ok: t.failed === 0, detail: `${t.failed}/${t.events} events failed${reasons ? ` (${reasons})` : ""}` });
  }
  checks.push({ name: "no-dropped-orbits", ok: acc.orbits.dropped === 0, detail: `${acc.orbits.dropped}/${acc.orbits.in} orbits dropped` });
  return checks;
}
