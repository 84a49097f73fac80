/**
 * Per-unit counters for live views: one generic row per thing that takes a share of the work — a
 * worker thread, a worker process on another host, a board — so a new kind of unit plugs into the
 * dashboard by returning rows, without changing the view. Every number is a running total over
 * the run (monotone), cheap to read a few times a second.
 */
import type { BoardClient } from "../hil/client.js";
import type { OrbitWorkerPool } from "./orbitWorkers/pool.js";

export interface UnitCounters {
  /** What it is: "thread", "process", "board", … (the view groups by it). */
  kind: string;
  name: string;
  orbits?: number;
  events?: number;
  /** Any other running totals (shown as further columns), e.g. timeouts, busySeconds. */
  [counter: string]: string | number | undefined;
}

/** A source of unit rows, read on each live sample. */
export type UnitSource = () => UnitCounters[];

/** Rows of whole-orbit worker threads. */
export function poolUnits(pool: OrbitWorkerPool): UnitSource {
  return () => pool.counters().map((c) => ({ kind: "thread", name: c.name, orbits: c.orbits, events: c.events, failedOrbits: c.failedOrbits, busySeconds: c.busySeconds }));
}

/** Rows of board clients (real, emulated or RTL), keyed by their scorer's name. */
export function boardUnits(boards: Array<{ name: string; client: BoardClient }>): UnitSource {
  return () =>
    boards.map(({ name, client }) => {
      const s = client.stats();
      return { kind: "board", name, requests: s.requests, replies: s.replies, failedEvents: s.failedEvents, timeouts: s.timeouts, retries: s.retries, reconnects: s.reconnects, boardResets: s.boardResets };
    });
}

/** All rows of several sources, in order. */
export function concatUnits(sources: UnitSource[]): UnitSource {
  return () => sources.flatMap((s) => s());
}
