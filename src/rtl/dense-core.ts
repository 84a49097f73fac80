/**
 * Dense AE/VAE encoder core: the fixed-point model of src/scoring/nn.ts (hls4ml
 * `nnet_dense_latency` arithmetic) in Verilog. Per layer:
 *
 *   stage 1        every product x_i · w_ij (constant weights; zero weights cost nothing), cast to
 *                  accum_t's binary point with accum_t's quantisation, registered
 *   stages 2 ..    per output, the products summed, four terms per stage, in accum_t's bits
 *   last stage     + bias (cast to accum_t), cast to result_t, ReLU / LeakyReLU, registered
 *
 * then the score: Σ loss terms (‖μ‖² for a VAE, ‖x − x̂‖² for an AE, each square cast to the
 * output format), summed four per stage, and the output format's overflow.
 *
 * Bit-exactness: the software adds the cast products in input order, with accum_t's overflow after
 * every addition. With a wrapping accum_t the sum is modular, so any order of additions in
 * accum_t's width gives the same bits. A saturating accum_t is accepted when no partial sum can
 * overflow (checked from the weights, the bias and the input range), since then no addition
 * ever saturates. The loss terms are squares, never negative: a saturating output format clamps
 * a monotone sum, so clamping the total once is exact; a wrapping one is modular again.
 */
import { castRaw, formatFixed, fracBits, rawMax } from "../scoring/fixed.js";
import type { DenseLayer, DenseNetModel } from "../scoring/nn.js";
import { castFunction, overflowFunction, quantizeFunction, rawLow, saturatedExpr, signedRawWidth, twos } from "./fixed-hdl.js";
import { checkWeightFault, stuckValue, type WeightFault } from "./faults.js";
import { coreModule, sext, sLit, type StageRegs } from "./verilog.js";

/** Terms added per pipeline stage (two adder levels). */
const TERMS_PER_STAGE = 4;

export interface DenseCoreResult {
  verilog: string;
  latency: number;
  /** Non-zero constant multiplications. */
  multipliers: number;
}

