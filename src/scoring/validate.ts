/**
 * Strict readers for model JSON: every field checked with its JSON path, no coercion (a string
 * where a number belongs is an error, not NaN; `null` is not 0; an index must be an integer in
 * range before it goes into an Int32Array), every count bounded before anything is allocated.
 * The first problem throws a ModelFieldError whose message is one line: `<path>: <what is wrong>`.
 *
 * ```ts
 * const o = expectObject(json, "$", ["format", "version", "kind", "trees"]);
 * const n = expectInt(o.nFeatures, "$.nFeatures", 1, MAX_MODEL_FEATURES);
 * const t = expectArray(o.trees, "$.trees", 1, MAX_TREES);
 * ```
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";

/** A field of a model JSON that is missing, of the wrong type or out of range. */
export class ModelFieldError extends Error {
  override name = "ModelFieldError";
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${path}: ${problem}`);
  }
}

/** A model file that cannot be used at all (unreadable, too large, not JSON, invalid): exit code 3 in the CLI. */
export class ModelFileError extends Error {
  override name = "ModelFileError";
}

/** Bounds shared by every model kind (TS and native accept exactly these). */
export const MODEL_LIMITS = {
  /** Bytes of a model file read into memory (a 100-tree ψ=256 forest is ~3 MB). */
  bytes: 64 * 1024 * 1024,
  features: 4096,
  trees: 100_000,
  /** Nodes over all trees. */
  nodes: 10_000_000,
  /** Depth of a tree (root = 0): the native walker's bound. */
  depth: 4096,
  layers: 64,
  /** Weights over all layers. */
  weights: 10_000_000,
  components: 4096,
} as const;

type Obj = Record<string, unknown>;

const show = (v: unknown): string => {
  if (v === undefined) return "missing";
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 40 ? `${s.slice(0, 40)}…` : s;
};

export function fail(path: string, problem: string): never {
  throw new ModelFieldError(path, problem);
}

/**
 * Run `make` (a model constructor, a layer builder) with its problems placed at `path`: a check
 * made on the whole object (a format too wide for its storage, a table on a linear layer) is
 * reported as `<path>: <problem>` like a field's.
 */
export function atPath<T>(path: string, make: () => T): T {
  try {
    return make();
  } catch (err) {
    if (err instanceof ModelFieldError || !(err instanceof Error) || /call stack|heap|allocation/i.test(err.message)) throw err;
    fail(path, err.message);
  }
}

/** A JSON object; with `known`, any other key is an error (a typo is not silently ignored). */
export function expectObject(v: unknown, path: string, known?: readonly string[]): Obj {
  if (typeof v !== "object" || v === null || Array.isArray(v)) fail(path, `expected an object, got ${show(v)}`);
  if (known) for (const k of Object.keys(v)) if (!known.includes(k)) fail(`${path}.${k}`, "unknown field");
  return v as Obj;
}

export function expectInt(v: unknown, path: string, min: number, max: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) fail(path, `expected an integer in [${min}, ${max}], got ${show(v)}`);
  return v;
}

export function expectNumber(v: unknown, path: string, min = -Number.MAX_VALUE, max = Number.MAX_VALUE): number {
  if (typeof v !== "number" || !Number.isFinite(v) || v < min || v > max) {
    fail(path, min === -Number.MAX_VALUE && max === Number.MAX_VALUE ? `expected a finite number, got ${show(v)}` : `expected a number in [${min}, ${max}], got ${show(v)}`);
  }
  return v;
}

export function expectString<T extends string>(v: unknown, path: string, choices?: readonly T[]): T {
  if (typeof v !== "string") fail(path, `expected a string, got ${show(v)}`);
  if (choices && !choices.includes(v as T)) fail(path, `expected one of ${choices.map((c) => JSON.stringify(c)).join(", ")}, got ${show(v)}`);
  return v as T;
}

export function expectBool(v: unknown, path: string): boolean {
  if (typeof v !== "boolean") fail(path, `expected true or false, got ${show(v)}`);
  return v;
}

/** An array whose length is in [min, max] (checked before its entries are looked at). */
export function expectArray(v: unknown, path: string, min: number, max: number): unknown[] {
  if (!Array.isArray(v)) fail(path, `expected an array, got ${show(v)}`);
  if (v.length < min || v.length > max) fail(path, v.length > max ? `${v.length} entries, at most ${max} allowed` : `${v.length} entries, at least ${min} needed`);
  return v;
}

/** An array of exactly `length` (or [min, max]) finite numbers, as a Float64Array. */
export function expectNumbers(v: unknown, path: string, length: number | [number, number]): Float64Array {
  const [min, max] = typeof length === "number" ? [length, length] : length;
  if (Array.isArray(v) && typeof length === "number" && v.length !== length) fail(path, `expected ${length} entries, got ${v.length}`);
  const a = expectArray(v, path, min, max);
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = expectNumber(a[i], `${path}[${i}]`);
  return out;
}

/** An array of exactly `length` integers in [lo, hi], as an Int32Array (lo/hi within int32). */
export function expectInts(v: unknown, path: string, length: number, lo: number, hi: number): Int32Array {
  if (Array.isArray(v) && v.length !== length) fail(path, `expected ${length} entries, got ${v.length}`);
  const a = expectArray(v, path, length, length);
  const out = new Int32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = expectInt(a[i], `${path}[${i}]`, lo, hi);
  return out;
}

/** `format: "scoutloop-model"` (when present) and `version: 1`: an unknown version is refused, not guessed at. */
export function expectModelHeader(o: Obj, path = "$"): void {
  if (o.format !== undefined) expectString(o.format, `${path}.format`, ["scoutloop-model"]);
  if (o.version !== undefined) expectInt(o.version, `${path}.version`, 1, 1);
}

/** Why a bounded read failed: `problem` is one line without the path ("no such file", "… bytes, larger than …"). */
export class BoundedReadError extends Error {
  override name = "BoundedReadError";
  constructor(readonly problem: string) {
    super(problem);
  }
}

/**
 * The text of a regular file of at most `maxBytes`: the size is checked on the open file before
 * anything is read, so a huge file costs nothing. Problems throw a BoundedReadError.
 */
export function readTextBounded(path: string, maxBytes: number = MODEL_LIMITS.bytes): string {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (err) {
    throw new BoundedReadError((err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new BoundedReadError("not a regular file");
    if (st.size > maxBytes) throw new BoundedReadError(`${st.size} bytes, larger than the ${maxBytes}-byte limit`);
    const buf = Buffer.allocUnsafe(st.size);
    let off = 0;
    while (off < st.size) {
      const n = readSync(fd, buf, off, st.size - off, off);
      if (n <= 0) break;
      off += n;
    }
    return buf.toString("utf8", 0, off);
  } finally {
    closeSync(fd);
  }
}

/**
 * Read a JSON file of at most `maxBytes` (readTextBounded); the text is parsed only when it fits.
 */
export function readJsonBounded(path: string, maxBytes: number = MODEL_LIMITS.bytes, what = "model"): unknown {
  let text: string;
  try {
    text = readTextBounded(path, maxBytes);
  } catch (err) {
    if (!(err instanceof BoundedReadError)) throw err;
    const p = err.problem;
    throw new ModelFileError(p === "no such file" || !/^(not a regular file|\d+ bytes)/.test(p) ? `cannot read ${what} ${path}: ${p}` : `${what} ${path}: ${p}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ModelFileError(`${what} ${path} is not valid JSON: ${(err as Error).message}`);
  }
}
