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
  /** Several boards behind one scorer (`run --board a --board b`): each board's share; absent with one board. */
  boards?: BoardShares;
  /** Failed checks, as sentences (empty = good run). */
  problems: string[];
  /** Failed checks the user declared beforehand (--expect-failures, injected faults), as sentences. */
  declared?: string[];
}

/** One board of several: who it is and what it answered. */
export interface BoardShare {
  name: string;
  /** Profile as given (path or shipped name), or "emulator" for an in-process one. */
  profile: string;
  address: string;
  describe: string;
  /** The board's HELLO identity (board name, firmware id/hash, model id, formats, clock). */
  hello: Record<string, unknown>;
  orbits: number;
  events: number;
  scored: number;
  failed: number;
  failedByReason: Record<string, number>;
  /** Its events compared with the software side, and how many disagreed. */
  paired: number;
  mismatches: number;
  injectedMismatches: number;
  /** Orbits it took but could not finish (it went down), re-scored whole on another board. */
  handedOver: { orbits: number; events: number };
  /** It went down during the run (reconnects exhausted, identity changed) or was down at its end. */
  lost: boolean;
  /** Board client counters (timeouts, retries, reconnects, bad messages, transport faults, ...). */
  faults: Record<string, unknown>;
  latency: { hostRtt: LatencySummary | null; firmwareCycles: LatencySummary | null; firmwareNs: LatencySummary | null };
}

export interface BoardShares {
  /** The scorer the boards stand behind (its accounting is the boards' together). */
  scorer: string;
  policy: "least-loaded";
  /** Orbits in flight per board at most. */
  perBoard: number;
  failover: boolean;
  /** Orbits (and their events) no board was sent: dropped, or nothing came off the link. */
  notSent: { orbits: number; events: number };
  shares: BoardShare[];
}

/** Per-board books: the shares add up to the boards' scorer, and no board was lost. */
function boardChecks(s: RunSummary): SummaryCheck[] {
  const b = s.boards!;
  const total = s.accounting.scorers[b.scorer];
  const sum = (f: (x: BoardShare) => number) => b.shares.reduce((acc, x) => acc + f(x), 0);
  const books: string[] = [];
  if (!total) books.push(`no scorer "${b.scorer}"`);
  else {
    if (sum((x) => x.events) + b.notSent.events !== total.events) books.push(`board events ${sum((x) => x.events)} + not sent ${b.notSent.events} != ${b.scorer} events ${total.events}`);
    if (sum((x) => x.scored) !== total.scored) books.push(`boards scored ${sum((x) => x.scored)} != ${b.scorer} scored ${total.scored}`);
  }
  if (s.comparison && sum((x) => x.mismatches) !== s.comparison.mismatches) books.push(`board mismatches ${sum((x) => x.mismatches)} != ${s.comparison.mismatches}`);
  const checks: SummaryCheck[] = [{ name: "board-shares", ok: books.length === 0, detail: books.join("; ") || `${b.shares.length} boards: ${b.shares.map((x) => `${x.name} ${x.events}`).join(", ")} events` }];
  for (const x of b.shares) {
    const handed = x.handedOver.orbits ? `; ${x.handedOver.orbits} orbits (${x.handedOver.events} events) it held were re-scored on other boards` : "";
    checks.push({ name: `board-up:${x.name}`, ok: !x.lost, detail: x.lost ? `board ${x.name} went down during the run${handed}` : `board ${x.name} up for the whole run` });
  }
  return checks;
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
  if (s.boards) checks.push(...boardChecks(s));
  return checks;
}
