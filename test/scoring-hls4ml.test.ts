// hls4ml projects: a weight directory in the exact format hls4ml writes (weights printed by numpy
// as hls4ml's WeightVariable does), imported bit for bit; the JSON path's "hls4ml" weight rounding;
// BatchNormalization, activation output types, the resource strategy's order; export round trip.
import { execFileSync } from "node:child_process";
import { closeSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseFixed, quantize } from "../src/scoring/fixed.js";
import { exportHls4mlProject, importHls4mlProject } from "../src/scoring/hls4ml.js";
import { seededRandom } from "../src/scoring/iforest.js";
import { loadModel } from "../src/scoring/load.js";
import { nativeScorer } from "../src/scoring/native.js";
import { denseLayer, DenseNetModel, formatDecimal, resourceOrder } from "../src/scoring/nn.js";
import { identityNormalisation } from "../src/scoring/normalise.js";
import { cliSync } from "./helpers/cli.js";
import { peerIt, PYTHON } from "./helpers/peers.js";

const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });
const tempDir = () => { const d = mkdtempSync(join(tmpdir(), "scoutloop-hls4ml-")); dirs.push(d); return d; };

// Types as hls4ml's definition_cpp spells them ("ap_fixed<8, 3, AP_RND, AP_SAT>").
const T = {
  input: "ap_fixed<16, 6, AP_RND_CONV, AP_SAT>", w: "ap_fixed<8, 3, AP_RND, AP_SAT>", b: "ap_fixed<10, 4, AP_RND, AP_SAT>",
  acc: "ap_fixed<28, 12>", l2: "ap_fixed<16, 6>", relu: "ap_ufixed<10, 4, AP_RND, AP_SAT>", bnS: "ap_fixed<12, 4>", bnB: "ap_fixed<10, 3>",
  l4: "ap_fixed<14, 5, AP_RND, AP_SAT>", l5: "ap_fixed<16, 6, AP_TRN, AP_SAT>", alpha: "ap_fixed<16, 6>", l6: "ap_fixed<16, 6>",
};
const F = (t: string) => { const f = parseFixed(t); return Math.max(0, f.width - f.int); };

/** A known net: 6 →dense(5)→relu(own type)→batchnorm→dense(4)→leaky_relu→dense(3); float32 weights, some on 1/64 (decimal print ties). */
function knownNet() {
  const r = seededRandom(11);
  const f32 = (v: number) => Math.fround(v);
  const weights = (n: number, tie: boolean) => Array.from({ length: n }, (_, k) => f32(tie && k % 3 === 0 ? (Math.floor(r() * 200) - 100 + 0.5) / 32 : (r() - 0.5) * 3));
  return {
    w2: weights(30, true), b2: weights(5, false).map((v) => f32(v / 4)),
    s3: Array.from({ length: 5 }, () => f32(0.5 + r())), b3: Array.from({ length: 5 }, () => f32(r() - 0.5)),
    w4: weights(20, true), b4: weights(4, false), alpha: 0.30000001192092896,
    w5: weights(12, true), b5: weights(3, false),
  };
}

type Printer = (arrays: Array<[number[], number]>) => string[];
/** Print with numpy float32 + '{:.Ff}'.format, as hls4ml's WeightVariable iterator does (one python run). */
const numpyPrint: Printer = (arrays) => {
  const code = "import json,sys,numpy as np\nout=[]\nfor v,f in json.load(sys.stdin):\n  fmt='{:.%df}'%f\n  out.append(', '.join(fmt.format(x) for x in np.nditer(np.array(v,dtype=np.float32),order='C')))\nsys.stdout.write(json.dumps(out))";
  return JSON.parse(execFileSync(PYTHON, ["-c", code], { input: JSON.stringify(arrays) }).toString());
};

