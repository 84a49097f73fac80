/**
 * Monitoring selections ("generic channels"): object multiplicities and HT/MET thresholds,
 * written as `name:cut,cut,...`, e.g. `dijet:jets>=2,ht>=100` or `dimuon:muons>=2`.
 * Quantities: jets, egammas, muons, taus (counts), ht, met, minv, meff (GeV). Operators: >= > <= < ==.
 */
import type { EventColumns } from "./variables.js";

const QUANTITIES = ["jets", "egammas", "muons", "taus", "ht", "met", "minv", "meff"] as const;
type Quantity = (typeof QUANTITIES)[number];
const OPS = [">=", "<=", "==", ">", "<"] as const;
type Op = (typeof OPS)[number];

export interface Cut {
  quantity: Quantity;
  op: Op;
  value: number;
}

export interface Selection {
  name: string;
  cuts: Cut[];
  /** The text it was parsed from (for reports). */
  spec: string;
}

/**
 * Channels monitored when none are given. Every cut is an L1 quantity at a threshold that means the
 * same on generated and on real L1 data, and each keeps a small slice of zero-bias background
 * (fractions measured on `scoutloop gen` background, seeds 1-5):
 *   all       every event (the normalisation channel)
 *   diEG      ≥ 2 e/γ candidates                        ~9 % of generated background
 *   diMuon    ≥ 2 muons                                  ~0.03 % (rare; A→4ℓ puts ~60 % here)
 *   jetHT     HT ≥ 30 GeV: at least one central jet above the L1 HT jet threshold (30 GeV,
 *             |η| < 2.4; below it the HT sum is 0)     ~0.5 % (LQ→bτ ~55 %)
 *   highMET   MET ≥ 30 GeV                               ~1 %
 *   highMeff  M_eff ≥ 100 GeV                            ~1 %
 * Generated minimum bias is soft: 99.5 % of it has HT = 0, so no HT cut keeps "a few percent"
 * of it; 30 GeV is the lowest cut that selects anything and the L1 HT seeds start above it.
 */
export const DEFAULT_SELECTIONS = ["all:", "diEG:egammas>=2", "diMuon:muons>=2", "jetHT:ht>=30", "highMET:met>=30", "highMeff:meff>=100"];

export function parseSelection(text: string): Selection {
  const colon = text.indexOf(":");
  if (colon <= 0) throw new RangeError(`selection "${text}": expected name:cut,cut,... (e.g. dijet:jets>=2,ht>=100)`);
  const name = text.slice(0, colon).trim();
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new RangeError(`selection "${text}": the name may use letters, digits, _ . - only`);
  const cuts: Cut[] = [];
  for (const part of text.slice(colon + 1).split(",").map((p) => p.trim()).filter(Boolean)) {
    const op = OPS.find((o) => part.includes(o));
    if (!op) throw new RangeError(`selection "${name}": cut "${part}" has no operator (${OPS.join(" ")})`);
    const [q, v] = part.split(op).map((s) => s.trim());
    if (!(QUANTITIES as readonly string[]).includes(q)) throw new RangeError(`selection "${name}": unknown quantity "${q}" (known: ${QUANTITIES.join(", ")})`);
    const value = Number(v);
    if (v === "" || !Number.isFinite(value)) throw new RangeError(`selection "${name}": "${v}" is not a number in "${part}"`);
    cuts.push({ quantity: q as Quantity, op, value });
  }
  return { name, cuts, spec: text };
}

function column(c: EventColumns, q: Quantity): ArrayLike<number> {
  switch (q) {
    case "jets": return c.nJets;
    case "egammas": return c.nEgammas;
    case "muons": return c.nMuons;
    case "taus": return c.nTaus;
    case "ht": return c.HT;
    case "met": return c.MET;
    case "minv": return c.M_inv;
    case "meff": return c.M_eff;
  }
}

/** Mark events passing the selection: pass[i] = 1 or 0. */
export function applySelection(sel: Selection, c: EventColumns, pass: Uint8Array): Uint8Array {
  pass.fill(1, 0, c.n);
  for (const cut of sel.cuts) {
    const x = column(c, cut.quantity);
    const v = cut.value;
    for (let i = 0; i < c.n; i++) {
      const y = x[i];
      const ok = cut.op === ">=" ? y >= v : cut.op === ">" ? y > v : cut.op === "<=" ? y <= v : cut.op === "<" ? y < v : y === v;
      if (!ok) pass[i] = 0;
    }
  }
  return pass;
}
