/**
 * hls4ml projects ↔ scoutloop dense networks, with the weights exactly as the firmware holds them.
 *
 * Format facts (hls4ml `writer/vivado_writer.py`, `backends/vivado/passes/core_templates.py`,
 * `model/types.py`, `templates/vivado/nnet_utils`; docs/models.md has the list):
 * - `firmware/weights/<name>.txt`: one line, values joined by ", ", each printed with
 *   `'{:.Ff}'`, F = max(0, W − I) of the variable's type; csim reads each token into the type
 *   through a double (`nnet_helpers.h` → `ap_fixed operator>>`), synthesis compiles the same
 *   literal from `<name>.h`: so the firmware weight is weight_t(double(literal)).
 * - Dense weights are the Keras kernel [in][out] in C order; the resource strategy transposes
 *   them (`passes/resource_strategy.py`) to [out][in].
 * - `firmware/defines.h`: `typedef ap_fixed<16,6> layer2_t;` per type; `firmware/parameters.h`:
 *   one `struct configN : nnet::dense_config { … typedef … accum_t; … }` per layer;
 *   `firmware/<project>.cpp`: one `nnet::<function><types…>(args…);` call per layer, in order.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { formatFixed, fracBits, parseFixed, rawToValue, type FixedFormat } from "./fixed.js";
import { DEFAULT_NN_OUTPUT, denseNetFromJSON, formatDecimal, type DenseLayer, type DenseNetModel } from "./nn.js";
import { normalisationToJSON } from "./normalise.js";
import { BoundedReadError, MODEL_LIMITS, ModelFileError, readTextBounded } from "./validate.js";

/**
 * An hls4ml project has no place for the host-side normalisation z = (x − offset)·scale (the
 * firmware receives z), so export writes it beside the project and import reads it back.
 */
export const NORMALISATION_FILE = "scoutloop-normalisation.json";

export interface Hls4mlImportOptions {
  /** "ae" (score = Σ (input − output)²) or "vae" (‖output‖², the encoder's μ); default: ae when the output width equals the input width. */
  kind?: "ae" | "vae";
  /** Score type (hls4ml has none: the score is computed after the network). */
  outputFormat?: string;
}

/** A problem in one file of the project: `<file>: <item>: <problem>` (importHls4mlProject adds the project). */
class ProjectError extends Error {
  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
  }
}

/** A file of the project, bounded in bytes before it is read. */
function readProjectFile(dir: string, rel: string): string {
  try {
    return readTextBounded(join(dir, rel), MODEL_LIMITS.bytes);
  } catch (err) {
    if (!(err instanceof BoundedReadError)) throw err;
    throw new ProjectError(rel, err.problem === "no such file" ? "missing" : err.problem);
  }
}

const stripComments = (s: string) => s.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/[^\n]*/g, "");

/** `typedef <type> <name>;` → name → type text. */
function typedefs(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of stripComments(text).matchAll(/typedef\s+([^;]+?)\s+(\w+)\s*;/g)) out.set(m[2], m[1].trim());
  return out;
}

interface LayerConfig { base: string; values: Map<string, string>; types: Map<string, string> }

function configs(text: string): Map<string, LayerConfig> {
  const out = new Map<string, LayerConfig>();
  for (const m of stripComments(text).matchAll(/struct\s+(\w+)\s*:\s*nnet::(\w+)\s*\{([\s\S]*?)\n\s*\};/g)) {
    const values = new Map<string, string>();
    for (const v of m[3].matchAll(/static\s+const(?:expr)?\s+[\w:]+\s+(\w+)\s*=\s*([^;]+);/g)) values.set(v[1], v[2].trim());
    out.set(m[1], { base: m[2], values, types: typedefs(m[3]) });
  }
  return out;
}

const DECIMAL = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** The weights in `firmware/weights/<name>.txt`, parsed strictly: exactly `expected` finite decimals. */
function readWeights(dir: string, name: string, expected: number, where: string): number[] {
  if (!/^\w+$/.test(name)) throw new ProjectError(where, `bad weight name "${name}"`);
  const rel = `firmware/weights/${name}.txt`;
  const text = readProjectFile(dir, rel).trim();
  const tokens = text === "" ? [] : text.split(",");
  if (tokens.length !== expected) throw new ProjectError(rel, `expected ${expected} values, found ${tokens.length}`);
  return tokens.map((t, k) => {
    const s = t.trim();
    const v = Number(s);
    if (!DECIMAL.test(s) || !Number.isFinite(v)) throw new ProjectError(rel, `value ${k} "${s.length > 40 ? `${s.slice(0, 40)}…` : s}" is not a finite decimal number`);
    return v;
  });
}

