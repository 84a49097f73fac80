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
import type { Demand } from "./pullSource.js";
import { nowNs, type OrbitWork } from "./work.js";

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

  constructor(readonly scorerNames: readonly string[], readonly comparator: Comparator | null) {
    this.accounting = new RunAccounting(scorerNames);
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
    }
    if (this.comparator && results.length >= 2) {
      const inputs = work.inputs && work.decoded?.nBx === n ? { data: work.inputs, nFeatures: 57 } : undefined;
      this.comparator.add(results[0], results[1], inputs);
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