/** The project files hls4ml's Vivado writer produces for knownNet() (templates of core_templates.py). */
function writeProject(dir: string, print: Printer, resource = false) {
  const n = knownNet();
  mkdirSync(join(dir, "firmware", "weights"), { recursive: true });
  // The resource strategy transposes the dense kernels before printing.
  const tr = (w: number[], nIn: number, nOut: number) => (resource ? Array.from({ length: nIn * nOut }, (_, p) => w[(p % nIn) * nOut + Math.floor(p / nIn)]) : w);
  const files: Record<string, [number[], string]> = {
    w2: [tr(n.w2, 6, 5), T.w], b2: [n.b2, T.b], s4: [n.s3, T.bnS], b4: [n.b3, T.bnB], w5: [tr(n.w4, 5, 4), T.w], b5: [n.b4, T.b], w7: [tr(n.w5, 4, 3), T.w], b7: [n.b5, T.b],
  };
  const texts = print(Object.values(files).map(([v, t]) => [v, F(t)]));
  Object.keys(files).forEach((name, k) => writeFileSync(join(dir, "firmware", "weights", `${name}.txt`), texts[k]));
  writeFileSync(join(dir, "hls4ml_config.yml"), "Backend: Vivado\nKerasModel: !keras_model 'model.keras'\nOutputDir: prj\nProjectName: myproject\nPart: xcvu9p-flga2104-2L-e\n");
  writeFileSync(join(dir, "firmware", "defines.h"), `#ifndef DEFINES_H_
#define DEFINES_H_

#include "ap_fixed.h"
#include "ap_int.h"
#include "nnet_utils/nnet_types.h"
#include <cstddef>
#include <cstdio>

// hls-fpga-machine-learning insert numbers
#define N_INPUT_1_1 6
#define N_LAYER_2 5

// hls-fpga-machine-learning insert layer-precision
typedef ${T.input} input_t;
typedef ${T.acc} model_default_t;
typedef ${T.l2} layer2_t;
typedef ${T.w} weight2_t;
typedef ${T.b} bias2_t;
typedef ap_uint<1> layer2_index;
typedef ${T.relu} layer3_t;
typedef ap_fixed<18,8> relu1_table_t;
typedef ${T.l4} layer4_t;
typedef ${T.bnS} scale4_t;
typedef ${T.bnB} bias4_t;
typedef ${T.l5} layer5_t;
typedef ${T.w} weight5_t;
typedef ${T.b} bias5_t;
typedef ${T.alpha} layer6_param_t;
typedef ${T.l6} layer6_t;
typedef ${T.w} weight7_t;
typedef ${T.b} bias7_t;
typedef ${T.l6} result_t;

#endif
`);
  const dense = (idx: number, nIn: number, nOut: number) => `struct config${idx} : nnet::dense_config {
    static const unsigned n_in = ${nIn};
    static const unsigned n_out = ${nOut};
    static const unsigned io_type = nnet::io_parallel;
    static const unsigned strategy = nnet::${resource ? "resource" : "latency"};
    static const unsigned reuse_factor = ${resource ? 2 : 1};
    static const unsigned n_zeros = 0;
    static const unsigned n_nonzeros = ${nIn * nOut};
    static const unsigned multiplier_limit = DIV_ROUNDUP(n_in * n_out, reuse_factor) - n_zeros / reuse_factor;
    static const bool store_weights_in_bram = false;
    typedef model_default_t accum_t;
    typedef bias${idx}_t bias_t;
    typedef weight${idx}_t weight_t;
    typedef layer${idx}_index index_t;
    template<class data_T, class res_T, class CONFIG_T>
    using kernel = nnet::${resource ? "DenseResource_rf_leq_nin" : "DenseLatency"}<data_T, res_T, CONFIG_T>;
    template<class x_T, class y_T>
    using product = nnet::product::mult<x_T, y_T>;
};
`;
  // activ_config_template / param_activ_config_template
  const activ = (type: string, idx: number, nIn: number, extra: string) => `struct ${type}_config${idx} : nnet::activ_config {
    static const unsigned n_in = ${nIn};
    static const unsigned table_size = 1024;
    static const unsigned io_type = nnet::io_parallel;
    static const unsigned reuse_factor = 1;
    typedef relu1_table_t table_t;${extra}
};
`;
  writeFileSync(join(dir, "firmware", "parameters.h"), `#ifndef PARAMETERS_H_
#define PARAMETERS_H_

#include "ap_fixed.h"
#include "ap_int.h"

#include "nnet_utils/nnet_code_gen.h"
#include "nnet_utils/nnet_helpers.h"
// hls-fpga-machine-learning insert includes
#include "nnet_utils/nnet_activation.h"
#include "nnet_utils/nnet_batchnorm.h"
#include "nnet_utils/nnet_dense.h"

// hls-fpga-machine-learning insert weights
#include "weights/w2.h"
#include "weights/b2.h"

// hls-fpga-machine-learning insert layer-config
// fc1
${dense(2, 6, 5)}
// relu1
${activ("relu", 3, 5, "")}
// bn
struct config4 : nnet::batchnorm_config {
    static const unsigned n_in = 5;
    static const unsigned n_filt = -1;
    static const unsigned n_scale_bias = (n_filt == -1) ? n_in : n_filt;
    static const unsigned io_type = nnet::io_parallel;
    static const unsigned reuse_factor = 1;
    static const unsigned multiplier_limit = DIV_ROUNDUP(n_in, reuse_factor);
    static const bool store_weights_in_bram = false;
    typedef bias4_t bias_t;
    typedef scale4_t scale_t;
    template<class x_T, class y_T>
    using product = nnet::product::mult<x_T, y_T>;
};

// fc2
${dense(5, 5, 4).replace(/layer5_index/g, "layer2_index")}
// leaky
${activ("leaky_relu", 6, 4, "\n    typedef layer6_param_t param_t;")}
// fc3
${dense(7, 4, 3).replace(/layer7_index/g, "layer2_index")}
#endif
`);
  writeFileSync(join(dir, "firmware", "myproject.cpp"), `#include <iostream>

#include "myproject.h"
#include "parameters.h"

void myproject(
    input_t fc1_input[N_INPUT_1_1],
    result_t layer7_out[N_LAYER_7]
) {

    // hls-fpga-machine-learning insert IO
    #pragma HLS ARRAY_RESHAPE variable=fc1_input complete dim=0
    #pragma HLS PIPELINE

#ifndef __SYNTHESIS__
    static bool loaded_weights = false;
    if (!loaded_weights) {
        // hls-fpga-machine-learning insert load weights
        nnet::load_weights_from_txt<weight2_t, 30>(w2, "w2.txt");
        loaded_weights = true;
    }
#endif
    // ****************************************
    // NETWORK INSTANTIATION
    // ****************************************

    // hls-fpga-machine-learning insert layers

    layer2_t layer2_out[N_LAYER_2];
    nnet::dense<input_t, layer2_t, config2>(fc1_input, layer2_out, w2, b2); // fc1

    layer3_t layer3_out[N_LAYER_2];
    nnet::relu<layer2_t, layer3_t, relu_config3>(layer2_out, layer3_out); // relu1

    layer4_t layer4_out[N_LAYER_2];
    nnet::normalize<layer3_t, layer4_t, config4>(layer3_out, layer4_out, s4, b4); // bn

    layer5_t layer5_out[N_LAYER_5];
    nnet::dense<layer4_t, layer5_t, config5>(layer4_out, layer5_out, w5, b5); // fc2

    layer6_t layer6_out[N_LAYER_5];
    nnet::leaky_relu<layer5_t, layer6_param_t, layer6_t, leaky_relu_config6>(layer5_out, ${0.30000001192092896}, layer6_out); // leaky

    nnet::dense<layer6_t, result_t, config7>(layer6_out, layer7_out, w7, b7); // fc3

}
`);
  return n;
}

