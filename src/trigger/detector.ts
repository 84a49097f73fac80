/**
 * Detector response: turns a generated four-vector into a physics object of the L1 trigger's view,
 * with a Gaussian pT resolution and a small angular smearing. Resolutions are rough L1-like values
 * (muons ~2 %, e/γ ~3 %, calo jets and τ ~10 %), chosen so signal peaks have a realistic width;
 * they are not fitted to CMS performance.
 */
import type { FourVectors } from "./kinematics.js";
import { KIND_EGAMMA, KIND_INVISIBLE, KIND_JET, KIND_MUON, KIND_TAU, type PhysicsScratch } from "./physics.js";
import type { Rng } from "./rng.js";

/** Relative pT resolution per kind code (index = kind code). */
const PT_RESOLUTION = [0.02, 0.1, 0.03, 0.1, 0];
/** Angular (η and φ) smearing per kind code, absolute. */
const ANGLE_RESOLUTION = [0.002, 0.02, 0.005, 0.01, 0];

export class Detector {
  /** With `smear` off objects keep their true kinematics (used by truth-level tests). */
  constructor(readonly smear = true) {}

  /** Emit slot `s` of `fv` as an object of `kind` (KIND_*). Particles along the beam are not seen. */
  emit(ev: PhysicsScratch, fv: FourVectors, s: number, kind: number, charge: number, rng: Rng): void {
    const pt = fv.pt(s);
    if (!(pt > 1e-9)) return;
    let eta = fv.eta(s);
    let phi = fv.phi(s);
    let smearedPt = pt;
    if (this.smear && kind !== KIND_INVISIBLE) {
      smearedPt = Math.max(0, pt * (1 + PT_RESOLUTION[kind] * rng.normal()));
      eta += ANGLE_RESOLUTION[kind] * rng.normal();
      phi += ANGLE_RESOLUTION[kind] * rng.normal();
    }
    ev.push(kind, smearedPt, eta, phi, charge);
  }

  /**
   * A hadronic τ: calo layer 2 builds both a τ candidate and a jet from the same deposit, so both
   * are emitted with the same measured momentum.
   */
  emitTauJet(ev: PhysicsScratch, fv: FourVectors, s: number, charge: number, rng: Rng): void {
    const before = ev.n;
    this.emit(ev, fv, s, KIND_TAU, charge, rng);
    if (ev.n > before) ev.push(KIND_JET, ev.pt[before], ev.eta[before], ev.phi[before], 0);
  }
}

export { KIND_EGAMMA, KIND_INVISIBLE, KIND_JET, KIND_MUON, KIND_TAU };
