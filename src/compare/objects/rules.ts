/**
 * `--tolerance` and `--ignore` for `scoutloop diff`, resolved once per (kind, field).
 *
 * A key is a physical quantity (`pt` GeV, `eta`, `phi` rad: compared in physical units through the
 * CMS scales), a field name (`hwQual`: compared in hardware counts), or either of them prefixed with
 * a kind (`muon.pt`, `jet.hwIso`). The most specific key wins: kind.field, field, kind.quantity,
 * quantity. `--ignore` also takes a whole kind (`tau`: its objects and counts are not compared) and
 * `count` / `<kind>.count` (object counts per BX).
 */
import { DIFF_FIELDS, DIFF_KINDS, QUANTITIES, type DiffField, type DiffKind, type Quantity } from "./fields.js";

export interface FieldRule {
  /** Not compared at all. */
  ignored: boolean;
  /** Allowed |b − a|: in physical units for `physical`, else in hardware counts; 0 = exact bits. */
  tolerance: number;
  physical: boolean;
  /** The key the tolerance came from, for the report ("pt", "muon.hwQual"). */
  source: string | null;
}

export interface DiffRules {
  fields: Record<DiffKind, Record<string, FieldRule>>;
  ignoredKinds: Set<DiffKind>;
  ignoredCounts: Set<DiffKind>;
  /** The settings as given, for the report. */
  tolerance: Record<string, number>;
  ignore: string[];
}

const isKind = (s: string): s is DiffKind => (DIFF_KINDS as readonly string[]).includes(s);
const isQuantity = (s: string): s is Quantity => (QUANTITIES as readonly string[]).includes(s);
const allFieldNames = new Set(DIFF_KINDS.flatMap((k) => DIFF_FIELDS[k].map((d) => d.name)));

/** Check a key names something real; returns [kind or null, name]. Throws RangeError (a usage error) otherwise. */
function splitKey(key: string, what: string, extra: readonly string[] = []): [DiffKind | null, string] {
  const parts = key.split(".");
  if (parts.length > 2 || parts.some((p) => p === "")) throw new RangeError(`${what} "${key}": expected name or kind.name`);
  const [kind, name] = parts.length === 2 ? [parts[0], parts[1]] : [null, parts[0]];
  if (kind !== null && !isKind(kind)) throw new RangeError(`${what} "${key}": unknown kind "${kind}" (${DIFF_KINDS.join(", ")})`);
  const known = (n: string) => isQuantity(n) || extra.includes(n) || (kind ? DIFF_FIELDS[kind].some((d) => d.name === n) : allFieldNames.has(n));
  if (!known(name)) throw new RangeError(`${what} "${key}": unknown field or quantity "${name}" (quantities: ${QUANTITIES.join(", ")}; fields such as hwPt, hwEt, hwQual)`);
  return [kind as DiffKind | null, name];
}

/** Parse `pt=0.5,eta=0.01,muon.hwQual=1`. */
export function parseTolerance(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of text.split(",").map((s) => s.trim()).filter(Boolean)) {
    const eq = item.indexOf("=");
    if (eq < 0) throw new RangeError(`--tolerance "${item}": expected key=value`);
    const key = item.slice(0, eq).trim();
    const value = Number(item.slice(eq + 1));
    if (item.slice(eq + 1).trim() === "" || !Number.isFinite(value) || value < 0) throw new RangeError(`--tolerance "${item}": value must be a number ≥ 0`);
    splitKey(key, "--tolerance");
    out[key] = value;
  }
  return out;
}

/** Parse `tau,hwIso,muon.hwQual,count`. */
export function parseIgnore(text: string): string[] {
  const out: string[] = [];
  for (const item of text.split(",").map((s) => s.trim()).filter(Boolean)) {
    if (!isKind(item)) splitKey(item, "--ignore", ["count"]);
    out.push(item);
  }
  return out;
}

function ruleFor(kind: DiffKind, d: DiffField, tolerance: Record<string, number>, ignore: Set<string>): FieldRule {
  const names = [`${kind}.${d.name}`, d.name];
  const quantities = d.quantity ? [`${kind}.${d.quantity}`, d.quantity] : [];
  const ignored = [...names, ...quantities].some((k) => ignore.has(k));
  for (const k of names) if (k in tolerance) return { ignored, tolerance: tolerance[k], physical: false, source: k };
  for (const k of quantities) if (k in tolerance) return { ignored, tolerance: tolerance[k], physical: true, source: k };
  return { ignored, tolerance: 0, physical: false, source: null };
}

export function makeRules(tolerance: Record<string, number> = {}, ignore: string[] = []): DiffRules {
  for (const [k, v] of Object.entries(tolerance)) {
    splitKey(k, "tolerance");
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) throw new RangeError(`tolerance "${k}": value must be a number ≥ 0`);
  }
  if (!Array.isArray(ignore) || ignore.some((x) => typeof x !== "string")) throw new RangeError("ignore must be a list of names");
  parseIgnore(ignore.join(","));
  const ig = new Set(ignore);
  const fields = {} as DiffRules["fields"];
  for (const k of DIFF_KINDS) fields[k] = Object.fromEntries(DIFF_FIELDS[k].map((d) => [d.name, ruleFor(k, d, tolerance, ig)]));
  const ignoredKinds = new Set(DIFF_KINDS.filter((k) => ig.has(k)));
  const ignoredCounts = new Set(DIFF_KINDS.filter((k) => ig.has("count") || ig.has(`${k}.count`) || ig.has(k)));
  return { fields, ignoredKinds, ignoredCounts, tolerance: { ...tolerance }, ignore: [...ignore] };
}
