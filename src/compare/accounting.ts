/**
 * Per-event accounting: every event that enters the pipeline ends, for every scorer, as scored or
 * as failed with a reason (dropped orbit, deframer loss, board timeout, ...). `problems()` checks
 * that the books balance; the run summary refuses to call a run good when they do not.
 */
import { countStatus, type ScoreBatch } from "./results.js";

export interface ScorerTally {
  /** Events accounted for this scorer (must equal the events that entered). */
  events: number;
  scored: number;
  failed: number;
  failedByReason: Record<string, number>;
}

export interface AccountingSummary {
  orbits: { in: number; dropped: number; completed: number };
  events: { in: number; inDroppedOrbits: number };
  scorers: Record<string, ScorerTally>;
}

export class RunAccounting {
  private orbitsIn = 0;
  private orbitsDropped = 0;
  private orbitsCompleted = 0;
  private eventsIn = 0;
  private eventsInDropped = 0;
  private readonly tallies = new Map<string, ScorerTally>();

  constructor(readonly scorerNames: readonly string[]) {
    for (const name of scorerNames) this.tallies.set(name, { events: 0, scored: 0, failed: 0, failedByReason: {} });
  }

  /** An orbit left the source carrying `events` events. */
  orbitIn(events: number): void {
    this.orbitsIn++;
    this.eventsIn += events;
  }

  /** An orbit was dropped by a full buffer (its events are failed via `result`). */
  orbitDropped(events: number): void {
    this.orbitsDropped++;
    this.eventsInDropped += events;
  }

  /** Every scorer's result of an orbit has been accounted (dropped orbits included). */
  orbitCompleted(): void {
    this.orbitsCompleted++;
  }

  /** One scorer's outcome for one orbit. */
  result(batch: ScoreBatch): void {
    const tally = this.tallies.get(batch.scorer);
    if (!tally) throw new Error(`accounting: unknown scorer "${batch.scorer}"`);
    const { scored, failed } = countStatus(batch);
    tally.events += batch.n;
    tally.scored += scored;
    for (const [reason, n] of failed) {
      tally.failed += n;
      tally.failedByReason[reason] = (tally.failedByReason[reason] ?? 0) + n;
    }
  }

  /** Everything that does not add up, as sentences; empty when the books balance. */
  problems(): string[] {
    const out: string[] = [];
    if (this.orbitsCompleted !== this.orbitsIn) {
      out.push(`${this.orbitsIn} orbits entered but ${this.orbitsCompleted} completed`);
    }
    for (const [name, t] of this.tallies) {
      if (t.events !== this.eventsIn) out.push(`${name}: ${this.eventsIn} events entered but ${t.events} accounted`);
      if (t.scored + t.failed !== t.events) out.push(`${name}: scored ${t.scored} + failed ${t.failed} != ${t.events}`);
    }
    return out;
  }

  summary(): AccountingSummary {
    const scorers: Record<string, ScorerTally> = {};
    for (const [name, t] of this.tallies) scorers[name] = { ...t, failedByReason: { ...t.failedByReason } };
    return {
      orbits: { in: this.orbitsIn, dropped: this.orbitsDropped, completed: this.orbitsCompleted },
      events: { in: this.eventsIn, inDroppedOrbits: this.eventsInDropped },
      scorers,
    };
  }
}
