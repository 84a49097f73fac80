/**
 * The DarkMachines anomaly-score challenge CSV (Aarrestad et al., SciPost Phys. 12, 043 (2022),
 * arXiv:2105.14027; data on Zenodo via phenomldata.org): one event per line,
 *
 * ```
 * event ID;process ID;event weight;MET;METphi;obj1,E1,pt1,eta1,phi1;obj2,E2,pt2,eta2,phi2;…
 * ```
 * energies and momenta in MeV, object codes j (jet), b (b-jet), e-, e+, m-, m+, g (photon).
 *
 * Reading maps the objects to L1-like kinds and quantises them with src/events/scales.ts:
 * j, b → jets; e±, g → e/γ; m± → muons (charge −1/+1, η/φ at the vertex and at the station the
 * same); MET, METphi → the MET sum. Events are packed one per BX on BX 1..3564, orbit after orbit.
 * Kept per event: the weight (`OrbitBatch.weight`) and the process (`OrbitBatch.process`; label 0
 * for the challenge's Standard Model processes, 255 for anything else). Counted as lost on read
 * (`DarkMachinesReadLoss`): E, the b-tag, e vs γ, objects beyond the L1 caps, values beyond the
 * hardware fields (saturated).
 *
 * Writing is the reverse; it drops what the CSV has no place for (τ, sums other than MET, muon
 * quality/isolation/…, e/γ and jet isolation, orbit/BX: events are numbered in order), and says so.
 */
import { closeSync, openSync, writeSync } from "node:fs";
import { allocateBatch, BX_MIN, BX_PER_ORBIT, CAPS, type OrbitBatch } from "../events/batch.js";
import {
  CALO, caloEtaFromHw, caloEtaToHw, caloEtFromHw, caloEtToHw, caloPhiFromHw, caloPhiToHw, muonEtaFromHw, muonEtaToHw,
  muonPhiFromHw, muonPhiToHw, muonPtFromHw, muonPtToHw, muonStationEtaToHw, MUON,
} from "../events/scales.js";
import { FileFormatError } from "./errors.js";
import { textLines } from "./text-lines.js";

/** Standard Model processes of the challenge's background (arXiv:2105.14027, table 1). */
export const DARKMACHINES_SM_PROCESSES = new Set([
  "njets", "w_jets", "wjets", "gam_jets", "gamjets", "z_jets", "zjets", "ttbar", "wtop", "wtopbar", "ww", "wz", "zz",
  "single_top", "single_topbar", "ttbarW", "ttbarZ", "ttbarHiggs", "ttbarWW", "ttbarGam", "atop", "zw", "2gam", "Wgam", "Zgam",
]);
/** Label of events whose process is not one of the SM background processes. */
export const DARKMACHINES_OTHER_LABEL = 255;
/** Longest line we accept (an event with hundreds of objects is ~20 kB). */
export const MAX_DARKMACHINES_LINE = 256 * 1024;
const MEV = 1000;

/** What reading had to give up, by reason. */
export interface DarkMachinesReadLoss {
  energies: number;
  bTags: number;
  photonsAsEgamma: number;
  overCap: Record<"muon" | "jet" | "egamma", number>;
  saturated: number;
}

export function looksLikeDarkMachines(text: string): boolean {
  const line = text.split("\n").find((l) => l.trim() !== "")?.trim() ?? "";
  const f = line.split(";");
  if (f.length < 5) return false;
  if (![f[2], f[3], f[4]].every((x) => x.trim() !== "" && Number.isFinite(Number(x)))) return false;
  return f.slice(5).every((o) => o.trim() === "" || /^(j|b|e-|e\+|m-|m\+|g),/.test(o.trim()));
}


interface Obj {
  pt: number;
  eta: number;
  phi: number;
  charge: number;
}
interface Parsed {
  weight: number;
  process: string;
  met: number;
  metPhi: number;
  muons: Obj[];
  jets: Obj[];
  egammas: Obj[];
}

