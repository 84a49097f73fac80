/**
 * L1 trigger emulation: physics objects of one bunch crossing -> what the Run-3 L1 trigger sends
 * to scouting (uGMT muons, calo layer-2 jets / e/γ / τ, energy sums), in hardware units.
 *
 * Per BX and object kind:
 *  1. acceptance and threshold (`TriggerConfig`: |η| < etaMax, pT > ptMin);
 *  2. quantisation with the real scales and bit widths (src/events/scales.ts, CMSSW sources
 *     there): pT/ET and η saturate at the field limits, φ wraps (it is periodic); a calo object
 *     whose ET quantises to 0 does not exist (the CMSSW calo unpacker drops ET = 0 objects);
 *  3. sort by decreasing hardware pT. Tie rule: equal hwPt -> smaller hwEta first, then smaller
 *     hwPhi, then input order. The order thus depends only on the quantised values, not on how
 *     the input happened to be listed;
 *  4. truncation at the caps (CAPS in src/events/batch.ts: 8 muons, 12 jets/e/γ/τ);
 *  5. energy sums recomputed from the accepted, quantised objects *before* truncation (the real
 *     sums come from towers, so objects dropped by the readout cap still count), in hardware
 *     counts, saturating at the 12-bit field maximum.
 * A BX with no accepted object is not stored (BX-level zero suppression, as the scouting
 * firmware does); its label is lost with it.
 */
import { BX_MAX, BX_MIN, CAPS, type OrbitBatch } from "../events/batch.js";
import {
  CALO, CALO_TOWER_PHI_STEP, type Field, caloEtToHw, caloEtaToHw, caloTowerPhiToHw, muonEtaToHw, muonPhiToHw, muonPtToHw,
  muonPtUnconstrainedToHw, saturate,
} from "../events/scales.js";
import { OrbitBuilder, type CaloBuffer } from "./builder.js";
import { triggerConfig, type TriggerConfig, type TriggerPreset } from "./config.js";
import {
  KIND_EGAMMA, KIND_JET, KIND_MUON, KIND_TAU, PhysicsScratch, type PhysicsEvent,
} from "./physics.js";

/** Quality the uGMT assigns to well-measured muons (4-bit field; ≥ 12 is the "single muon" quality). */
export const GOOD_MUON_QUALITY = 12;

/**
 * φ bending between vertex and muon station: Δφ ≈ −q · k / pT. k ≈ 0.3 · B · r / 2 with B = 3.8 T
 * and r ≈ 1.3 m (bending inside the solenoid), rounded; an approximation, not a field map.
 */
export const MUON_BEND_RAD_GEV = 0.75;
const MAX_BEND_RAD = 0.5;

/**
 * uGMT input numbering of `tfMuonIndex`: EMTF− 0–17, OMTF− 18–35, BMTF 36–71, OMTF+ 72–89,
 * EMTF+ 90–107; 3 muons per sector link, 12 BMTF sectors and 6 OMTF/EMTF sectors per side.
 * (The numbering is recalled from the uGMT input-link order, not re-checked against CMSSW.)
 * Track-finder η boundaries BMTF |η| < 0.83, OMTF < 1.24, EMTF to 2.4 (L1 menu/DQM configs).
 */
export function tfMuonIndex(eta: number, phi: number): number {
  const aeta = Math.abs(eta);
  const phi01 = (((phi / (2 * Math.PI)) % 1) + 1) % 1; // φ as a fraction of a turn, in [0, 1)
  if (aeta < 0.83) return 36 + 3 * Math.min(11, Math.floor(phi01 * 12));
  const sector = 3 * Math.min(5, Math.floor(phi01 * 6));
  if (aeta < 1.24) return (eta < 0 ? 18 : 72) + sector;
  return (eta < 0 ? 0 : 90) + sector;
}

const COS_CALO = new Float64Array(CALO.phiSteps);
const SIN_CALO = new Float64Array(CALO.phiSteps);
for (let k = 0; k < CALO.phiSteps; k++) {
  COS_CALO[k] = Math.cos(k * CALO_TOWER_PHI_STEP);
  SIN_CALO[k] = Math.sin(k * CALO_TOWER_PHI_STEP);
}

