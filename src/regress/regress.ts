/**
 * Golden regression: each set under fixtures/golden/<name>/ holds spec.json (how to run the
 * chain) and expected.json (its output). `regressSet` re-runs and diffs; `--update` rewrites
 * expected.json and reports what changed.
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { runGoldenChain, type GoldenOutput, type GoldenSpec } from "./chain.js";
import { diffGolden, type Difference } from "./diff.js";
import { isUserSpec, runUserChain } from "./userChain.js";

export const MAX_GOLDEN_FILE_BYTES = 16 * 1024 * 1024;

export interface SetResult {
  name: string;
  dir: string;
  ok: boolean;
  /** Set could not run at all (bad spec, unreadable files). */
  error: string | null;
  /** Assertions of the spec that failed (e.g. a user set's diff.requireIdentical), as sentences. */
  failures: string[];
  events: number;
  differences: Difference[];
  updated: boolean;
  seconds: number;
}

function readJsonFile(path: string): unknown {
  if (!existsSync(path)) throw new Error(`${path} is missing`);
  const size = statSync(path).size;
  if (size > MAX_GOLDEN_FILE_BYTES) throw new Error(`${path}: ${size} bytes exceeds the ${MAX_GOLDEN_FILE_BYTES}-byte limit`);
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new Error(`${path}: ${(err as Error).message}`);
  }
}

function checkOutput(v: unknown, path: string): GoldenOutput {
  const o = v as GoldenOutput;
  if (!o || typeof o !== "object" || !Array.isArray(o.events) || typeof o.faults !== "object" || typeof o.models !== "object" || typeof o.streams !== "object") {
    throw new Error(`${path}: not a golden output (needs models, faults, streams, events)`);
  }
  for (const e of o.events) {
    if (!e || !Array.isArray(e.features) || !Array.isArray(e.counts) || typeof e.scores !== "object" || typeof e.orbit !== "number" || typeof e.bx !== "number") {
      throw new Error(`${path}: malformed event entry`);
    }
  }
  return o;
}

/** Golden set directories (those with a spec.json) under a root. */
export function listGoldenSets(root: string): string[] {
  if (!existsSync(root)) throw new Error(`golden directory ${root} does not exist`);
  return readdirSync(root).filter((d) => existsSync(join(root, d, "spec.json"))).sort();
}

/**
 * Re-run one set and diff it against its golden. Sets whose spec names an `input` are users' own
 * (src/regress/userChain.ts); the others re-run scoutloop's generator chain (chain.ts).
 */
export async function regressSet(dir: string, update = false): Promise<SetResult> {
  const t0 = performance.now();
  const name = dir.split("/").filter(Boolean).pop()!;
  let failures: string[] = [];
  const done = (r: Omit<SetResult, "name" | "dir" | "seconds" | "failures">): SetResult => ({ name, dir, seconds: (performance.now() - t0) / 1e3, failures, ...r });
  let actual: GoldenOutput;
  try {
    const spec = readJsonFile(join(dir, "spec.json"));
    if (isUserSpec(spec)) ({ output: actual, failures } = await runUserChain(spec, dir));
    else actual = runGoldenChain(spec as GoldenSpec, (f) => resolve(dir, f));
  } catch (err) {
    return done({ ok: false, error: (err as Error).message, events: 0, differences: [], updated: false });
  }
  const expectedPath = join(dir, "expected.json");
  let expected: GoldenOutput | null = null;
  let readError: string | null = null;
  try {
    expected = checkOutput(readJsonFile(expectedPath), expectedPath);
  } catch (err) {
    readError = (err as Error).message;
  }
  const differences = expected ? diffGolden(expected, actual) : [];
  // A failed assertion of the spec (e.g. diff.requireIdentical) fails the set, also on --update.
  if (update) {
    writeFileSync(expectedPath, stableJson(actual));
    return done({ ok: failures.length === 0, error: null, events: actual.events.length, differences, updated: expected === null || differences.length > 0 });
  }
  if (readError) return done({ ok: false, error: readError, events: actual.events.length, differences: [], updated: false });
  return done({ ok: differences.length === 0 && failures.length === 0, error: null, events: actual.events.length, differences, updated: false });
}

/** One event per line: small diffs in git, still plain JSON. */
export function stableJson(o: GoldenOutput): string {
  const head = JSON.stringify({ ...(o.input ? { input: o.input } : {}), models: o.models, faults: o.faults, streams: o.streams, ...(o.diff ? { diff: o.diff } : {}) }, null, 2).replace(/\n}$/, "");
  return `${head},\n  "events": [\n${o.events.map((e) => "    " + JSON.stringify(e)).join(",\n")}\n  ]\n}\n`;
}
