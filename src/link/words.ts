/**
 * One object as the 32-bit words the scouting link carries it in (uGMT muon f/s words, calo demux
 * words, sum words; bit layout in ./format.ts and docs/link-format.md). The framer packs with these,
 * and `scoutloop diff` shows them (and their XOR) for the objects that differ.
 */
import { CALO_WORDS, MU, SUM_HI_SHIFT } from "./format.js";

/** Muon "f" word (frames 2/4): φ at vertex, pT, quality, η at vertex. */
export function muonWordF(hwPhiAtVtx: number, hwPt: number, hwQual: number, hwEtaAtVtx: number): number {
  return (
    (((hwPhiAtVtx & MU.phiExtMask) << MU.phiExtShift) |
      ((hwPt & MU.ptMask) << MU.ptShift) |
      ((hwQual & MU.qualMask) << MU.qualShift) |
      ((hwEtaAtVtx & MU.etaExtMask) << MU.etaExtShift)) >>> 0
  );
}

/** Muon "s" word (frames 3/5): isolation, charge sign and valid bits, TF index, φ at station, unconstrained pT, d_xy. */
export function muonWordS(hwIso: number, hwCharge: number, tfMuonIndex: number, hwPhi: number, hwPtUnconstrained: number, hwDXY: number): number {
  return (
    (((hwIso & MU.isoMask) << MU.isoShift) |
      ((hwCharge === -1 ? 1 : 0) << MU.chrgShift) |
      ((hwCharge !== 0 ? 1 : 0) << MU.chrgvShift) |
      ((tfMuonIndex & MU.indexMask) << MU.indexShift) |
      ((hwPhi & MU.phiMask) << MU.phiShift) |
      ((hwPtUnconstrained & MU.ptUnconMask) << MU.ptUnconShift) |
      ((hwDXY & MU.dxyMask) << MU.dxyShift)) >>> 0
  );
}

/** Calo demux word of a jet, e/γ or τ. */
export function caloWord(kind: "jet" | "egamma" | "tau", hwEt: number, hwEta: number, hwPhi: number, hwIso: number): number {
  const spec = CALO_WORDS[kind];
  return ((hwEt & spec.etMask) | ((hwEta & 0xff) << spec.etaShift) | ((hwPhi & 0xff) << spec.phiShift) | ((hwIso & 0x3) << spec.isoShift)) >>> 0;
}

/** Sum word: a 12-bit ET at bit 0 and the second field (φ or tower count) at bit 12. */
export function sumWord(lo: number, hi: number): number {
  return (lo | (hi << SUM_HI_SHIFT)) >>> 0;
}
