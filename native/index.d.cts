/** A pseudo-terminal pair: we keep the master fd; `path` is the slave (/dev/pts/N) a serial client opens. */
export interface PtyPair {
  fd: number;
  path: string;
}
/** Open a pty pair (posix_openpt/grantpt/unlockpt/ptsname), master in raw, non-blocking mode. */
export function openPty(): PtyPair;
/** Put a tty fd into raw mode (cfmakeraw). */
export function setRaw(fd: number): void;
/** Native twin of `extractFeaturesHw` in src/events/features.ts (see native/features.cc). */
export function extractFeaturesHw(
  nBx: number,
  missEt: Int32Array, missEtPhi: Int32Array,
  egOffset: Uint32Array, egEt: Int32Array, egEta: Int32Array, egPhi: Int32Array,
  muOffset: Uint32Array, muPt: Int32Array, muEtaAtVtx: Int32Array, muPhiAtVtx: Int32Array,
  jetOffset: Uint32Array, jetEt: Int32Array, jetEta: Int32Array, jetPhi: Int32Array,
  out: Int32Array,
): void;
/**
 * One pass from deframed columns to the 57 physical-unit features (`extractFeatures`) and their raw
 * input bits (`quantizeRows`), bit for bit; `scales` = [calo ET, calo η, calo φ, muon pT, muon η, muon φ].
 */
export function featuresAndInputs(
  nBx: number,
  missEt: Int32Array, missEtPhi: Int32Array,
  egOffset: Uint32Array, egEt: Int32Array, egEta: Int32Array, egPhi: Int32Array,
  muOffset: Uint32Array, muPt: Int32Array, muEtaAtVtx: Int32Array, muPhiAtVtx: Int32Array,
  jetOffset: Uint32Array, jetEt: Int32Array, jetEta: Int32Array, jetPhi: Int32Array,
  scales: Float64Array, normScale: Float64Array, normOffset: Float64Array, format: Int32Array,
  outFeatures: Float32Array, outInputs: Int32Array,
): void;
/** Link deframer (native/link.cc, twin of src/link/decodeTs.ts): next orbit header / packet trailer at or after `from`, or -1. */
export function linkFindCandidate(buf: Uint8Array, from: number, end: number): number;
/**
 * Validate and decode the structure at `p` into `scratch` (src/link/scratch.ts layout); outcome in `result`
 * (format.ts DECODE_SLOT); `walk` is the stream's block-walk memory (format.ts WALK_SLOT), read and updated.
 */
export function linkDecodeAt(buf: Uint8Array, p: number, end: number, scratch: Int32Array, result: Float64Array, walk: Float64Array): void;
/** linkFindCandidate, then linkDecodeAt at the candidate when there is one; returns the candidate position or -1. */
export function linkNext(buf: Uint8Array, from: number, end: number, scratch: Int32Array, result: Float64Array, walk: Float64Array): number;
/** SCDAQ header mode: trailer-anchored scan + decode from `pos` (twin of scanScdaq in src/link/decodeTs.ts). */
export function linkScanScdaq(
  buf: Uint8Array, pos: number, end: number, atBoundary: boolean, sds: number, scratch: Int32Array, result: Float64Array, walk: Float64Array,
): void;
/** Int32 elements the decoder's scratch area needs (must equal src/link/scratch.ts LAYOUT.total). */
export function linkScratchSize(): number;
/** CRC-32C of the whole array (hardware instruction when available). */
export function linkCrc32c(buf: Uint8Array): number;
/**
 * Native framer (native/framer.cc, twin of frameOrbit in src/link/framer.ts): the framed orbit, or
 * undefined when the TS framer must decide (any value it rejects); result[0] = objects dropped.
 * Arguments: sds (1 muon, 2 calo), crc, dropEmpty, orbit, nBx, bx, ranges (RANGE_ORDER lo/hi pairs),
 * muon offset + MUON_FIELDS, then jets, egammas, taus as (offset, hwEt, hwEta, hwPhi, hwIso), then SUM_FIELDS, result.
 */