/** Quantised, accepted objects of one kind in one BX, with their sort order. */
class KindList {
  n = 0;
  src = new Int32Array(64); // index into the scratch
  hwPt = new Int32Array(64);
  hwEta = new Int32Array(64);
  hwPhi = new Int32Array(64);
  order = new Int32Array(64);

  push(src: number, hwPt: number, hwEta: number, hwPhi: number): void {
    if (this.n === this.src.length) this.grow();
    const i = this.n++;
    this.src[i] = src;
    this.hwPt[i] = hwPt;
    this.hwEta[i] = hwEta;
    this.hwPhi[i] = hwPhi;
  }

  /** Insertion sort of `order` by (hwPt desc, hwEta asc, hwPhi asc); stable, lists are short. */
  sort(): void {
    const { order, hwPt, hwEta, hwPhi } = this;
    for (let i = 0; i < this.n; i++) {
      const a = i;
      let j = i - 1;
      while (j >= 0) {
        const b = order[j];
        const before = hwPt[a] > hwPt[b] || (hwPt[a] === hwPt[b] && (hwEta[a] < hwEta[b] || (hwEta[a] === hwEta[b] && hwPhi[a] < hwPhi[b])));
        if (!before) break;
        order[j + 1] = b;
        j--;
      }
      order[j + 1] = a;
    }
  }

  private grow(): void {
    const cap = this.src.length * 2;
    for (const key of ["src", "hwPt", "hwEta", "hwPhi", "order"] as const) {
      const next = new Int32Array(cap);
      next.set(this[key]);
      this[key] = next;
    }
  }
}

/** A sum already in 0.5-GeV counts, rounded and saturated to the 12-bit sum field. */
function sumHw(counts: number): number {
  return saturate(Math.round(counts), CALO.fields.sumEt);
}
/** |(x, y)| in sum counts, rounded and saturated to the 12-bit field. */
function magnitudeHw(x: number, y: number): number {
  return sumHw(Math.sqrt(x * x + y * y)); // sqrt, not Math.hypot: no overflow risk here and much faster in V8
}
/** φ of the *missing* momentum −(x, y); 0 when the rounded magnitude is 0. */
function missingPhiHw(x: number, y: number, magnitude: number): number {
  return magnitude === 0 ? 0 : caloTowerPhiToHw(Math.atan2(-y, -x));
}

/** Absolute calo η of each hardware η count (−128..127), for the sum definitions. */
const ABS_CALO_ETA = new Float64Array(256);
for (let hw = -128; hw < 128; hw++) ABS_CALO_ETA[hw + 128] = Math.abs(hw * CALO.etaScale);

export class TriggerEmulator {
  readonly config: TriggerConfig;
  private readonly builder = new OrbitBuilder();
  private readonly muons = new KindList();
  private readonly jets = new KindList();
  private readonly egammas = new KindList();
  private readonly taus = new KindList();

  constructor(config?: TriggerConfig | TriggerPreset) {
    this.config = triggerConfig(config);
  }

  beginOrbit(orbit: number, withLabels = false): void {
    this.builder.begin(orbit, withLabels);
  }

  /**
   * Emulate one bunch crossing. BX numbers must ascend within an orbit. Returns whether the BX was
   * stored (false when nothing passed the acceptance).
   */
  addBx(bx: number, ev: PhysicsScratch, label = 0): boolean {
    if (!Number.isInteger(bx) || bx < BX_MIN || bx > BX_MAX) throw new RangeError(`BX ${bx} outside ${BX_MIN}..${BX_MAX}`);
    if (bx <= this.builder.lastBx) throw new RangeError(`BX ${bx} after BX ${this.builder.lastBx}: bunch crossings must ascend`);
    if (!Number.isInteger(label) || label < 0 || label > 255) throw new RangeError(`label ${label} outside 0..255`);
    this.collect(ev);
    if (this.muons.n + this.jets.n + this.egammas.n + this.taus.n === 0) return false;
    this.writeMuons(ev);
    this.writeCalo(this.jets, this.builder.jet, CAPS.jet);
    this.writeCalo(this.egammas, this.builder.egamma, CAPS.egamma);
    this.writeCalo(this.taus, this.builder.tau, CAPS.tau);
    this.writeSums();
    this.builder.commitBx(bx, label);
    return true;
  }

