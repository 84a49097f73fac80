/**
 * The run record (record.json in a run directory): manifest, score samples, latency samples —
 * written by `scoutloop run --report DIR`, `scoutloop report DIR --gen` or any script via
 * `writeRunRecord`, read by `scoutloop report`. Arrays are plain JSON number arrays (NaN is
 * written as null = "not scored"). It lives here, below the bus, because the bus records it.
 */
import { createHash } from "node:crypto";
import { canonicalJson } from "../scoring/model.js";
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

/**
 * Hash of the generator settings: the "input hash" of a generated run. Canonical JSON (sorted keys,
 * unset fields dropped), so `run` and `report --gen` hash the same settings the same way.
 */
export function generatorInputHash(settings: Record<string, unknown>): string {
  return createHash("sha256").update(canonicalJson(settings)).digest("hex");
}
