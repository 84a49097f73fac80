/**
 * Native (C++) scorers with the same contract as the TS models: `nativeScorer(model)` returns a
 * ScoringModel whose scoreFixedRaw (and, for forests, scoreFloat) run in native/scoring_*.cc and
 * give the same bits as the TS reference (a property test holds them to it).
 */
import { native } from "../native.js";
import type { NativeForest, NativeNet } from "../../native/index.cjs";
import { fracBits, OVERFLOW_MODES, QUANT_MODES, type FixedFormat } from "./fixed.js";
import { castProduct, IsolationForestModel } from "./iforest.js";
import { ScorerUnavailableError, checkRows, floatOnlyError, type ScoringModel } from "./model.js";
import { resourceOrder, DenseNetModel } from "./nn.js";
import type { Normalisation } from "./normalise.js";
import type { OrbitBatch } from "../events/batch.js";
import { N_FEATURES } from "../events/features.js";
import { CALO, MUON } from "../events/scales.js";

/** [width, int, signed, quant index, overflow index] as native/fixed.h reads it. */
export function formatInts(f: FixedFormat): number[] {
  return [f.width, f.int, f.signed ? 1 : 0, QUANT_MODES.indexOf(f.quant), OVERFLOW_MODES.indexOf(f.overflow)];
}

export function compileForest(model: IsolationForestModel): NativeForest {
  const s = model.spec;
  const f = s.forest;
  return native.ifCompile(
    s.nFeatures, f.root, f.feature, f.left, f.right, model.cut, model.leafRaw, f.threshold, f.value,
    Int32Array.from(formatInts(s.scoreFormat)), s.splitting === "<", s.norm, s.initPredict, model.initRaw,
    s.normalisation.scale, s.normalisation.offset,
  );
}

export function compileNet(model: DenseNetModel): NativeNet {
  const s = model.spec;
  for (const [k, l] of s.layers.entries()) {
    // Not in the C++ core yet: say so rather than score other bits.
    if (l.table) throw new ScorerUnavailableError(`no native scorer for layer ${k}: ${l.activation} is a table activation (TS reference only); score it without --native`);
    if (l.activationFormat) throw new ScorerUnavailableError(`no native scorer for layer ${k}: its activation has its own output type (hls4ml activation layer); score it without --native`);
    const orderFree = l.accumFormat.quant === "TRN" && l.accumFormat.overflow === "WRAP"; // modular sums of floored terms
    if (resourceOrder(l) && !orderFree) throw new ScorerUnavailableError(`no native scorer for layer ${k}: resource-strategy accumulation order with a rounding/saturating accumulator; score it without --native`);
  }
  const meta: number[] = [];
  const weights: number[] = [];
  const biases: number[] = [];
  for (const l of s.layers) {
    meta.push(l.nIn, l.nOut, ["linear", "relu", "leaky_relu"].indexOf(l.activation));
    for (const f of [l.weightFormat, l.biasFormat, l.accumFormat, l.resultFormat, l.alphaFormat]) meta.push(...formatInts(f));
    for (const w of l.wRaw) weights.push(w);
    for (const b of l.bRaw) biases.push(b);
  }
  return native.nnCompile(
    s.kind === "vae", s.nFeatures, Int32Array.from([...formatInts(s.inputFormat), ...formatInts(s.outputFormat)]),
    Int32Array.from(meta), Float64Array.from(weights), Float64Array.from(biases), Float64Array.from(s.layers, (l) => l.alphaRaw),
  );
}

/** Raw input bits through native/scoring_fixed.cc (same bits as quantizeRows in TS). */
export function nativeQuantizeRows(norm: Normalisation, format: FixedFormat, features: Float32Array, n: number, out = new Int32Array(n * norm.scale.length)): Int32Array {
  native.fxQuantizeRows(features, n, norm.scale, norm.offset, Int32Array.from(formatInts(format)), out);
  return out;
}

/** The unit scales of src/events/scales.ts in the order native/features.cc reads them. */
const FEATURE_SCALES = Float64Array.of(CALO.etScale, CALO.etaScale, CALO.phiScale, MUON.ptScale, MUON.etaScale, MUON.phiScale);

/**
 * Physical features and raw inputs of a batch in one native pass (native/features.cc): the bits of
 * `extractFeatures` then `quantizeRows` (a property test holds them to the TS reference).
 */
export function nativeFeaturesAndInputs(
  norm: Normalisation, format: FixedFormat, batch: OrbitBatch,
  features = new Float32Array(batch.nBx * N_FEATURES), inputs = new Int32Array(batch.nBx * N_FEATURES),
): { features: Float32Array; inputs: Int32Array } {
  const { egammas: eg, muons: mu, jets: jet, sums } = batch;
  native.featuresAndInputs(
    batch.nBx, sums.hwMissEt, sums.hwMissEtPhi,
    eg.offset, eg.hwEt, eg.hwEta, eg.hwPhi,
    mu.offset, mu.hwPt, mu.hwEtaAtVtx, mu.hwPhiAtVtx,
    jet.offset, jet.hwEt, jet.hwEta, jet.hwPhi,
    FEATURE_SCALES, norm.scale, norm.offset, Int32Array.from(formatInts(format)), features, inputs,
  );
  return { features, inputs };
}