  finishOrbit(): OrbitBatch {
    return this.builder.finish();
  }

  /** Accept and quantise every object of the BX into the per-kind lists, then sort them. */
  private collect(ev: PhysicsScratch): void {
    const { muon, jet, egamma, tau } = this.config.acceptance;
    const muEta = muon.etaMax, muPt = muon.ptMin, jetEta = jet.etaMax, jetPt = jet.ptMin;
    const egEta = egamma.etaMax, egPt = egamma.ptMin, tauEta = tau.etaMax, tauPt = tau.ptMin;
    this.muons.n = this.jets.n = this.egammas.n = this.taus.n = 0;
    for (let i = 0; i < ev.n; i++) {
      const kind = ev.kind[i];
      const pt = ev.pt[i];
      const eta = ev.eta[i];
      const phi = ev.phi[i];
      const aeta = Math.abs(eta);
      if (kind === KIND_JET) {
        if (aeta < jetEta && pt > jetPt) pushCalo(this.jets, i, pt, eta, phi, CALO.fields.jetEt);
      } else if (kind === KIND_EGAMMA) {
        if (aeta < egEta && pt > egPt) pushCalo(this.egammas, i, pt, eta, phi, CALO.fields.egEt);
      } else if (kind === KIND_TAU) {
        if (aeta < tauEta && pt > tauPt) pushCalo(this.taus, i, pt, eta, phi, CALO.fields.tauEt);
      } else if (kind === KIND_MUON) {
        if (aeta < muEta && pt > muPt) this.muons.push(i, muonPtToHw(pt), muonEtaToHw(eta), muonPhiToHw(phi));
      } // other codes (invisible particles) never reach the trigger
    }
    this.muons.sort();
    this.jets.sort();
    this.egammas.sort();
    this.taus.sort();
  }

  private writeMuons(ev: PhysicsScratch): void {
    const list = this.muons;
    const f = this.builder.muon;
    const n = Math.min(list.n, CAPS.muon);
    for (let k = 0; k < n; k++) {
      const j = list.order[k];
      const s = list.src[j];
      const o = this.builder.addMuon();
      const charge = ev.charge[s];
      const pt = ev.pt[s];
      f.hwPt[o] = list.hwPt[j];
      f.hwEtaAtVtx[o] = list.hwEta[j];
      f.hwPhiAtVtx[o] = list.hwPhi[j];
      f.hwEta[o] = list.hwEta[j]; // η barely bends: station η ≈ vertex η
      const bend = pt > 0 ? Math.min(MAX_BEND_RAD, MUON_BEND_RAD_GEV / pt) : MAX_BEND_RAD;
      f.hwPhi[o] = muonPhiToHw(ev.phi[s] - charge * bend);
      f.hwQual[o] = GOOD_MUON_QUALITY;
      f.hwCharge[o] = charge;
      f.hwIso[o] = 0;
      // Prompt muons: the unconstrained (displaced) pT equals the constrained one, 1 GeV counts + 1.
      f.hwPtUnconstrained[o] = muonPtUnconstrainedToHw(pt);
      f.hwDXY[o] = 0;
      f.tfMuonIndex[o] = tfMuonIndex(ev.eta[s], ev.phi[s]);
    }
  }

  private writeCalo(list: KindList, buf: CaloBuffer, cap: number): void {
    const n = Math.min(list.n, cap);
    const { hwEt, hwEta, hwPhi, hwIso } = buf.fields;
    for (let k = 0; k < n; k++) {
      const j = list.order[k];
      const o = this.builder.addCalo(buf);
      hwEt[o] = list.hwPt[j];
      hwEta[o] = list.hwEta[j];
      hwPhi[o] = list.hwPhi[j];
      hwIso[o] = 0;
    }
  }