export function linkFrameOrbit(
  sds: number, crc: boolean, dropEmpty: boolean, orbit: number, nBx: number, bx: Uint16Array, ranges: Int32Array,
  muOffset: Uint32Array, hwPt: Int32Array, hwEtaAtVtx: Int32Array, hwPhiAtVtx: Int32Array, hwEta: Int32Array, hwPhi: Int32Array,
  hwQual: Int32Array, hwCharge: Int32Array, hwIso: Int32Array, hwPtUnconstrained: Int32Array, hwDXY: Int32Array, tfMuonIndex: Int32Array,
  jetOffset: Uint32Array, jetEt: Int32Array, jetEta: Int32Array, jetPhi: Int32Array, jetIso: Int32Array,
  egOffset: Uint32Array, egEt: Int32Array, egEta: Int32Array, egPhi: Int32Array, egIso: Int32Array,
  tauOffset: Uint32Array, tauEt: Int32Array, tauEta: Int32Array, tauPhi: Int32Array, tauIso: Int32Array,
  hwTotalEt: Int32Array, hwTotalEtEm: Int32Array, hwTotalHt: Int32Array, hwMissEt: Int32Array, hwMissEtPhi: Int32Array,
  hwMissHt: Int32Array, hwMissHtPhi: Int32Array, hwMissEtHF: Int32Array, hwMissEtHFPhi: Int32Array, hwMissHtHF: Int32Array,
  hwMissHtHFPhi: Int32Array, hwTowerCount: Int32Array, result: Float64Array,
): Uint8Array | undefined;
/** Opaque compiled isolation forest / dense network (native/scoring_iforest.cc, native/scoring_nn.cc). */
export type NativeForest = { readonly __nativeForest: unique symbol };
export type NativeNet = { readonly __nativeNet: unique symbol };
/** Compile a forest (arrays as in src/scoring/iforest.ts; format = [width, int, signed, quant, overflow]). */
export function ifCompile(
  nFeatures: number, root: Int32Array, feature: Int32Array, left: Int32Array, right: Int32Array, cut: Int32Array, leafRaw: Int32Array,
  threshold: Float64Array, value: Float64Array, scoreFormat: Int32Array, strict: boolean, norm: number, initPredict: number,
  initRaw: number, scale: Float64Array, offset: Float64Array,
): NativeForest;
/** Fixed-point scores, bit-identical to IsolationForestModel.scoreFixedRaw. Default: the grouped register walk; `walk` picks another for benchmarks and cross-checks ("blocked", or "avx2"/true for the AVX2 gather walk). */
export function ifScoreFixed(forest: NativeForest, raw: Int32Array, n: number, out: Int32Array, walk?: boolean | "avx2" | "blocked"): void;
/** Same result with a plain scalar tree walk (benchmark baseline). */
export function ifScoreFixedScalar(forest: NativeForest, raw: Int32Array, n: number, out: Int32Array): void;
/** Float scores, identical to IsolationForestModel.scoreFloat. */
/** walk "scalar" forces the one-event-at-a-time node walk (default: blocked walk on the perfect layout). */
export function ifScoreFloat(forest: NativeForest, features: Float32Array, n: number, out: Float64Array, walk?: "blocked" | "scalar"): void;
/** Compile a dense network: formats = input and output formats (2 × 5 ints), meta = 28 ints per layer. */
export function nnCompile(
  vae: boolean, nFeatures: number, formats: Int32Array, meta: Int32Array, weights: Float64Array, biases: Float64Array, alphas: Float64Array,
): NativeNet;
/** Fixed-point network scores, bit-identical to DenseNetModel.scoreFixedRaw. Default: per layer the fastest path that applies; `path` forces one (where it applies; the generic scalar loop elsewhere) for benchmarks and cross-checks. */
export function nnScoreFixed(net: NativeNet, raw: Int32Array, n: number, out: Int32Array, path?: "int32" | "double" | "scalar"): void;
/** Per layer, the path nnScoreFixed takes with the same `path` argument: "int32+vector", "int32", "double" or "scalar". */
export function nnPaths(net: NativeNet, path?: "int32" | "double" | "scalar"): string[];
/** Raw ap_fixed bits of each value (native/fixed.h `quantize`); format = [width, int, signed, quant, overflow]. */
export function fxQuantize(values: Float64Array, format: Int32Array, out: Float64Array): void;
/** Normalise ((x − offset) × scale) and quantise n rows of scale.length features into raw input bits. */
export function fxQuantizeRows(features: Float32Array, n: number, scale: Float64Array, offset: Float64Array, format: Int32Array, out: Int32Array): void;
/** Convert raw bits with `fromFrac` fractional bits into `format` (native/fixed.h `castRaw`). */
export function fxCast(raw: Float64Array, fromFrac: number, format: Int32Array, out: Float64Array): void;
/** NPLM Nyström features φ = L⁻¹ k_M(x) (native/nplm.cc, twin of nystromFeatures in src/study/nplm-fit.ts). */
export function nplmFeatures(x: Float64Array, n: number, d: number, centres: Float64Array, m: number, sigma: number, chol: Float64Array, out: Float64Array): void;
/** NPLM weighted L2 logistic Newton fit (twin of weightedLogistic); info ← [objective, iterations, converged, hessianFailed]. */
export function nplmNewton(phi: Float64Array, n: number, m: number, y: Uint8Array, w: Float64Array, lambda: number, maxIter: number, tol: number, beta: Float64Array, f: Float64Array, info: Float64Array): void;
/** Board protocol SCORE payload of events [first, first + n) (native/hil_codec.cc; twin of encodeScore's loop in src/hil/codec.ts). */
export function hilPackScore(orbit: Uint32Array, bx: Uint16Array, features: Int32Array, nFeatures: number, first: number, n: number, out: Uint8Array): void;
/** SCORE payload (length already checked) into columnar arrays. */
export function hilUnpackScore(payload: Uint8Array, n: number, nFeatures: number, orbit: Uint32Array, bx: Uint16Array, features: Int32Array): void;
/** SCORE_REPLY payload of n events. */
export function hilPackReply(n: number, orbit: Uint32Array, bx: Uint16Array, flags: Uint8Array, score: Int32Array, ingress: Float64Array, egress: Float64Array, out: Uint8Array): void;
/** SCORE_REPLY payload (length already checked) into columnar arrays. */
export function hilUnpackReply(payload: Uint8Array, n: number, orbit: Uint32Array, bx: Uint16Array, flags: Uint8Array, score: Int32Array, ingress: Float64Array, egress: Float64Array): void;
/** Emulator reply flags: SATURATED when the raw score sits on a saturating bound, INPUT_OVERFLOW when a feature is outside [inMin, inMax]. */
export function hilReplyFlags(features: Int32Array, n: number, nFeatures: number, inMin: number, inMax: number, raw: Int32Array, outMin: number, outMax: number, outSaturates: boolean, flags: Uint8Array): void;