function parseLine(path: string, lineNo: number, text: string, loss: DarkMachinesReadLoss): Parsed {
  const fail = (why: string): never => {
    throw new FileFormatError(path, `line ${lineNo}: ${why}`);
  };
  const f = text.trim().replace(/;$/, "").split(";");
  if (f.length < 5) fail(`expected "event;process;weight;MET;METphi;objects…", got ${f.length} fields`);
  const num = (s: string, what: string): number => {
    const v = Number(s);
    if (s.trim() === "" || !Number.isFinite(v)) fail(`${what} "${s}" is not a number`);
    return v;
  };
  const p: Parsed = {
    process: f[1].trim(), weight: num(f[2], "weight"), met: num(f[3], "MET") / MEV, metPhi: num(f[4], "METphi"),
    muons: [], jets: [], egammas: [],
  };
  if (p.met < 0) fail(`MET ${f[3]} is negative`);
  for (let k = 5; k < f.length; k++) {
    const o = f[k].split(",");
    if (o.length !== 5) fail(`object ${k - 4} "${f[k]}": expected code,E,pt,eta,phi`);
    const code = o[0].trim();
    const obj = { pt: num(o[2], "pt") / MEV, eta: num(o[3], "eta"), phi: num(o[4], "phi"), charge: 0 };
    num(o[1], "E");
    if (obj.pt < 0) fail(`object ${k - 4} has negative pt`);
    loss.energies++;
    if (code === "j" || code === "b") {
      if (code === "b") loss.bTags++;
      p.jets.push(obj);
    } else if (code === "e-" || code === "e+" || code === "g") {
      if (code === "g") loss.photonsAsEgamma++;
      p.egammas.push(obj);
    } else if (code === "m-" || code === "m+") {
      obj.charge = code === "m-" ? -1 : 1;
      p.muons.push(obj);
    } else fail(`object ${k - 4} has code "${code}", expected one of j b e- e+ m- m+ g`);
  }
  return p;
}

/** Keep the `cap` highest-pT objects (the L1 trigger sorts and truncates too). */
function leading(list: Obj[], cap: number, kind: keyof DarkMachinesReadLoss["overCap"], loss: DarkMachinesReadLoss): Obj[] {
  list.sort((a, b) => b.pt - a.pt);
  if (list.length > cap) loss.overCap[kind] += list.length - cap;
  return list.slice(0, cap);
}

function toBatch(orbit: number, events: Parsed[], loss: DarkMachinesReadLoss): OrbitBatch {
  const sel = events.map((e) => ({
    mu: leading(e.muons, CAPS.muon, "muon", loss), jet: leading(e.jets, CAPS.jet, "jet", loss), eg: leading(e.egammas, CAPS.egamma, "egamma", loss),
  }));
  const sum = (k: "mu" | "jet" | "eg") => sel.reduce((s, x) => s + x[k].length, 0);
  const b = allocateBatch(orbit, { nBx: events.length, muons: sum("mu"), jets: sum("jet"), egammas: sum("eg"), taus: 0 }, true);
  b.weight = new Float32Array(events.length);
  b.process = [];
  const sat = (v: number, lo: number, hi: number) => {
    if (v <= lo || v >= hi) loss.saturated++;
  };
  let im = 0, ij = 0, ie = 0;
  events.forEach((e, i) => {
    b.bx[i] = BX_MIN + i;
    b.weight![i] = e.weight;
    b.process!.push(e.process);
    b.label![i] = DARKMACHINES_SM_PROCESSES.has(e.process) ? 0 : DARKMACHINES_OTHER_LABEL;
    b.sums.hwMissEt[i] = caloEtToHw(e.met, CALO.fields.sumEt);
    sat(b.sums.hwMissEt[i], -1, CALO.fields.sumEt.max);
    b.sums.hwMissEtPhi[i] = caloPhiToHw(e.metPhi);
    for (const m of sel[i].mu) {
      const mu = b.muons;
      mu.hwPt[im] = muonPtToHw(m.pt);
      sat(mu.hwPt[im], 0, MUON.fields.hwPt.max);
      mu.hwEtaAtVtx[im] = muonEtaToHw(m.eta);
      mu.hwEta[im] = muonStationEtaToHw(m.eta);
      sat(mu.hwEtaAtVtx[im], MUON.fields.hwEta.min, MUON.fields.hwEta.max);
      mu.hwPhiAtVtx[im] = mu.hwPhi[im] = muonPhiToHw(m.phi);
      mu.hwCharge[im] = m.charge;
      im++;
    }
    b.muons.offset[i + 1] = im;
    const calo = (list: Obj[], block: OrbitBatch["jets"], et: typeof CALO.fields.jetEt, at: number): number => {
      for (const o of list) {
        block.hwEt[at] = Math.max(1, caloEtToHw(o.pt, et)); // ET 0 means "no object" on the link
        sat(block.hwEt[at], 0, et.max);
        block.hwEta[at] = caloEtaToHw(o.eta);
        sat(block.hwEta[at], CALO.fields.hwEta.min, CALO.fields.hwEta.max);
        block.hwPhi[at] = caloPhiToHw(o.phi);
        at++;
      }
      return at;
    };
    ij = calo(sel[i].jet, b.jets, CALO.fields.jetEt, ij);
    b.jets.offset[i + 1] = ij;
    ie = calo(sel[i].eg, b.egammas, CALO.fields.egEt, ie);
    b.egammas.offset[i + 1] = ie;
  });
  return b;
}

export interface DarkMachinesReadOptions {
  firstOrbit?: number;
  /** Filled as the file is read. */
  loss?: DarkMachinesReadLoss;
}