/** Wrap `model` so quantizeInputs and scoreFixedRaw run natively; `scoreFixed` fills `out` for n rows. */
function withNativeFixed(model: ScoringModel, norm: Normalisation, scoreFixed: (raw: Int32Array, n: number, out: Int32Array) => void, extra: Partial<ScoringModel> = {}): ScoringModel {
  return Object.assign(Object.create(model) as ScoringModel, {
    featuresAndInputs(batch: OrbitBatch): { features: Float32Array; inputs: Int32Array } {
      if (model.nFeatures !== N_FEATURES || norm.scale.length !== N_FEATURES) throw new Error(`model expects ${model.nFeatures} features, the pipeline provides ${N_FEATURES}`);
      return nativeFeaturesAndInputs(norm, model.inputFormat, batch);
    },
    quantizeInputs(features: Float32Array, n: number): Int32Array {
      checkRows(features, n, model.nFeatures, "quantizeInputs");
      return nativeQuantizeRows(norm, model.inputFormat, features, n);
    },
    scoreFixedRaw(raw: Int32Array, n: number): Int32Array {
      checkRows(raw, n, model.nFeatures, "scoreFixedRaw");
      const out = new Int32Array(n);
      scoreFixed(raw, n, out);
      return out;
    },
  }, extra);
}

/** Whether `nativeScorer(model)` has a C++ core for this model kind. */
export function hasNativeScorer(model: ScoringModel): boolean {
  return model instanceof IsolationForestModel || model instanceof DenseNetModel;
}

/**
 * True when every order of saturating/wrapping additions gives the same bits: WRAP is modular; under
 * SAT/SAT_SYM with init and all leaves of one sign a partial sum can only saturate when the whole sum does.
 */
function orderFreeSum(model: IsolationForestModel): boolean {
  const o = model.spec.scoreFormat.overflow;
  if (o === "WRAP") return true;
  if (o !== "SAT" && o !== "SAT_SYM") return false;
  let pos = model.initRaw > 0, neg = model.initRaw < 0;
  const f = model.spec.forest;
  for (let i = 0; i < f.feature.length; i++) if (f.feature[i] < 0) { pos ||= model.leafRaw[i] > 0; neg ||= model.leafRaw[i] < 0; }
  return !(pos && neg);
}

/** A ScoringModel that delegates the hot calls to C++; everything else stays with the TS model. */
export function nativeScorer(model: ScoringModel): ScoringModel {
  if (model instanceof IsolationForestModel) {
    const handle = compileForest(model);
    const arithmetic = model.spec.arithmetic ?? "scoutloop";
    const fmt = model.spec.scoreFormat;
    if (arithmetic === "conifer-hls" && !orderFreeSum(model)) {
      throw new ScorerUnavailableError("no native scorer for conifer-hls arithmetic with mixed-sign leaves under a saturating score type (the adder tree's order matters there); score it without --native");
    }
    // conifer: the walk sums score_t(leaf) from score_t(init_predict) in tree order (what the C++
    // backend does; the HLS adder tree gives the same bits when the sum is order-free), then the
    // one multiplication by score_t(norm).
    const scoreFixed = arithmetic === "scoutloop"
      ? (raw: Int32Array, n: number, out: Int32Array) => native.ifScoreFixed(handle, raw, n, out)
      : (raw: Int32Array, n: number, out: Int32Array) => {
        native.ifScoreFixed(handle, raw, n, out);
        for (let i = 0; i < n; i++) out[i] = castProduct(out[i], model.normRaw, 2 * fracBits(fmt), fmt);
      };
    return withNativeFixed(model, model.spec.normalisation, scoreFixed, {
      scoreFloat(features: Float32Array, n: number): Float64Array {
        checkRows(features, n, model.nFeatures, "scoreFloat");
        const out = new Float64Array(n);
        native.ifScoreFloat(handle, features, n, out);
        return out;
      },
    });
  }
  if (model instanceof DenseNetModel) {
    const handle = compileNet(model);
    return withNativeFixed(model, model.spec.normalisation, (raw, n, out) => native.nnScoreFixed(handle, raw, n, out));
  }
  if (model.floatOnly) throw floatOnlyError(model, "the native scorer");
  throw new ScorerUnavailableError(`no native scorer for model kind "${model.kind}" (its fixed-point model is the TypeScript reference only): score it without --native / --software native, and not on the emulated board`);
}