/** The same net through scoutloop's JSON path, weights rounded as hls4ml prints them (or not). */
function jsonNet(rounding: "float" | "hls4ml", resource = false) {
  const n = knownNet();
  const rf = resource ? { reuseFactor: 2 } : {};
  const diag = (s: number[]) => Array.from({ length: 25 }, (_, p) => (Math.floor(p / 5) === p % 5 ? s[p % 5] : 0));
  return new DenseNetModel({
    kind: "vae", nFeatures: 6, normalisation: identityNormalisation(6), inputFormat: parseFixed(T.input), outputFormat: parseFixed("ap_ufixed<18,14,AP_RND_CONV,AP_SAT>"),
    layers: [
      denseLayer(6, 5, n.w2, n.b2, "relu", { weight: T.w, bias: T.b, accum: T.acc, result: T.l2 }, 0.3, { weightRounding: rounding, activationFormat: T.relu, ...rf }),
      denseLayer(5, 5, diag(n.s3), n.b3, "linear", { weight: T.bnS, bias: T.bnB, accum: "ap_fixed<28,9,AP_TRN,AP_WRAP>", result: T.l4 }, 0.3, { weightRounding: rounding }),
      denseLayer(5, 4, n.w4, n.b4, "leaky_relu", { weight: T.w, bias: T.b, accum: T.acc, result: T.l5, alpha: T.alpha }, n.alpha, { weightRounding: rounding, activationFormat: T.l6, ...rf }),
      denseLayer(4, 3, n.w5, n.b5, "linear", { weight: T.w, bias: T.b, accum: T.acc, result: T.l6 }, 0.3, { weightRounding: rounding, ...rf }),
    ],
  });
}