export function emptyDarkMachinesLoss(): DarkMachinesReadLoss {
  return { energies: 0, bTags: 0, photonsAsEgamma: 0, overCap: { muon: 0, jet: 0, egamma: 0 }, saturated: 0 };
}

/** The events of a DarkMachines CSV as OrbitBatches (3564 events per orbit). */
export function* readDarkMachines(path: string, opts: DarkMachinesReadOptions = {}): Generator<OrbitBatch> {
  const loss = opts.loss ?? emptyDarkMachinesLoss();
  let orbit = opts.firstOrbit ?? 1;
  let pending: Parsed[] = [];
  for (const [lineNo, text] of textLines(path, MAX_DARKMACHINES_LINE)) {
    if (text.trim() === "" || text.startsWith("#")) continue;
    pending.push(parseLine(path, lineNo, text, loss));
    if (pending.length === BX_PER_ORBIT) {
      yield toBatch(orbit++, pending, loss);
      pending = [];
    }
  }
  if (pending.length > 0) yield toBatch(orbit, pending, loss);
}

/** What writing a batch as DarkMachines CSV leaves out, by kind. */
export interface DarkMachinesWriteLoss {
  taus: number;
  /** Events with a non-zero sum other than MET. */
  otherSums: number;
  /** Muons with hardware fields beyond pT, η, φ, charge set (quality, isolation, …). */
  muonFields: number;
  /** Calo objects with isolation/quality bits set. */
  caloIso: number;
  /** Muons of charge 0 ("not valid"), written as m-. */
  unknownCharge: number;
  /** orbit/BX are not kept (events numbered in order). */
  events: number;
}

const fmt = (x: number) => String(Math.round(x * 1e4) / 1e4);

/** Streaming DarkMachines CSV writer. */
export class DarkMachinesWriter {
  private fd: number;
  private n = 0;
  readonly loss: DarkMachinesWriteLoss = { taus: 0, otherSums: 0, muonFields: 0, caloIso: 0, unknownCharge: 0, events: 0 };

  constructor(readonly path: string) {
    try {
      this.fd = openSync(path, "w");
    } catch (err) {
      throw new Error(`${path}: cannot create file (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
  }

  get events(): number {
    return this.n;
  }

  append(b: OrbitBatch): void {
    const out: string[] = [];
    for (let i = 0; i < b.nBx; i++) {
      const process = b.process?.[i] ?? (b.label && b.label[i] !== 0 ? `label${b.label[i]}` : "background");
      const weight = b.weight ? b.weight[i] : 1;
      const s = b.sums;
      if (s.hwTotalEt[i] || s.hwTotalEtEm[i] || s.hwTotalHt[i] || s.hwMissHt[i] || s.hwMissEtHF[i] || s.hwMissHtHF[i] || s.hwTowerCount[i]) this.loss.otherSums++;
      const fields = [String(++this.n), process, String(weight), fmt(caloEtFromHw(s.hwMissEt[i]) * MEV), fmt(caloPhiFromHw(s.hwMissEtPhi[i]))];
      const obj = (code: string, pt: number, eta: number, phi: number) =>
        fields.push(`${code},${fmt(pt * Math.cosh(eta) * MEV)},${fmt(pt * MEV)},${fmt(eta)},${fmt(phi)}`);
      const m = b.muons;
      for (let k = m.offset[i]; k < m.offset[i + 1]; k++) {
        if (m.hwQual[k] || m.hwIso[k] || m.hwDXY[k] || m.hwPtUnconstrained[k] || m.tfMuonIndex[k] || m.hwEta[k] !== m.hwEtaAtVtx[k] || m.hwPhi[k] !== m.hwPhiAtVtx[k]) this.loss.muonFields++;
        if (m.hwCharge[k] === 0) this.loss.unknownCharge++;
        obj(m.hwCharge[k] > 0 ? "m+" : "m-", muonPtFromHw(m.hwPt[k]), muonEtaFromHw(m.hwEtaAtVtx[k]), muonPhiFromHw(m.hwPhiAtVtx[k]));
      }
      for (const [block, code] of [[b.jets, "j"], [b.egammas, "g"]] as const) {
        for (let k = block.offset[i]; k < block.offset[i + 1]; k++) {
          if (block.hwIso[k]) this.loss.caloIso++;
          obj(code, caloEtFromHw(block.hwEt[k]), caloEtaFromHw(block.hwEta[k]), caloPhiFromHw(block.hwPhi[k]));
        }
      }
      this.loss.taus += b.taus.offset[i + 1] - b.taus.offset[i];
      out.push(fields.join(";") + ";");
    }
    this.loss.events += b.nBx;
    if (out.length) writeSync(this.fd, out.join("\n") + "\n");
  }

  close(): number {
    if (this.fd >= 0) {
      closeSync(this.fd);
      this.fd = -1;
    }
    return this.n;
  }
}
