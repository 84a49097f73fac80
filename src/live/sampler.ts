/**
 * Live samples of a running pipeline: a few times a second, the tally's running totals plus what
 * happened since the previous sample (throughput against the LHC clock, latency percentiles of
 * the interval), kept in a ring of bounded size. Reading the tally is all it does — nothing is
 * added to the per-orbit or per-event path, so watching a run never slows it.
 */
import { BX_CLOCK_HZ, BX_PER_ORBIT, ORBIT_HZ } from "../events/batch.js";
import { LatencyWindow, type LatencySummary } from "../compare/latency.js";
import type { RunTally } from "../bus/tally.js";
import type { UnitCounters, UnitSource } from "../bus/units.js";

/** Percentiles of one interval, ns. */
export interface LiveLatency {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface LiveScorer {
  name: string;
  events: number;
  scored: number;
  failed: number;
  failedByReason: Record<string, number>;
}

/** One time point. Totals are monotone over a run; rates and latencies cover the interval since the previous point. */
export interface LiveSample {
  /** Seconds since the run started. */
  t: number;
  orbits: number;
  droppedOrbits: number;
  events: number;
  eventsProcessed: number;
  /** Interval rates; `realTimeFraction` = orbits/s over the orbit clock, `bxPerSecond` = orbits/s × 3564 (against 40 MHz). */
  orbitsPerSecond: number;
  eventsPerSecond: number;
  bxPerSecond: number;
  realTimeFraction: number;
  latency: { hostRtt: LiveLatency | null; firmwareNs: LiveLatency | null; orbit: LiveLatency | null };
  /** Null when only one scorer runs (nothing is compared). */
  mismatches: number | null;
  paired: number | null;
  scorers: LiveScorer[];
  units: UnitCounters[];
  linkFaults: Record<string, number>;
}

/** The LHC clocks the page draws as reference lines. */
export const LHC = { orbitHz: ORBIT_HZ, bxHz: BX_CLOCK_HZ, bxPerOrbit: BX_PER_ORBIT } as const;

/** 10 minutes at 4 Hz; older points fall off the ring (the totals always cover the whole run). */
export const LIVE_RING_CAPACITY = 2400;

function live(s: LatencySummary | null, scale = 1): LiveLatency | null {
  return s ? { count: s.count, p50: s.p50 * scale, p90: s.p90 * scale, p99: s.p99 * scale, max: s.max * scale } : null;
}

export class LiveSampler {
  private tally: RunTally | null = null;
  private windows: { hostRtt: LatencyWindow; firmware: LatencyWindow; orbit: LatencyWindow } | null = null;
  private readonly ring: LiveSample[] = [];
  private head = 0;
  private last = { t: 0, orbits: 0, dropped: 0, events: 0 };
  private readonly startMs = performance.now();

  constructor(
    private readonly opts: { units?: UnitSource; orbitHz?: number; capacity?: number } = {},
  ) {}

  /** The tally to read from (the pipeline makes it; the first booked orbit hands it over). */
  attach(tally: RunTally): void {
    if (this.tally === tally) return;
    this.windows?.hostRtt.destroy();
    this.windows?.firmware.destroy();
    this.windows?.orbit.destroy();
    this.tally = tally;
    this.windows = { hostRtt: new LatencyWindow(tally.hostRtt), firmware: new LatencyWindow(tally.firmwareCycles), orbit: new LatencyWindow(tally.orbitLatency) };
  }

  get attached(): boolean {
    return this.tally !== null;
  }

  /** Take a time point now (null before the first orbit); it is also kept in the ring. */
  sample(): LiveSample | null {
    const t = this.tally;
    const w = this.windows;
    if (!t || !w) return null;
    const now = (performance.now() - this.startMs) / 1e3;
    const dt = now - this.last.t;
    const processed = t.orbits - t.droppedOrbits;
    const orbitsPerSecond = dt > 0 ? (processed - (this.last.orbits - this.last.dropped)) / dt : 0;
    const eventsPerSecond = dt > 0 ? (t.eventsProcessed - this.last.events) / dt : 0;
    this.last = { t: now, orbits: t.orbits, dropped: t.droppedOrbits, events: t.eventsProcessed };
    const acc = t.accounting.summary();
    const fwNsPerCycle = t.clockMHz ? 1e3 / t.clockMHz : null;
    const s: LiveSample = {
      t: now,
      orbits: t.orbits,
      droppedOrbits: t.droppedOrbits,
      events: t.events,
      eventsProcessed: t.eventsProcessed,
      orbitsPerSecond,
      eventsPerSecond,
      bxPerSecond: orbitsPerSecond * BX_PER_ORBIT,
      realTimeFraction: orbitsPerSecond / (this.opts.orbitHz ?? ORBIT_HZ),
      latency: {
        hostRtt: live(w.hostRtt.take()),
        // Cycles are shown in ns at the board clock once HELLO told it; until then the window is skipped.
        firmwareNs: fwNsPerCycle ? live(w.firmware.take(), fwNsPerCycle) : null,
        orbit: live(w.orbit.take()),
      },
      mismatches: t.comparator ? t.comparator.mismatchCount : null,
      paired: t.comparator ? t.comparator.pairedCount : null,
      scorers: Object.entries(acc.scorers).map(([name, x]) => ({ name, events: x.events, scored: x.scored, failed: x.failed, failedByReason: x.failedByReason })),
      units: this.opts.units?.(t) ?? [],
      linkFaults: { ...t.linkFaults },
    };
    this.keep(s);
    return s;
  }

  private keep(s: LiveSample): void {
    const cap = this.opts.capacity ?? LIVE_RING_CAPACITY;
    if (this.ring.length < cap) this.ring.push(s);
    else (this.ring[this.head] = s), (this.head = (this.head + 1) % cap);
  }

  /** The ring, oldest first. */
  history(): LiveSample[] {
    return [...this.ring.slice(this.head), ...this.ring.slice(0, this.head)];
  }

  destroy(): void {
    this.windows?.hostRtt.destroy();
    this.windows?.firmware.destroy();
    this.windows?.orbit.destroy();
    this.windows = null;
  }
}
