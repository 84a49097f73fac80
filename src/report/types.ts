/**
 * The run record: what `scoutloop report RUN_DIR` reads besides the run summary.
 *
 * A run directory holds
 *   summary.json   — the `RunSummary` written by `scoutloop run --report DIR` (src/compare/summary.ts)
 *   record.json    — a `RunRecord` (this file): manifest, score samples, latency samples;
 *                    written by `scoutloop report DIR --gen` or by any script via `writeRunRecord`
 *   monitor.json   — a `MonitorResult` (src/monitor), optional
 *   inject.json    — an `InjectResult` (src/study/inject.ts), optional
 *   kfold.json     — a `KFoldResult` (src/study/kfold.ts), optional
 * Every file is optional; the report shows what is there and says what is missing.
 *
 * Arrays are plain JSON number arrays (NaN is written as null = "not scored").
 */
import type { RunSummary } from "../compare/summary.js";

export const RUN_RECORD_FORMAT = "scoutloop-run-record/1";

export interface RunManifest {
  tool: string;
  version: string;
  seed: number | null;
  model: { kind: string; id: string; describe?: string } | null;
  /** The board's HELLO (identity, firmware, formats, clock) as it sent it; null without a board. */
  boardHello: Record<string, unknown> | null;
  /** Input files (or generator settings) with their SHA-256. */
  inputs: Array<{ name: string; sha256: string }>;
  createdAt: string;
}

/** Scores of one class of events (background, or one signal), one scorer. */
export interface ScoreSample {
  /** "background" or a signal name. */
  name: string;
  values: Array<number | null>;
}

export interface RunRecord {
  format: typeof RUN_RECORD_FORMAT;
  manifest: RunManifest;
  /** Which scorer produced `scores` (e.g. "software fixed-point"). */
  scorer: string;
  /** Background first, then each signal. */
  scores: ScoreSample[];
  /** Same events scored two ways, for residuals (b − a), e.g. software vs board. */
  pairs: { a: string; b: string; aValues: Array<number | null>; bValues: Array<number | null> } | null;
  /** Latency samples in ns. */
  latency: { firmwareNs: Array<number | null>; hostRttNs: Array<number | null> } | null;
}

/** Everything found in a run directory. */
export interface RunDirectory {
  dir: string;
  summary: RunSummary | null;
  record: RunRecord | null;
  monitor: unknown | null;
  inject: unknown | null;
  kfold: unknown | null;
  /** Files present but unreadable, as sentences. */
  problems: string[];
}
