/**
 * Per-unit counters for live views: one generic row per thing that takes a share of the work — a
 * worker thread, a worker process on another host, a board — so a new kind of unit plugs into the
 * dashboard by returning rows, without changing the view. Every number is a running total over
 * the run (monotone), cheap to read a few times a second.
 */
import type { BoardClient } from "../hil/client.js";
import type { OrbitWorkerPool } from "./orbitWorkers/pool.js";
import type { RunTally } from "./tally.js";

export interface UnitCounters {
  /** What it is: "thread", "process", "board", … (the view groups by it). */
  kind: string;
  name: string;
  orbits?: number;
  events?: number;
  /** Any other running totals (shown as further columns), e.g. timeouts, busySeconds. */
  [counter: string]: string | number | undefined;
}

/** A source of unit rows, read on each live sample (with the run's tally, for shares booked there). */
export type UnitSource = (tally: RunTally) => UnitCounters[];

/** Rows of whole-orbit workers ("thread", or "process" for remote ones): every counter they keep, nulls left out. */
export function poolUnits(pool: OrbitWorkerPool, kind = "thread"): UnitSource {
  return () => pool.counters().map((c) => unitRow(kind, c as unknown as Record<string, unknown>));
}

/** A generic row from any counters object: numbers and strings kept, everything else left out. */
export function unitRow(kind: string, counters: Record<string, unknown>): UnitCounters {
  const row: UnitCounters = { kind, name: String(counters.name ?? kind) };
  for (const [k, v] of Object.entries(counters)) if (k !== "name" && k !== "kind" && (typeof v === "number" || typeof v === "string")) row[k] = v;
  return row;
}

/**
 * Rows of board clients (real, emulated or RTL), keyed by their scorer's name. A board that is a
 * scorer of its own is sent every orbit that was not dropped; its events are those it scored.
 */
export function boardUnits(boards: Array<{ name: string; client: BoardClient }>): UnitSource {
  return (tally) => {
    const scorers = boards.length ? tally.accounting.summary().scorers : {};
    return boards.map(({ name, client }) => {
      const s = client.stats();
      return {
        kind: "board", name, orbits: tally.orbits - tally.droppedOrbits, events: scorers[name]?.scored ?? 0,
        requests: s.requests, replies: s.replies, failedEvents: s.failedEvents, timeouts: s.timeouts, retries: s.retries, reconnects: s.reconnects, boardResets: s.boardResets,
      };
    });
  };
}

/** All rows of several sources, in order. */
export function concatUnits(sources: UnitSource[]): UnitSource {
  return (tally) => sources.flatMap((s) => s(tally));
}
