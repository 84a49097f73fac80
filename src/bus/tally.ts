/**
 * tally: the sink stage — books every orbit's results (accounting), compares the first two
 * scorers event by event, records latencies, and returns credit to a pull source.
 *
 * ```
 * source: --a'--b'--c'--|
 * tally:  --a'--b'--c'--|   side effects only; `demand.release()` after each orbit
 * ```
 */
import { tap, type MonoTypeOperatorFunction } from "rxjs";
import { RunAccounting } from "../compare/accounting.js";
import { Comparator } from "../compare/comparator.js";
import { LatencyHistogram } from "../compare/latency.js";
import { countStatus, type ScoreBatch } from "../compare/results.js";
import type { Demand } from "./pullSource.js";
import { nowNs, type OrbitWork } from "./work.js";

/**
 * What one unit (one board of several sharing a scorer, ScoreBatch.unit) answered: its share of
 * orbits and events, its failures, the mismatches found on its events, and its own latencies.
 */
export class UnitTally {
  orbits = 0;
  events = 0;
  scored = 0;
  failedByReason: Record<string, number> = {};
  /** Events of this unit compared with the other scorer, and how many of them disagreed. */
  paired = 0;
  mismatches = 0;
  injectedMismatches = 0;
  readonly hostRtt = new LatencyHistogram("ns");
  readonly firmwareCycles = new LatencyHistogram("cycles");
  clockMHz: number | undefined;

  book(r: ScoreBatch): void {
    const { scored, failed } = countStatus(r);
    this.orbits++;
    this.events += r.n;
    this.scored += scored;
    for (const [reason, n] of failed) this.failedByReason[reason] = (this.failedByReason[reason] ?? 0) + n;
    if (r.hostRttNs) this.hostRtt.recordAll(r.hostRttNs);
    if (r.firmwareCycles) this.firmwareCycles.recordAll(r.firmwareCycles);
    if (r.clockMHz) this.clockMHz = r.clockMHz;
  }
}

/** Everything the sink accumulates over a run. */
export class RunTally {
  readonly accounting: RunAccounting;
  readonly hostRtt = new LatencyHistogram("ns");
  readonly firmwareCycles = new LatencyHistogram("cycles");
  readonly orbitLatency = new LatencyHistogram("ns");
  readonly linkFaults: Record<string, number> = {};
  clockMHz: number | undefined;
  orbits = 0;
  events = 0;
  /** Running totals for progress lines (cheap to read after every orbit). */
  droppedOrbits = 0;
  /** Events in orbits that were not dropped (what throughput counts). */
  eventsProcessed = 0;
  /** Per-unit shares, by ScoreBatch.unit (several boards behind one scorer); empty otherwise. */
  readonly units = new Map<string, UnitTally>();
  /** Per scorer: orbits and events whose result carries no unit (with units: what no board was sent, e.g. dropped orbits). */
  readonly withoutUnit: Record<string, { orbits: number; events: number }> = {};

  constructor(readonly scorerNames: readonly string[], readonly comparator: Comparator | null) {
    this.accounting = new RunAccounting(scorerNames);
  }

  /** The share of one unit, created on its first orbit. */
  unit(name: string): UnitTally {
    let u = this.units.get(name);
    if (!u) this.units.set(name, (u = new UnitTally()));
    return u;
  }

  book(work: OrbitWork, doneNs = nowNs()): void {
    const n = work.input.nBx;
    this.accounting.orbitIn(n);
    if (work.dropped) (this.accounting.orbitDropped(n), this.droppedOrbits++);
    const results = work.results ?? [];
    for (const r of results) {
      this.accounting.result(r);
      if (r.hostRttNs) this.hostRtt.recordAll(r.hostRttNs);
      if (r.firmwareCycles) {
        this.firmwareCycles.recordAll(r.firmwareCycles);
        if (r.clockMHz) this.clockMHz = r.clockMHz;
      }
      if (r.unit) this.unit(r.unit).book(r);
      else {
        const w = (this.withoutUnit[r.scorer] ??= { orbits: 0, events: 0 });
        w.orbits++;
        w.events += r.n;
      }
    }
    if (this.comparator && results.length >= 2) {
      const decodedN = work.decoded?.nBx ?? work.inputsBx?.length;
      const inputs = work.inputs && decodedN === n ? { data: work.inputs, nFeatures: 57 } : undefined;
      const c = this.comparator;
      const before = { paired: c.pairedCount, mismatches: c.mismatchCount, injected: c.injectedMismatchCount };
      c.add(results[0], results[1], inputs);
      // A unit answered the whole orbit, so what this orbit added to the comparison is its own.
      for (const r of [results[0], results[1]]) {
        if (!r.unit) continue;
        const u = this.unit(r.unit);
        u.paired += c.pairedCount - before.paired;
        u.mismatches += c.mismatchCount - before.mismatches;
        u.injectedMismatches += c.injectedMismatchCount - before.injected;
      }
    }
    if (work.linkFaults) for (const [k, v] of Object.entries(work.linkFaults)) this.linkFaults[k] = (this.linkFaults[k] ?? 0) + v;
    if (!work.dropped) this.orbitLatency.record(doneNs - work.sentNs);
    this.accounting.orbitCompleted();
    this.orbits++;
    this.events += n;
    if (!work.dropped) this.eventsProcessed += n;
  }
}

export function tally(into: RunTally, demand?: Demand, onWork?: (work: OrbitWork) => void): MonoTypeOperatorFunction<OrbitWork> {
  return tap((work) => {
    into.book(work);
    onWork?.(work);
    // Free the big arrays: the sink is the end of the line for this orbit.
    work.features = undefined;
    // A dropped orbit never took credit from the source.
    if (!work.dropped) demand?.release(1);
  });
}