const rows = (() => {
  const r = seededRandom(5);
  return Float32Array.from({ length: 300 * 6 }, () => (r() - 0.5) * 12);
})();
const raws = (m: DenseNetModel) => m.spec.layers.map((l) => [Array.from(l.wRaw), Array.from(l.bRaw)]);

describe("hls4ml project import", () => {
  peerIt("numpy")("a weight directory printed as hls4ml prints it imports bit for bit (latency and resource strategy)", () => {
    for (const resource of [false, true]) {
      const dir = tempDir();
      writeProject(dir, numpyPrint, resource);
      const json = importHls4mlProject(dir);
      const model = loadModel(json) as DenseNetModel;
      expect(model.kind).toBe("vae"); // 6 inputs, 3 outputs
      expect(model.spec.layers.map((l) => [l.nIn, l.nOut, l.activation])).toEqual([[6, 5, "relu"], [5, 5, "linear"], [5, 4, "leaky_relu"], [4, 3, "linear"]]);
      // The firmware's weights: weight_t of each printed literal — equal to the JSON path's
      // "hls4ml" rounding (scoutloop's own printer), and not to quantising the float32 weights.
      const printed = jsonNet("hls4ml", resource), naive = jsonNet("float", resource);
      expect(raws(model)).toEqual(raws(printed));
      const differing = raws(model).flat(2).filter((v, k) => v !== raws(naive).flat(2)[k]).length;
      expect(differing).toBeGreaterThan(3);
      const q = model.quantizeInputs(rows, 300);
      expect(Array.from(model.scoreFixedRaw(q, 300))).toEqual(Array.from(printed.scoreFixedRaw(q, 300)));
      expect(Array.from(model.scoreFixedRaw(q, 300))).not.toEqual(Array.from(naive.scoreFixedRaw(q, 300)));
      expect(model.spec.layers[0].activationFormat).toEqual(parseFixed(T.relu));
      expect(model.spec.layers[0].reuseFactor).toBe(resource ? 2 : undefined);
    }
  });

  it("scoutloop's printer is Python's '{:.Nf}' (ties to even on the exact binary value)", () => {
    expect(formatDecimal(0.015625, 5)).toBe("0.01562");
    expect(formatDecimal(0.046875, 5)).toBe("0.04688");
    expect(formatDecimal(-2.5, 0)).toBe("-2");
    expect(formatDecimal(0.1, 20)).toBe("0.10000000000000000555");
    expect(formatDecimal(1e-7, 3)).toBe("0.000");
    expect(formatDecimal(123456.5, 0)).toBe("123456");
  });

  it("export hls4ml writes a weight set that imports back bit for bit", () => {
    const model = jsonNet("hls4ml");
    const dir = tempDir();
    exportHls4mlProject(model, dir);
    const back = loadModel(importHls4mlProject(dir, { outputFormat: "ap_ufixed<18,14,AP_RND_CONV,AP_SAT>" })) as DenseNetModel;
    // The batch-norm layer comes back as a dense layer of the same bits (diagonal weights).
    expect(raws(back)).toEqual(raws(model));
    const q = model.quantizeInputs(rows, 300);
    expect(Array.from(back.scoreFixedRaw(q, 300))).toEqual(Array.from(model.scoreFixedRaw(q, 300)));
  });

  it("refuses what it does not emulate, in one line naming the layer", () => {
    const dir = tempDir();
    writeProject(dir, (arrays) => arrays.map(([v, d]) => v.map((x) => formatDecimal(x, d)).join(", ")));
    const src = join(dir, "firmware", "myproject.cpp");
    const text = execFileSync("cat", [src]).toString();
    writeFileSync(src, text.replace("nnet::relu<layer2_t, layer3_t, relu_config3>", "nnet::softmax<layer2_t, layer3_t, relu_config3>"));
    expect(() => importHls4mlProject(dir)).toThrow(/layer call 1 \(nnet::softmax\): not supported/);
    writeFileSync(join(dir, "firmware", "weights", "w2.txt"), "0.5, x");
    writeFileSync(src, text);
    expect(() => importHls4mlProject(dir)).toThrow(/w2\.txt: expected 30 values, found 2/);
  });
});

