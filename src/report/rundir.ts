/** Read a run directory (see types.ts): every file optional, every problem a sentence, sizes bounded. */
import { existsSync, readFileSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { RunSummary } from "../compare/summary.js";
import { page, type Section } from "../render/html.js";
import { STUDY_REPORTS } from "./studies.js";
import { RUN_RECORD_FORMAT, type RunDirectory, type RunRecord } from "./types.js";

/** A run file larger than this is refused rather than parsed (a report never needs GBs of JSON). */
export const MAX_RUN_FILE_BYTES = 256 * 1024 * 1024;

function readJson(path: string, problems: string[]): unknown | null {
  if (!existsSync(path)) return null;
  try {
    const size = statSync(path).size;
    if (size > MAX_RUN_FILE_BYTES) {
      problems.push(`${path}: ${size} bytes is larger than the ${MAX_RUN_FILE_BYTES}-byte limit`);
      return null;
    }
    return JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    problems.push(`${path}: ${(err as Error).message}`);
    return null;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isNumArray = (v: unknown) => Array.isArray(v) && v.every((x) => x === null || typeof x === "number");

/** Structural check of a RunRecord; returns the first problem or null. */
export function validateRunRecord(v: unknown): string | null {
  if (!isObject(v)) return "not a JSON object";
  if (v.format !== RUN_RECORD_FORMAT) return `format is ${JSON.stringify(v.format)}, expected "${RUN_RECORD_FORMAT}"`;
  if (!isObject(v.manifest)) return "manifest missing";
  if (!Array.isArray(v.scores)) return "scores must be an array";
  for (const s of v.scores) {
    if (!isObject(s) || typeof s.name !== "string" || !isNumArray(s.values)) return "each score sample needs a name and a number array";
  }
  if (v.pairs !== null && v.pairs !== undefined) {
    const p = v.pairs;
    if (!isObject(p) || !isNumArray(p.aValues) || !isNumArray(p.bValues)) return "pairs needs aValues and bValues number arrays";
    const na = (p.aValues as unknown[]).length;
    const nb = (p.bValues as unknown[]).length;
    if (na !== nb) return `pairs: ${na} a values vs ${nb} b values`;
  }
  if (v.latency !== null && v.latency !== undefined) {
    const l = v.latency;
    if (!isObject(l) || !isNumArray(l.firmwareNs) || !isNumArray(l.hostRttNs)) return "latency needs firmwareNs and hostRttNs number arrays";
  }
  return null;
}

export function readRunDirectory(dir: string): RunDirectory {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`run directory ${dir} does not exist`);
  const problems: string[] = [];
  const summary = readJson(join(dir, "summary.json"), problems);
  if (summary !== null && !(isObject(summary) && isObject(summary.accounting))) {
    problems.push(`${join(dir, "summary.json")}: not a run summary (no accounting)`);
  }
  let record = readJson(join(dir, "record.json"), problems);
  if (record !== null) {
    const why = validateRunRecord(record);
    if (why) {
      problems.push(`${join(dir, "record.json")}: ${why}`);
      record = null;
    }
  }
  const out: RunDirectory = {
    dir,
    summary: summary !== null && isObject(summary) && isObject(summary.accounting) ? (summary as unknown as RunSummary) : null,
    record: record as RunRecord | null,
    studies: STUDY_REPORTS.map((study) => ({ study, value: readJson(join(dir, study.file), problems) })).filter((s) => s.value !== null),
    problems,
  };
  return out;
}

/** JSON with NaN/±Infinity written as null (JSON has no NaN). */
export function toJsonText(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<number>) : v));
}

export function writeRunFile(dir: string, name: string, value: unknown): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  writeFileSync(path, toJsonText(value) + "\n");
  return path;
}

/** One self-contained HTML page of report sections (monitor/inject --html); returns its path. */
export function writeHtmlPage(path: string, title: string, subtitle: string, sections: Section[]): string {
  writeFileSync(path, page(title, subtitle, sections));
  return path;
}
