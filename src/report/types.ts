/**
 * What `scoutloop report RUN_DIR` reads. A run directory holds
 *   summary.json   — the `RunSummary` written by `scoutloop run --report DIR` (src/compare/summary.ts)
 *   record.json    — a `RunRecord` (src/compare/run-record.ts): manifest, score samples, latency samples;
 *                    written by `scoutloop report DIR --gen` or by any script via `writeRunRecord`
 *   <study>.json   — one result per study listed in studies.ts (monitor.json, inject.json, kfold.json, …)
 * Every file is optional; the report shows what is there and says what is missing.
 */
import type { RunSummary } from "../compare/summary.js";
import type { RunRecord } from "../compare/run-record.js";
import type { StudyReport } from "../render/section.js";

export { RUN_RECORD_FORMAT, type RunManifest, type RunRecord, type ScoreSample } from "../compare/run-record.js";

/** Everything found in a run directory. */
export interface RunDirectory {
  dir: string;
  summary: RunSummary | null;
  record: RunRecord | null;
  /** The study results found, in report order. */
  studies: Array<{ study: StudyReport<never>; value: unknown }>;
  /** Files present but unreadable, as sentences. */
  problems: string[];
}
