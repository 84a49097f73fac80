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

/** Channels monitored when none are given: everything, multijet, leptonic, high HT. */
export const DEFAULT_SELECTIONS = ["all:", "multijet:jets>=4", "lepton:egammas>=1", "dimuon:muons>=2", "highHT:ht>=50"];

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
