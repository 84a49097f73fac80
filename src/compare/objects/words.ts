/** An object of a diff as the link words that carry it (src/link/words.ts), for "raw words" and XOR in the report. */
import { caloWord, muonWordF, muonWordS, sumWord } from "../../link/words.js";
import type { DiffKind } from "./fields.js";

/** Field value by name (0 for a field the source does not hold). */
export type FieldGetter = (field: string) => number;

/** Named 32-bit words of one object: muon f/s words and the 9-bit station η of the BX word; one calo word; six sum words. */
export function objectWords(kind: DiffKind, get: FieldGetter): Record<string, number> {
  switch (kind) {
    case "muon":
      return {
        f: muonWordF(get("hwPhiAtVtx"), get("hwPt"), get("hwQual"), get("hwEtaAtVtx")),
        s: muonWordS(get("hwIso"), get("hwCharge"), get("tfMuonIndex"), get("hwPhi"), get("hwPtUnconstrained"), get("hwDXY")),
        etaStation: (get("hwEta") & 0x1ff) >>> 0,
      };
    case "sums":
      return {
        et: sumWord(get("hwTotalEt"), get("hwTotalEtEm")),
        ht: sumWord(get("hwTotalHt"), get("hwTowerCount")),
        met: sumWord(get("hwMissEt"), get("hwMissEtPhi")),
        mht: sumWord(get("hwMissHt"), get("hwMissHtPhi")),
        metHF: sumWord(get("hwMissEtHF"), get("hwMissEtHFPhi")),
        mhtHF: sumWord(get("hwMissHtHF"), get("hwMissHtHFPhi")),
      };
    default:
      return { word: caloWord(kind, get("hwEt"), get("hwEta"), get("hwPhi"), get("hwIso")) };
  }
}

export const hex32 = (v: number): string => `0x${(v >>> 0).toString(16).padStart(8, "0")}`;