  /** Sums accumulate in hardware counts (0.5 GeV) over the accepted jets and e/γ. */
  private writeSums(): void {
    const def = this.config.sums;
    const htMinCounts = def.htJetEtMin / CALO.etScale;
    let et = 0, etEm = 0, ht = 0;
    let metX = 0, metY = 0, metHFX = 0, metHFY = 0, mhtX = 0, mhtY = 0, mhtHFX = 0, mhtHFY = 0;
    for (let kind = 0; kind < 2; kind++) {
      const isJet = kind === 0;
      const list = isJet ? this.jets : this.egammas;
      for (let j = 0; j < list.n; j++) {
        const e = list.hwPt[j];
        const c = e * COS_CALO[list.hwPhi[j]];
        const s = e * SIN_CALO[list.hwPhi[j]];
        const aeta = ABS_CALO_ETA[list.hwEta[j] + 128];
        if (aeta < def.etEtaMax) {
          et += e;
          if (!isJet) etEm += e;
          metX += c;
          metY += s;
        }
        if (aeta < def.hfEtaMax) {
          metHFX += c;
          metHFY += s;
        }
        if (isJet && e > htMinCounts) {
          if (aeta < def.htEtaMax) {
            ht += e;
            mhtX += c;
            mhtY += s;
          }
          if (aeta < def.hfEtaMax) {
            mhtHFX += c;
            mhtHFY += s;
          }
        }
      }
    }
    const out = this.builder.sum;
    const i = this.builder.current;
    out.hwTotalEt[i] = sumHw(et);
    out.hwTotalEtEm[i] = sumHw(etEm);
    out.hwTotalHt[i] = sumHw(ht);
    const met = (out.hwMissEt[i] = magnitudeHw(metX, metY));
    out.hwMissEtPhi[i] = missingPhiHw(metX, metY, met);
    const mht = (out.hwMissHt[i] = magnitudeHw(mhtX, mhtY));
    out.hwMissHtPhi[i] = missingPhiHw(mhtX, mhtY, mht);
    const metHF = (out.hwMissEtHF[i] = magnitudeHw(metHFX, metHFY));
    out.hwMissEtHFPhi[i] = missingPhiHw(metHFX, metHFY, metHF);
    const mhtHF = (out.hwMissHtHF[i] = magnitudeHw(mhtHFX, mhtHFY));
    out.hwMissHtHFPhi[i] = missingPhiHw(mhtHFX, mhtHFY, mhtHF);
    out.hwTowerCount[i] = 0; // needs trigger towers, which this model does not have
  }
}

function pushCalo(list: KindList, i: number, pt: number, eta: number, phi: number, etField: Field): void {
  const hwEt = caloEtToHw(pt, etField);
  if (hwEt > 0) list.push(i, hwEt, caloEtaToHw(eta), caloTowerPhiToHw(phi));
}

/**
 * Emulate the trigger over a list of bunch crossings (the readable API; the generator uses
 * `TriggerEmulator` directly). Events are sorted by BX; two events in the same BX are an error.
 */
export function emulateTrigger(
  orbit: number, events: readonly PhysicsEvent[], config?: TriggerConfig | TriggerPreset,
): OrbitBatch {
  const emulator = new TriggerEmulator(config);
  const withLabels = events.some((e) => e.label !== undefined);
  emulator.beginOrbit(orbit, withLabels);
  const sorted = [...events].sort((a, b) => a.bx - b.bx);
  const scratch = new PhysicsScratch();
  for (let k = 0; k < sorted.length; k++) {
    if (k > 0 && sorted[k].bx === sorted[k - 1].bx) throw new RangeError(`two events in BX ${sorted[k].bx}`);
    scratch.setObjects(sorted[k].objects);
    emulator.addBx(sorted[k].bx, scratch, sorted[k].label ?? 0);
  }
  return emulator.finishOrbit();
}