// hls4ml's own nnet::sigmoid / nnet::tanh (templates/vivado/nnet_utils/nnet_activation.h, commit
// ef92ebd, with its ap_types) compiled beside the project: data_t ap_fixed<16,6>, res_t
// ap_fixed<10,2,AP_RND,AP_SAT>, table_size 1024, table_t ap_fixed<18,8>. [raw input, sigmoid raw, tanh raw].
// (The full sweep, 5715 inputs from −20000 to 20000 in steps of 7, matched with 0 differences.)
const HLS4ML_TABLES: Array<[number, number, number]> = [
  [-20000, 0, -256], [-6000, 1, -256], [-3200, 11, -255], [-2367, 23, -251], [-2052, 31, -247], [-1737, 40, -239], [-1422, 52, -226],
  [-1107, 65, -203], [-792, 81, -166], [-477, 99, -110], [-400, 103, -95], [-162, 118, -40], [153, 137, 38], [468, 157, 109],
  [783, 174, 164], [1098, 190, 202], [1413, 204, 225], [1728, 216, 239], [2043, 225, 247], [2358, 233, 251], [2400, 234, 251],
  [5200, 254, 256], [8000, 256, 256], [20000, 256, 256],
];

describe("layer semantics beyond folded dense layers", () => {
  it("sigmoid and tanh tables as hls4ml's nnet_activation.h computes them", () => {
    for (const kind of ["sigmoid", "tanh"] as const) {
      // A 1→1 identity dense layer whose result is data_t, then the table into res_t.
      const l = denseLayer(1, 1, [1], [0], kind, { weight: "ap_fixed<4,2>", bias: "ap_fixed<4,2>", accum: "ap_fixed<32,12>", result: "ap_fixed<16,6>" }, 0.3,
        { activationFormat: "ap_fixed<10,2,AP_RND,AP_SAT>", tableSize: 1024, tableFormat: "ap_fixed<18,8>" });
      const m = new DenseNetModel({ kind: "vae", nFeatures: 1, normalisation: identityNormalisation(1), inputFormat: parseFixed("ap_fixed<16,6>"), outputFormat: parseFixed("ap_ufixed<24,4>"), layers: [l] });
      // ‖μ‖² of one output: (raw·2^−8)² in ap_ufixed<24,4> (LSB 2^−20) = raw² · 2^4.
      const raw = Int32Array.from(HLS4ML_TABLES, ([x]) => x);
      expect(Array.from(m.scoreFixedRaw(raw, raw.length))).toEqual(HLS4ML_TABLES.map(([, sg, th]) => (kind === "sigmoid" ? sg : th) ** 2 * 16));
      expect(() => nativeScorer(m)).toThrow(/table activation/);
    }
  });


  it("resource strategy: hls4ml's ReuseLoop order, visible with a saturating accumulator (hand-computed)", () => {
    // n_in 4, RF 2: terms w = j·4 + i in order of (w mod 2, ⌊w/2⌋) → i = 0, 2, 1, 3 for every j.
    const mk = (reuseFactor?: number) => denseLayer(4, 1, [7, 7, -7, -7], [0], "linear",
      { weight: "ap_fixed<4,4,AP_TRN,AP_SAT>", bias: "ap_fixed<4,4>", accum: "ap_fixed<4,4,AP_TRN,AP_SAT>", result: "ap_fixed<8,8>" }, 0.3, reuseFactor ? { reuseFactor } : {});
    expect(Array.from(resourceOrder(mk(2))!)).toEqual([0, 2, 1, 3]);
    expect(resourceOrder(mk(4))).toBeNull(); // RF ≥ n_in: i ascending
    const net = (l: ReturnType<typeof mk>) => new DenseNetModel({ kind: "vae", nFeatures: 4, normalisation: identityNormalisation(4), inputFormat: parseFixed("ap_fixed<4,4>"), outputFormat: parseFixed("ap_ufixed<16,16>"), layers: [l] });
    const x = Int32Array.of(1, 1, 1, 1);
    // latency: 7, 14→7, 0, −7 → (−7)² = 49; resource: 7, 0, 7, 0 → 0.
    expect(Array.from(net(mk()).scoreFixedRaw(x, 1))).toEqual([49]);
    expect(Array.from(net(mk(2)).scoreFixedRaw(x, 1))).toEqual([0]);
    expect(() => nativeScorer(net(mk(2)))).toThrow(/resource-strategy accumulation order/);
    expect(Array.from(nativeScorer(net(mk())).scoreFixedRaw(x, 1))).toEqual([49]);
  });

  it("an activation with its own output type casts the activated value (hand-computed)", () => {
    // result_t ap_fixed<8,4> holds 2.3125 (raw 37); relu into ap_ufixed<4,2,AP_RND,AP_SAT>: 2.3125 → 2.25 (raw 9).
    const l = denseLayer(1, 1, [1], [0], "relu", { weight: "ap_fixed<4,2>", bias: "ap_fixed<4,2>", accum: "ap_fixed<16,8>", result: "ap_fixed<8,4>" }, 0.3, { activationFormat: "ap_ufixed<4,2,AP_RND,AP_SAT>" });
    const m = new DenseNetModel({ kind: "vae", nFeatures: 1, normalisation: identityNormalisation(1), inputFormat: parseFixed("ap_fixed<8,4>"), outputFormat: parseFixed("ap_ufixed<16,12>"), layers: [l] });
    // ‖μ‖² = 2.25² = 5.0625 in ap_ufixed<16,12> (LSB 1/16) = raw 81.
    expect(Array.from(m.scoreFixedRaw(Int32Array.of(37), 1))).toEqual([81]);
    expect(Array.from(m.scoreFixedRaw(Int32Array.of(-37), 1))).toEqual([0]);
    expect(quantize(2.3125, parseFixed("ap_ufixed<4,2,AP_RND,AP_SAT>"))).toBe(9);
    expect(() => nativeScorer(m)).toThrow(/own output type/);
  });
});

