/** `loadModel`: one entry point for every model file we read (ours, conifer, isotree). */
import { eifFromJSON } from "./eiforest.js";
import { gmmFromJSON } from "./gmm.js";
import { iforestFromJSON } from "./iforest.js";
import { importConifer, importIsotree, isConiferJson, isIsotreeJson } from "./iforest-io.js";
import type { ScoringModel } from "./model.js";
import { denseNetFromJSON } from "./nn.js";
import { MODEL_LIMITS, ModelFileError, expectInt, expectObject, expectString, readJsonBounded } from "./validate.js";

type Loader = (json: Record<string, unknown>) => ScoringModel;
const LOADERS: Record<string, Loader> = { iforest: iforestFromJSON, eif: eifFromJSON, ae: denseNetFromJSON, vae: denseNetFromJSON, gmm: gmmFromJSON };

/** Register another model kind's JSON reader. */
export function registerModelLoader(kind: string, loader: Loader): void {
  LOADERS[kind] = loader;
}

/**
 * Load a model from a parsed JSON value or a file path. Accepts scoutloop model JSON, conifer JSON
 * and isotree `to_json()` output wrapped as `{ "isotree": <to_json output>, "sampleSize": ψ }`.
 * The file is bounded in bytes before it is read (MODEL_LIMITS.bytes); every problem comes out as
 * one ModelFileError naming the file.
 */
export function loadModel(jsonOrPath: unknown): ScoringModel {
  let json = jsonOrPath;
  let where = "model";
  if (typeof jsonOrPath === "string") {
    where = jsonOrPath;
    json = readJsonBounded(jsonOrPath, MODEL_LIMITS.bytes, "model");
  }
  try {
    return modelFromJson(json);
  } catch (err) {
    throw new ModelFileError(`invalid model ${where}: ${(err as Error).message}`);
  }
}

/** The model a parsed JSON value describes; the first problem throws (loadModel names the file). */
function modelFromJson(json: unknown): ScoringModel {
  if (!json || typeof json !== "object") throw new TypeError("expected a JSON object");
  const o = json as Record<string, unknown>;
  if (isConiferJson(o)) return importConifer(o);
  if ("isotree" in o) {
    // Our wrapper (isotree's JSON has no ψ): its own fields, bounded before the importer sizes anything by them.
    expectObject(o, "$", ["isotree", "sampleSize", "nFeatures", "missingAction"]);
    if (!isIsotreeJson(o.isotree)) throw new TypeError("$.isotree: expected the output of isotree's to_json() (a list of trees, each an object of nodes keyed \"0\", \"1\", …)");
    return importIsotree(o.isotree, {
      path: "$.isotree",
      sampleSize: expectInt(o.sampleSize, "$.sampleSize", 2, 1 << 30),
      nFeatures: o.nFeatures === undefined ? undefined : expectInt(o.nFeatures, "$.nFeatures", 1, MODEL_LIMITS.features),
      missingAction: o.missingAction === undefined ? undefined : expectString(o.missingAction, "$.missingAction", ["fail", "divide", "impute"]),
    });
  }
  const loader = LOADERS[String(o.kind)];
  if (!loader) throw new RangeError(`unknown model kind "${String(o.kind)}" (expected ${Object.keys(LOADERS).join(", ")}, a conifer or an isotree model)`);
  return loader(o);
}

/**
 * `scoutloop import conifer|isotree`: a file in that tool's format (bounded in bytes before it is
 * read), checked to be that format, imported strictly; every problem is one ModelFileError
 * naming the file. isotree: the bare `to_json()` list needs `sampleSize` (ψ) from the caller; our
 * wrapper `{isotree, sampleSize, …}` carries it.
 */
export function importModelFile(path: string, format: "conifer" | "isotree", isotree: { sampleSize?: number; nFeatures?: number; missingAction?: string } = {}): ScoringModel {
  const json = readJsonBounded(path, MODEL_LIMITS.bytes, "model");
  try {
    if (format === "conifer") {
      if (!isConiferJson(json)) throw new TypeError("not a conifer model (no n_trees, n_features and trees)");
      return importConifer(json as Record<string, unknown>);
    }
    if (!Array.isArray(json) && !!json && typeof json === "object" && "isotree" in json) {
      // Our wrapper: what the caller gives overrides what it carries.
      const given = Object.fromEntries(Object.entries(isotree).filter(([, v]) => v !== undefined));
      return modelFromJson({ ...json, ...given });
    }
    if (!isIsotreeJson(json)) throw new TypeError("not isotree to_json() output (a list of trees, each an object of nodes keyed \"0\", \"1\", …)");
    if (isotree.sampleSize === undefined) throw new TypeError("isotree's to_json() does not record the per-tree sample size ψ: give it (--sample-size)");
    return importIsotree(json, { sampleSize: isotree.sampleSize, nFeatures: isotree.nFeatures, missingAction: isotree.missingAction });
  } catch (err) {
    if (err instanceof ModelFileError) throw err;
    throw new ModelFileError(`invalid model ${path}: ${(err as Error).message}`);
  }
}