/** Reduce per-output term lists in lock-step, TERMS_PER_STAGE at a time, one stage per round. */
function sumStages(prefix: string, lists: string[][], width: number, stages: StageRegs[]): string[] {
  let cur = lists.map((l) => [...l]);
  let round = 0;
  while (cur.some((l) => l.length > 1)) {
    round++;
    const decls: string[] = [], assigns: string[] = [];
    cur = cur.map((terms, j) => {
      if (terms.length <= 1) {
        if (terms.length === 0 || /^\d+'d/.test(terms[0])) return terms; // constants need no register
        const name = `${prefix}s${round}_${j}`;
        decls.push(`reg [${width - 1}:0] ${name};`);
        assigns.push(`${name} <= ${terms[0]};`);
        return [name];
      }
      const next: string[] = [];
      for (let k = 0; k < terms.length; k += TERMS_PER_STAGE) {
        const name = `${prefix}s${round}_${j}_${k / TERMS_PER_STAGE}`;
        decls.push(`reg [${width - 1}:0] ${name};`);
        assigns.push(`${name} <= ${terms.slice(k, k + TERMS_PER_STAGE).join(" + ")};`);
        next.push(name);
      }
      return next;
    });
    stages.push({ decls, assigns });
  }
  return cur.map((l) => (l.length ? l[0] : `${width}'d0`));
}

/** Weights of a layer as raw integers, with the stuck bit applied if it sits in this layer. */
function layerWeights(l: DenseLayer, k: number, fault?: WeightFault): Float64Array {
  if (!fault || fault.layer !== k) return l.wRaw;
  const w = Float64Array.from(l.wRaw);
  const i = fault.input * l.nOut + fault.output;
  w[i] = stuckValue(w[i], l.weightFormat.width, l.weightFormat.signed, fault.bit, fault.value);
  return w;
}

/** Throw unless a saturating accumulator provably never overflows (then its sum is order-free). */
function checkAccumulator(l: DenseLayer, k: number, w: Float64Array, loA: number, hiA: number, fA: number): void {
  const acc = l.accumFormat;
  if (acc.overflow === "WRAP") return;
  const fW = fracBits(l.weightFormat), fB = fracBits(l.biasFormat);
  const lo = rawLow(acc), hi = rawMax(acc);
  const symLo = acc.overflow === "SAT_SYM" && acc.signed;
  for (let j = 0; j < l.nOut; j++) {
    const b = castRaw(l.bRaw[j], fB, acc);
    let pos = Math.max(0, b), neg = Math.min(0, b);
    for (let i = 0; i < l.nIn; i++) {
      const wi = w[i * l.nOut + j];
      const p1 = loA * wi, p2 = hiA * wi;
      pos += Math.max(0, castRaw(Math.max(p1, p2), fA + fW, acc));
      neg += Math.min(0, castRaw(Math.min(p1, p2), fA + fW, acc));
    }
    if (pos > hi || (symLo ? neg <= lo : neg < lo)) {
      throw new RangeError(`layer ${k}: the saturating accumulator ${formatFixed(acc)} can overflow for output ${j}; the RTL generator needs a wrapping accumulator (AP_WRAP, the hls4ml default) or one wide enough never to saturate`);
    }
  }
}

export function denseCore(model: DenseNetModel, header: string[], fault?: WeightFault): DenseCoreResult {
  const spec = model.spec;
  const inFmt = spec.inputFormat, outFmt = spec.outputFormat;
  const NF = spec.nFeatures, IW = inFmt.width, OW = outFmt.width;
  if (fault) checkWeightFault(model, fault);
  const body: string[] = [];
  const stages: StageRegs[] = [];
  let multipliers = 0;

  // Layer inputs as signed vectors (unsigned formats get a zero sign bit).
  const WX = signedRawWidth(inFmt);
  for (let i = 0; i < NF; i++) {
    const bits = `in_features[${i * IW} +: ${IW}]`;
    body.push(`wire signed [${WX - 1}:0] x${i} = ${inFmt.signed ? bits : `{1'b0, ${bits}}`};`);
  }
  let a = Array.from({ length: NF }, (_, i) => `x${i}`);
  let WA = WX, fA = fracBits(inFmt);
  let loA = rawLow(inFmt), hiA = rawMax(inFmt);

  for (const [k, l] of spec.layers.entries()) {
    const w = layerWeights(l, k, fault);
    checkAccumulator(l, k, w, loA, hiA, fA);
    const acc = l.accumFormat, res = l.resultFormat;
    const AW = acc.width, fAcc = fracBits(acc), fW = fracBits(l.weightFormat), fR = fracBits(res);
    const WW = signedRawWidth(l.weightFormat);
    const P = WA + WW;
    body.push("");
    body.push(`// layer ${k}: ${l.nIn} -> ${l.nOut} ${l.activation}; weights ${formatFixed(l.weightFormat)}, bias ${formatFixed(l.biasFormat)},`);
    body.push(`//   accum ${formatFixed(acc)}, result ${formatFixed(res)}${l.activation === "leaky_relu" ? `, alpha ${l.alpha} as ${formatFixed(l.alphaFormat)}` : ""}`);
    body.push(...quantizeFunction(`l${k}_prod`, P, fA + fW, fAcc, acc.quant, AW));
    const accIn = acc.signed ? AW : AW + 1;
    body.push(...castFunction(`l${k}_result`, accIn, fAcc, res));
    // Stage 1: products, each in accum_t's bits (modulo 2^AW: see the file comment).
    const decls: string[] = [], assigns: string[] = [];
    const terms: string[][] = Array.from({ length: l.nOut }, () => []);
    for (let j = 0; j < l.nOut; j++) {
      for (let i = 0; i < l.nIn; i++) {
        const wij = w[i * l.nOut + j];
        if (wij === 0) continue;
        multipliers++;
        const name = `l${k}_p${j}_${i}`;
        const note = fault && fault.layer === k && fault.input === i && fault.output === j ? `  // STUCK BIT: weight ${l.wRaw[i * l.nOut + j]} with bit ${fault.bit} stuck at ${fault.value}` : "";
        decls.push(`reg [${AW - 1}:0] ${name};`);
        assigns.push(`${name} <= l${k}_prod(${sext(a[i], WA, P)} * ${sLit(wij, P)});${note}`);
        terms[j].push(name);
      }
    }
    stages.push({ decls, assigns });
    const sums = sumStages(`l${k}_`, terms, AW, stages);
    // Last stage: bias, cast to result_t, activation.
    const d2: string[] = [], a2: string[] = [];
    const WRes = signedRawWidth(res);
    const next: string[] = [];
    if (l.activation === "leaky_relu") {
      const WAl = signedRawWidth(l.alphaFormat);
      body.push(...castFunction(`l${k}_leak`, WRes + WAl, fracBits(l.alphaFormat) + fR, res));
    }
    for (let j = 0; j < l.nOut; j++) {
      const bias = castRaw(l.bRaw[j], fracBits(l.biasFormat), acc);
      const accName = `l${k}_acc${j}`, rName = `l${k}_r${j}`, out = `l${k}_y${j}`;
      d2.push(`wire [${AW - 1}:0] ${accName} = ${sums[j]} + ${AW}'d${twos(bias, AW)};  // + bias ${bias}`);
      const accSigned = acc.signed ? accName : `{1'b0, ${accName}}`;
      const rBits = `l${k}_result(${accSigned})`;
      d2.push(`wire signed [${WRes - 1}:0] ${rName} = ${res.signed ? rBits : `{1'b0, ${rBits}}`};`);
      d2.push(`reg signed [${WRes - 1}:0] ${out};`);
      if (l.activation === "relu" && res.signed) {
        a2.push(`${out} <= ${rName}[${WRes - 1}] ? ${WRes}'sd0 : ${rName};`);
      } else if (l.activation === "leaky_relu" && res.signed) {
        const WAl = signedRawWidth(l.alphaFormat);
        const leak = `l${k}_leak(${sext(rName, WRes, WRes + WAl)} * ${sLit(l.alphaRaw, WRes + WAl)})`;
        a2.push(`${out} <= ${rName}[${WRes - 1}] ? ${leak} : ${rName};`);
      } else {
        a2.push(`${out} <= ${rName};`);
      }
      next.push(out);
    }
    stages.push({ decls: d2, assigns: a2 });
    a = next;
    WA = WRes;
    fA = fR;
    loA = l.activation === "relu" ? 0 : rawLow(res);
    hiA = rawMax(res);
  }

  // The score: loss terms (squares cast to the output format), summed, then overflow once.
  const last = spec.layers[spec.layers.length - 1];
  const fLast = fracBits(last.resultFormat), fIn = fracBits(inFmt);
  const latencyBeforeLoss = stages.length;
  const sqDecls: string[] = [], sqAssigns: string[] = [];
  const lossTerms: string[] = [];
  let termFrac: number, DW: number;
  if (model.kind === "vae") {
    termFrac = 2 * fLast;
    DW = WA;
  } else {
    // AE: the inputs wait for the network's latency, then d = x·2^(fDiff−fIn) − x̂·2^(fDiff−fLast).
    const fDiff = Math.max(fIn, fLast);
    termFrac = 2 * fDiff;
    DW = Math.max(WX + fDiff - fIn, WA + fDiff - fLast) + 1;
    const delayDecls: string[][] = Array.from({ length: latencyBeforeLoss }, () => []);
    const delayAssigns: string[][] = Array.from({ length: latencyBeforeLoss }, () => []);
    for (let i = 0; i < NF; i++) {
      for (let s = 1; s <= latencyBeforeLoss; s++) {
        delayDecls[s - 1].push(`reg signed [${WX - 1}:0] x${i}_d${s};`);
        delayAssigns[s - 1].push(`x${i}_d${s} <= ${s === 1 ? `x${i}` : `x${i}_d${s - 1}`};`);
      }
    }
    for (let s = 0; s < latencyBeforeLoss; s++) {
      stages[s].decls.push(...delayDecls[s]);
      stages[s].assigns.push(...delayAssigns[s]);
    }
    const shl = (e: string, from: number, sh: number) => (sh === 0 ? sext(e, from, DW) : sext(`{${e}, ${sh}'d0}`, from + sh, DW));
    for (let kk = 0; kk < a.length; kk++) {
      sqDecls.push(`wire [${DW - 1}:0] diff${kk} = ${shl(`x${kk}_d${latencyBeforeLoss}`, WX, fDiff - fIn)} - ${shl(a[kk], WA, fDiff - fLast)};`);
    }
    a = a.map((_, kk) => `diff${kk}`);
  }
  const SQ = 2 * DW;
  body.push("");
  body.push(`// score: sum of ${model.kind === "vae" ? "mu_k^2" : "(x_k - xhat_k)^2"}, each square cast to ${formatFixed(outFmt)}`);
  body.push(...castFunction("loss_term", SQ, termFrac, outFmt));
  for (let kk = 0; kk < a.length; kk++) {
    const name = `loss_t${kk}`;
    sqDecls.push(`reg [${OW - 1}:0] ${name};`);
    sqAssigns.push(`${name} <= loss_term(${sext(a[kk], DW, SQ)} * ${sext(a[kk], DW, SQ)});`);
    lossTerms.push(name);
  }
  stages.push({ decls: sqDecls, assigns: sqAssigns });
  // The largest loss term (casts are monotone), for the AP_SAT_ZERO check below.
  const maxA = Math.max(-loA, hiA);
  const maxD = model.kind === "vae" ? maxA : Math.max(-rawLow(inFmt), rawMax(inFmt)) * 2 ** (Math.max(fIn, fLast) - fIn) + maxA * 2 ** (Math.max(fIn, fLast) - fLast);
  const termMax = castRaw(maxD * maxD, termFrac, outFmt);
  let score: string;
  if (outFmt.overflow === "WRAP") {
    const [total] = sumStages("loss_", [lossTerms], OW, stages);
    const decls = [`reg [${OW - 1}:0] score_q;`];
    stages.push({ decls, assigns: [`score_q <= ${total};`] });
    score = "score_q";
  } else {
    const SW = Math.max(signedRawWidth(outFmt), OW) + Math.ceil(Math.log2(lossTerms.length + 1)) + 2;
    if (outFmt.overflow === "SAT_ZERO" && termMax * lossTerms.length > rawMax(outFmt)) {
      throw new RangeError(`the output format ${formatFixed(outFmt)} (AP_SAT_ZERO) can overflow in the loss sum; its result would depend on the order of the additions, which the RTL generator does not reproduce`);
    }
    const zext = (t: string) => `{${SW - OW}'d0, ${t}}`;
    const [total] = sumStages("loss_", [lossTerms.map(zext)], SW, stages);
    body.push(...overflowFunction("score_overflow", SW, outFmt));
    stages.push({ decls: [`reg [${OW - 1}:0] score_q;`], assigns: [`score_q <= score_overflow(${total});`] });
    score = "score_q";
  }
  const verilog = coreModule({ header, nFeatures: NF, inWidth: IW, outWidth: OW, body, stages, score, saturated: saturatedExpr(score, outFmt) });
  return { verilog, latency: stages.length, multipliers };
}