/** The project's main source: the firmware .cpp named by hls4ml_config.yml, else the one with nnet:: calls. */
function projectSource(dir: string): { rel: string; text: string } {
  let project: string | undefined;
  if (existsSync(join(dir, "hls4ml_config.yml"))) {
    project = /^\s*ProjectName:\s*['"]?(\w+)['"]?\s*$/m.exec(readProjectFile(dir, "hls4ml_config.yml"))?.[1];
  }
  if (project) return { rel: `firmware/${project}.cpp`, text: readProjectFile(dir, `firmware/${project}.cpp`) };
  if (!existsSync(join(dir, "firmware"))) throw new ProjectError("firmware/", "missing (not an hls4ml project directory)");
  const names = readdirSync(join(dir, "firmware")).filter((f) => f.endsWith(".cpp"));
  if (names.length > 256) throw new ProjectError("firmware/", `${names.length} .cpp files: give the project's hls4ml_config.yml (ProjectName)`);
  const candidates = names.map((f) => ({ rel: `firmware/${f}`, text: readProjectFile(dir, `firmware/${f}`) })).filter((c) => /nnet::\w+</.test(c.text));
  if (candidates.length !== 1) throw new ProjectError("firmware/", `expected one *.cpp with nnet:: calls, found ${candidates.length}`);
  return candidates[0];
}

/**
 * Read an hls4ml project directory into scoutloop's network JSON (docs/models.md). Every file is
 * bounded in bytes before it is read, every count (n_in, n_out, reuse_factor, table_size, layers,
 * weights over all layers) is bounded before anything is sized by it, and the network it
 * describes is checked as a model JSON; the first problem is one ModelFileError
 * `invalid hls4ml project <dir>: <file>: <item>: <problem>`.
 */
export function importHls4mlProject(dir: string, options: Hls4mlImportOptions = {}): Record<string, unknown> {
  try {
    const json = readProject(dir, options);
    denseNetFromJSON(json); // what was read is a valid network (its paths name the JSON's fields)
    return json;
  } catch (err) {
    throw new ModelFileError(`invalid hls4ml project ${dir}: ${(err as Error).message}`);
  }
}

function readProject(dir: string, options: Hls4mlImportOptions): Record<string, unknown> {
  const { rel: srcRel, text: source } = projectSource(dir);
  const types = typedefs(readProjectFile(dir, "firmware/defines.h"));
  const params = readProjectFile(dir, "firmware/parameters.h");
  for (const [k, v] of typedefs(params)) if (!types.has(k)) types.set(k, v);
  const cfgs = configs(params);
  const resolve = (name: string, file: string, where: string): FixedFormat => {
    let t = name;
    for (let hops = 0; types.has(t) && hops < 16; hops++) t = types.get(t)!;
    try {
      return parseFixed(t);
    } catch (err) {
      throw new ProjectError(file, `${where}: type ${name} = "${t}" is not an ap_fixed/ap_int type scoutloop emulates (${(err as Error).message})`);
    }
  };
  // Layer calls, without the csim weight loading (nnet::load_weights_from_txt & co).
  const calls = [...stripComments(source).matchAll(/nnet::(\w+)\s*<([^;(]*)>\s*\(([^;]*)\)\s*;/g)].filter((m) => !m[1].startsWith("load_"));
  if (calls.length === 0) throw new ProjectError(srcRel, "no nnet:: layer calls");
  const layers: Record<string, unknown>[] = [];
  let weightsSoFar = 0;
  let inputType: FixedFormat | undefined;
  let nFeatures = 0;
  let current: string | undefined; // the variable the next layer must read
  let width = 0;
  let currentFormat: FixedFormat | undefined;
  for (const [k, m] of calls.entries()) {
    const fn = m[1];
    const targs = m[2].split(",").map((s) => s.trim());
    const args = m[3].split(",").map((s) => s.trim());
    const where = `layer call ${k} (nnet::${fn})`;
    const inVar = args[0];
    if (current !== undefined && inVar !== current) throw new ProjectError(srcRel, `${where} reads ${inVar}, not ${current}: only sequential networks are supported`);
    const cfgName = targs[targs.length - 1];
    const cfg = cfgs.get(cfgName);
    if (!cfg) throw new ProjectError(srcRel, `${where}: its config ${cfgName} is not in firmware/parameters.h`);
    /** An unsigned config constant, bounded before anything is sized by it. */
    const num = (key: string, min: number, max: number): number => {
      const v = cfg.values.get(key);
      if (v === undefined) throw new ProjectError("firmware/parameters.h", `${cfgName}::${key}: missing`);
      if (!/^\d{1,15}$/.test(v) || Number(v) < min || Number(v) > max) throw new ProjectError("firmware/parameters.h", `${cfgName}::${key}: expected an integer in [${min}, ${max}], got ${v.length > 40 ? `${v.slice(0, 40)}…` : v}`);
      return Number(v);
    };
    const cfgType = (key: string) => {
      const t = cfg.types.get(key);
      if (t === undefined) throw new ProjectError("firmware/parameters.h", `${cfgName}: no ${key}`);
      return resolve(t, "firmware/parameters.h", `${cfgName}::${key}`);
    };
    /** Room for one more layer of `nWeights`, checked before its weight files are read. */
    const reserve = (nWeights: number) => {
      if (layers.length >= MODEL_LIMITS.layers) throw new ProjectError(srcRel, `${where}: more than ${MODEL_LIMITS.layers} layers`);
      if ((weightsSoFar += nWeights) > MODEL_LIMITS.weights) throw new ProjectError(srcRel, `${where}: more than ${MODEL_LIMITS.weights} weights over all layers`);
    };
    if (targs.length < 2 || args.length < 2) throw new ProjectError(srcRel, `${where}: expected <input type, output type, …, config>(input, …, output, …)`);
    const dataIn = resolve(targs[0], srcRel, `${where} input type`);
    if (k === 0) inputType = dataIn;
    const outT = resolve(fn === "leaky_relu" ? targs[2] ?? "" : targs[1], srcRel, `${where} output type`);
    const outVar = fn === "leaky_relu" ? args[2] : args[1];
    if (fn === "dense") {
      const nIn = num("n_in", 1, MODEL_LIMITS.features), nOut = num("n_out", 1, MODEL_LIMITS.features);
      if (k === 0) nFeatures = nIn;
      else if (nIn !== width) throw new ProjectError("firmware/parameters.h", `${cfgName}::n_in: ${nIn}, but the previous layer gives ${width}`);
      const strategy = cfg.values.get("strategy") ?? "nnet::latency";
      const resource = strategy === "nnet::resource";
      if (!resource && strategy !== "nnet::latency") throw new ProjectError("firmware/parameters.h", `${cfgName}::strategy: ${strategy} is not supported (latency, resource are)`);
      const reuse = resource ? num("reuse_factor", 1, nIn * nOut) : undefined;
      if (args.length !== 4) throw new ProjectError(srcRel, `${where}: expected (input, output, weights, biases)`);
      reserve(nIn * nOut);
      const wTxt = readWeights(dir, args[2], nIn * nOut, srcRel);
      const weights = resource ? Array.from({ length: nIn * nOut }, (_, p) => wTxt[(p % nOut) * nIn + Math.floor(p / nOut)]) : wTxt;
      const bias = readWeights(dir, args[3], nOut, srcRel);
      layers.push({
        nIn, nOut, activation: "linear", weights, bias,
        weightFormat: formatFixed(cfgType("weight_t")), biasFormat: formatFixed(cfgType("bias_t")),
        accumFormat: formatFixed(cfgType("accum_t")), resultFormat: formatFixed(outT),
        ...(reuse !== undefined ? { reuseFactor: reuse } : {}),
      });
      width = nOut;
    } else if (fn === "normalize") {
      // BatchNormalization as its own layer: res_T(x·scale + bias), exact product and sum
      // (nnet_batchnorm.h) = a diagonal dense layer with an accumulator wide enough to be exact.
      const n = num("n_in", 1, MODEL_LIMITS.features);
      if (k === 0) nFeatures = n;
      else if (n !== width) throw new ProjectError("firmware/parameters.h", `${cfgName}::n_in: ${n}, but the previous layer gives ${width}`);
      if (cfg.values.get("n_filt") !== undefined && cfg.values.get("n_filt") !== "-1") throw new ProjectError("firmware/parameters.h", `${cfgName}::n_filt: per-filter batch normalisation is not supported`);
      if (args.length !== 4) throw new ProjectError(srcRel, `${where}: expected (input, output, scale, bias)`);
      const scaleT = cfgType("scale_t"), biasT = cfgType("bias_t");
      const x = currentFormat ?? dataIn;
      const frac = Math.max(fracBits(x) + fracBits(scaleT), fracBits(biasT));
      const int = Math.max(x.int + scaleT.int, biasT.int) + 1;
      if (int + frac > 48) throw new ProjectError("firmware/parameters.h", `${cfgName}: the exact batch-norm sum needs ${int + frac} bits (scoutloop emulates ≤ 48)`);
      reserve(n * n);
      const scale = readWeights(dir, args[2], n, srcRel), bias = readWeights(dir, args[3], n, srcRel);
      layers.push({
        nIn: n, nOut: n, activation: "linear", bias,
        weights: Array.from({ length: n * n }, (_, p) => (Math.floor(p / n) === p % n ? scale[p % n] : 0)),
        weightFormat: formatFixed(scaleT), biasFormat: formatFixed(biasT),
        accumFormat: `ap_fixed<${int + frac},${int},AP_TRN,AP_WRAP>`, resultFormat: formatFixed(outT), batchNorm: true,
      });
      width = n;
    } else if (fn === "relu" || fn === "leaky_relu" || fn === "linear" || fn === "sigmoid" || fn === "tanh") {
      const prev = layers[layers.length - 1];
      if (!prev || prev.activation !== "linear" || prev.activationFormat !== undefined) {
        throw new ProjectError(srcRel, `${where}: an activation must follow a dense or batch-norm layer`);
      }
      prev.activation = fn;
      if (fn === "leaky_relu") {
        if (!DECIMAL.test(args[1] ?? "") || !Number.isFinite(Number(args[1]))) throw new ProjectError(srcRel, `${where}: alpha "${args[1] ?? ""}" is not a finite decimal number`);
        prev.alpha = Number(args[1]);
        prev.alphaFormat = formatFixed(resolve(targs[1], srcRel, `${where} param_t`));
      }
      if (fn === "sigmoid" || fn === "tanh") {
        prev.tableSize = num("table_size", 2, 1 << 20);
        prev.tableFormat = formatFixed(cfgType("table_t"));
      }
      // hls4ml's activation writes its own type; the same type as the layer's result is a no-op cast.
      if (formatFixed(outT) !== prev.resultFormat) prev.activationFormat = formatFixed(outT);
    } else {
      throw new ProjectError(srcRel, `${where}: not supported (scoutloop covers nnet::dense, normalize, relu, leaky_relu, linear, sigmoid, tanh)`);
    }
    currentFormat = outT;
    current = outVar;
  }
  const kind = options.kind ?? (width === nFeatures ? "ae" : "vae");
  if (kind === "ae" && width !== nFeatures) throw new ProjectError(srcRel, `an autoencoder needs ${nFeatures} outputs, the network gives ${width}`);
  for (const l of layers) delete l.batchNorm;
  let normalisation: unknown;
  if (existsSync(join(dir, NORMALISATION_FILE))) {
    const text = readProjectFile(dir, NORMALISATION_FILE);
    try {
      normalisation = JSON.parse(text);
    } catch (err) {
      throw new ProjectError(NORMALISATION_FILE, `not valid JSON: ${(err as Error).message}`);
    }
  }
  return {
    format: "scoutloop-model", version: 1, kind, nFeatures, inputFormat: formatFixed(inputType!),
    ...(normalisation !== undefined ? { normalisation } : {}),
    outputFormat: options.outputFormat ?? DEFAULT_NN_OUTPUT, layers,
  };
}

/** `'{:.Ff}'` of a raw value: exact, since a value on the 2^−F grid has at most F decimals. */
function printRaw(raw: number, f: FixedFormat): string {
  return formatDecimal(rawToValue(raw, f), Math.max(0, fracBits(f)));
}

const typeName = (f: FixedFormat) => formatFixed(f);

/**
 * Write a scoutloop network as an hls4ml-style project (latency strategy, io_parallel): the
 * weight files hls4ml would write for these weights (each the raw firmware value, printed
 * exactly), defines.h, parameters.h and the layer calls in firmware/<project>.cpp. Re-imports bit
 * for bit. Layers with a resource-strategy order are written in that layout and config.
 */
export function exportHls4mlProject(model: DenseNetModel, dir: string, project = "myproject"): string[] {
  if (!/^\w+$/.test(project)) throw new RangeError(`hls4ml export: bad project name "${project}"`);
  const s = model.spec;
  mkdirSync(join(dir, "firmware", "weights"), { recursive: true });
  const written: string[] = [];
  const write = (rel: string, text: string) => { writeFileSync(join(dir, rel), text); written.push(rel); };
  const defines: string[] = [`typedef ${typeName(s.inputFormat)} input_t;`];
  const structs: string[] = [];
  const calls: string[] = [];
  let input = "input_1", inputT = "input_t";
  s.layers.forEach((l: DenseLayer, k: number) => {
    const idx = 2 * k + 2;
    const outT = `layer${idx}_t`, out = `layer${idx}_out`;
    defines.push(`typedef ${typeName(l.resultFormat)} ${outT};`, `typedef ${typeName(l.weightFormat)} weight${idx}_t;`, `typedef ${typeName(l.biasFormat)} bias${idx}_t;`);
    const rf = l.reuseFactor ?? 1;
    const resource = rf > 1;
    const w = Array.from({ length: l.nIn * l.nOut }, (_, p) => (resource ? l.wRaw[(p % l.nIn) * l.nOut + Math.floor(p / l.nIn)] : l.wRaw[p]));
    write(`firmware/weights/w${idx}.txt`, w.map((v) => printRaw(v, l.weightFormat)).join(", "));
    write(`firmware/weights/b${idx}.txt`, Array.from(l.bRaw, (v) => printRaw(v, l.biasFormat)).join(", "));
    structs.push([
      `struct config${idx} : nnet::dense_config {`,
      `    static const unsigned n_in = ${l.nIn};`, `    static const unsigned n_out = ${l.nOut};`,
      `    static const unsigned io_type = nnet::io_parallel;`, `    static const unsigned strategy = nnet::${resource ? "resource" : "latency"};`,
      `    static const unsigned reuse_factor = ${rf};`,
      `    typedef ${typeName(l.accumFormat)} accum_t;`, `    typedef bias${idx}_t bias_t;`, `    typedef weight${idx}_t weight_t;`,
      `};`,
    ].join("\n"));
    calls.push(`    nnet::dense<${inputT}, ${outT}, config${idx}>(${input}, ${out}, w${idx}, b${idx});`);
    input = out; inputT = outT;
    if (l.activation !== "linear" || l.activationFormat) {
      // An activation layer always has its own output type in hls4ml (the result type when scoutloop folds it).
      const aIdx = idx + 1;
      const aT = `layer${aIdx}_t`, aOut = `layer${aIdx}_out`;
      defines.push(`typedef ${typeName(l.activationFormat ?? l.resultFormat)} ${aT};`);
      structs.push([
        `struct ${l.activation}_config${aIdx} : nnet::activ_config {`, `    static const unsigned n_in = ${l.nOut};`,
        `    static const unsigned table_size = ${l.table?.size ?? 1024};`, `    static const unsigned io_type = nnet::io_parallel;`,
        `    static const unsigned reuse_factor = 1;`, `    typedef ${typeName(l.table?.format ?? parseFixed("ap_fixed<18,8>"))} table_t;`, `};`,
      ].join("\n"));
      if (l.activation === "leaky_relu") {
        defines.push(`typedef ${typeName(l.alphaFormat)} layer${aIdx}_param_t;`);
        calls.push(`    nnet::leaky_relu<${inputT}, layer${aIdx}_param_t, ${aT}, ${l.activation}_config${aIdx}>(${input}, ${formatDecimal(rawToValue(l.alphaRaw, l.alphaFormat), Math.max(0, fracBits(l.alphaFormat)))}, ${aOut});`);
      } else {
        calls.push(`    nnet::${l.activation}<${inputT}, ${aT}, ${l.activation}_config${aIdx}>(${input}, ${aOut});`);
      }
      input = aOut; inputT = aT;
    }
  });
  write("firmware/defines.h", `#ifndef DEFINES_H_\n#define DEFINES_H_\n\n#include "ap_fixed.h"\n#include "ap_int.h"\n\n${defines.join("\n")}\n\n#endif\n`);
  write("firmware/parameters.h", `#ifndef PARAMETERS_H_\n#define PARAMETERS_H_\n\n#include "defines.h"\n\n${structs.join("\n\n")}\n\n#endif\n`);
  write(`firmware/${project}.cpp`, `#include "${project}.h"\n#include "parameters.h"\n\nvoid ${project}(input_t ${"input_1"}[N_INPUT_1_1], result_t ${input}[N_OUT]) {\n${calls.join("\n")}\n}\n`);
  write(NORMALISATION_FILE, JSON.stringify(normalisationToJSON(s.normalisation)) + "\n");
  write("hls4ml_config.yml", `ProjectName: ${project}\nOutputDir: .\nBackend: Vivado\nIOType: io_parallel\n# written by scoutloop export hls4ml (model ${model.id}, ${model.kind}, score ${formatFixed(s.outputFormat)})\n`);
  return written;
}