describe("hls4ml project read with bounds (issue 11)", () => {
  const plain: Printer = (arrays) => arrays.map(([v, d]) => v.map((x) => formatDecimal(x, d)).join(", "));
  /** A fresh copy of the known project with `edit(dir)` applied; [dir, the expected line]. */
  const row = (edit: (dir: string, file: (rel: string, f: (text: string) => string) => void) => void, line: string, resource = false): [string, string] => {
    const dir = tempDir();
    writeProject(dir, plain, resource);
    edit(dir, (rel, f) => writeFileSync(join(dir, rel), f(readFileSync(join(dir, rel), "utf8"))));
    return [dir, `invalid hls4ml project ${dir}: ${line}`];
  };
  /** A project of `layers` dense n→n layers (identity weights), for the count bounds. */
  const chainProject = (layers: number, n: number): string => {
    const dir = tempDir();
    mkdirSync(join(dir, "firmware", "weights"), { recursive: true });
    const structs: string[] = [], calls: string[] = [];
    for (let k = 0; k < layers; k++) {
      structs.push(`struct config${k} : nnet::dense_config {\n    static const unsigned n_in = ${n};\n    static const unsigned n_out = ${n};\n    typedef ap_fixed<24,12> accum_t;\n    typedef ap_fixed<8,3> bias_t;\n    typedef ap_fixed<8,3> weight_t;\n};`);
      calls.push(`    nnet::dense<data_t, data_t, config${k}>(x${k}, x${k + 1}, w${k}, b${k});`);
      if (n * n <= 64) {
        writeFileSync(join(dir, "firmware", "weights", `w${k}.txt`), Array.from({ length: n * n }, (_, p) => (Math.floor(p / n) === p % n ? "1" : "0")).join(", "));
        writeFileSync(join(dir, "firmware", "weights", `b${k}.txt`), Array.from({ length: n }, () => "0").join(", "));
      }
    }
    writeFileSync(join(dir, "firmware", "defines.h"), "typedef ap_fixed<16,6> data_t;\n");
    writeFileSync(join(dir, "firmware", "parameters.h"), `${structs.join("\n\n")}\n`);
    writeFileSync(join(dir, "firmware", "myproject.cpp"), `void myproject() {\n${calls.join("\n")}\n}\n`);
    return dir;
  };
  const first = (from: string, to: string) => (t: string) => t.replace(from, to);
  const parse = (text: string) => { try { JSON.parse(text); return ""; } catch (err) { return (err as Error).message; } };

  it("each mutation → one exact line naming the file and the item; counts bounded before anything is read or sized", () => {
    const cases: Array<[string, string]> = [
      row((d) => rmSync(join(d, "firmware", "defines.h")), "firmware/defines.h: missing"),
      row((_, f) => f("firmware/parameters.h", first("n_in = 6;", "n_in = 100000;")), "firmware/parameters.h: config2::n_in: expected an integer in [1, 4096], got 100000"),
      row((_, f) => f("firmware/parameters.h", first("n_out = 5;", "n_out = 5u;")), "firmware/parameters.h: config2::n_out: expected an integer in [1, 4096], got 5u"),
      row((_, f) => f("firmware/parameters.h", first("n_in = 6;", "n_in = 99999999999999999999;")), "firmware/parameters.h: config2::n_in: expected an integer in [1, 4096], got 99999999999999999999"),
      row((_, f) => f("firmware/parameters.h", first("reuse_factor = 2;", "reuse_factor = 0;")), "firmware/parameters.h: config2::reuse_factor: expected an integer in [1, 30], got 0", true),
      row((_, f) => f("firmware/parameters.h", first("    typedef model_default_t accum_t;\n", "")), "firmware/parameters.h: config2: no accum_t"),
      row((_, f) => f("firmware/defines.h", first(`typedef ${T.acc} model_default_t;`, "typedef float model_default_t;")),
        `firmware/parameters.h: config2::accum_t: type model_default_t = "float" is not an ap_fixed/ap_int type scoutloop emulates (not a fixed-point type: "float" (expected e.g. ap_fixed<18,13,AP_RND_CONV,AP_SAT>))`),
      row((_, f) => f("firmware/myproject.cpp", first("config2>(", "config9>(")), "firmware/myproject.cpp: layer call 0 (nnet::dense): its config config9 is not in firmware/parameters.h"),
      row((_, f) => f("firmware/myproject.cpp", first("0.30000001192092896", "0x1p-2")), 'firmware/myproject.cpp: layer call 4 (nnet::leaky_relu): alpha "0x1p-2" is not a finite decimal number'),
      row((_, f) => f("firmware/myproject.cpp", first("0.30000001192092896", "")), 'firmware/myproject.cpp: layer call 4 (nnet::leaky_relu): alpha "" is not a finite decimal number'),
      row((_, f) => f("firmware/weights/w2.txt", (t) => t.replace(/^[^,]+/, "1e999")), 'firmware/weights/w2.txt: value 0 "1e999" is not a finite decimal number'),
      row((_, f) => f("firmware/weights/w2.txt", (t) => t.replace(/^[^,]+/, "0x10")), 'firmware/weights/w2.txt: value 0 "0x10" is not a finite decimal number'),
      row((_, f) => f("firmware/weights/b2.txt", (t) => `${t}, 0.5`), "firmware/weights/b2.txt: expected 5 values, found 6"),
      row((d) => { rmSync(join(d, "firmware", "weights", "w5.txt")); mkdirSync(join(d, "firmware", "weights", "w5.txt")); }, "firmware/weights/w5.txt: not a regular file"),
      row((d) => { const fd = openSync(join(d, "firmware", "weights", "w7.txt"), "w"); ftruncateSync(fd, 64 * 1024 * 1024 + 1); closeSync(fd); }, "firmware/weights/w7.txt: 67108865 bytes, larger than the 67108864-byte limit"),
      row((d) => writeFileSync(join(d, "scoutloop-normalisation.json"), "{"), `scoutloop-normalisation.json: not valid JSON: ${parse("{")}`),
      [chainProject(65, 1), "firmware/myproject.cpp: layer call 64 (nnet::dense): more than 64 layers"],
      // 4096 × 4096 weights in one layer: refused before w0.txt (absent here) is looked for.
      [chainProject(1, 4096), "firmware/myproject.cpp: layer call 0 (nnet::dense): more than 10000000 weights over all layers"],
    ];
    const wrong: string[] = [];
    for (const [dir, line] of cases) {
      const expected = line.startsWith("invalid hls4ml project ") ? line : `invalid hls4ml project ${dir}: ${line}`;
      let got = "accepted";
      try {
        importHls4mlProject(dir);
      } catch (err) {
        got = (err as Error).message;
      }
      if (got !== expected) wrong.push(`expected: ${expected}\n     got: ${got}`);
    }
    expect(wrong, `${wrong.length} of ${cases.length} rows wrong (${wrong.filter((w) => w.endsWith("got: accepted")).length} accepted the bad project)`).toEqual([]);
    expect(() => importHls4mlProject(chainProject(64, 1))).not.toThrow();
  });

  it("scoutloop import hls4ml: a bad project exits 3 with that one line", () => {
    const [dir, line] = row((_, f) => f("firmware/parameters.h", first("n_in = 6;", "n_in = 100000;")), "firmware/parameters.h: config2::n_in: expected an integer in [1, 4096], got 100000");
    const r = cliSync(["import", "hls4ml", dir, "--out", join(dir, "ae.json")]);
    expect(r.code).toBe(3);
    expect(r.stderr.trim()).toBe(`scoutloop: ${line}`);
  }, 60_000);
});
