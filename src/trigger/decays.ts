/**
 * Decay chains shared by signals and background: τ decays, W/Z-like decays, resonance production.
 * Every step is a two-body decay in the parent's rest frame, boosted to the lab (FourVectors.decay),
 * so invariant masses of the products reconstruct the parent. Three-body decays are approximated by
 * a two-body decay into one visible particle and one invisible system of sampled mass.
 *
 * Masses and branching fractions: PDG Review of Particle Physics (τ 1.77686 GeV, W 80.37 GeV
 * Γ 2.09, Z 91.19 GeV Γ 2.50, t 172.5 GeV, b 4.18 GeV; τ → eνν 17.8 %, μνν 17.4 %; hadronic modes
 * grouped as π (≈ 11 %), ρ (≈ 26 %), a1-like (the rest)).
 */
import type { Detector } from "./detector.js";
import type { FourVectors } from "./kinematics.js";
import { KIND_EGAMMA, KIND_INVISIBLE, KIND_JET, KIND_MUON, type PhysicsScratch } from "./physics.js";
import type { Rng } from "./rng.js";

export const MASS = {
  tau: 1.77686,
  muon: 0.10566,
  pion: 0.13957,
  rho: 0.77526,
  a1: 1.23,
  b: 4.18,
  W: 80.37,
  Z: 91.19,
  top: 172.5,
} as const;
export const WIDTH = { W: 2.09, Z: 2.5 } as const;

/** Everything a decay step needs. */
export interface DecayContext {
  rng: Rng;
  fv: FourVectors;
  ev: PhysicsScratch;
  detector: Detector;
}

/**
 * A resonance of mass m produced at rest in the transverse plane up to a soft recoil: pT
 * exponential (mean `meanPt` GeV), rapidity Gaussian (σ 1.6, clamped to |y| ≤ 4), φ uniform.
 */
export function produce(ctx: DecayContext, m: number, meanPt: number): number {
  const { rng, fv } = ctx;
  const s = fv.alloc();
  const y = Math.max(-4, Math.min(4, 1.6 * rng.normal()));
  fv.setPtRapidityPhiM(s, rng.exponential(meanPt), y, rng.range(-Math.PI, Math.PI), m);
  return s;
}

/** Breit–Wigner mass, clamped to ±5 widths (a clamp, not a rejection loop: bounded cost). */
export function breitWigner(rng: Rng, m: number, width: number): number {
  const x = m + (width / 2) * Math.tan(Math.PI * (rng.uniform() - 0.5));
  return Math.max(m - 5 * width, Math.min(m + 5 * width, x));
}

/** A charged lepton e/μ of the given charge. */
export function emitLepton(ctx: DecayContext, s: number, muon: boolean, charge: number): void {
  ctx.detector.emit(ctx.ev, ctx.fv, s, muon ? KIND_MUON : KIND_EGAMMA, charge, ctx.rng);
}

/** τ decay: 17.8 % eνν, 17.4 % μνν, else hadronic (τ-jet + ν). */
export function decayTau(ctx: DecayContext, tau: number, charge: number): void {
  const { rng, fv, ev, detector } = ctx;
  const u = rng.uniform();
  if (u < 0.352) {
    const muon = u >= 0.178;
    const mLep = muon ? MASS.muon : 0;
    // νν system mass: uniform below the endpoint (a 2-body stand-in for the 3-body decay).
    const mNuNu = rng.uniform() * (MASS.tau - mLep);
    const [lep, nunu] = fv.decay(rng, tau, mLep, mNuNu);
    emitLepton(ctx, lep, muon, charge);
    detector.emit(ev, fv, nunu, KIND_INVISIBLE, 0, rng);
    return;
  }
  const h = rng.uniform();
  const mVis = h < 0.17 ? MASS.pion : h < 0.57 ? MASS.rho : MASS.a1;
  const [vis, nu] = fv.decay(rng, tau, mVis, 0);
  detector.emitTauJet(ev, fv, vis, charge, rng);
  detector.emit(ev, fv, nu, KIND_INVISIBLE, 0, rng);
}

/** A lepton of random flavour (e, μ, τ) with its decay if τ. */
export function emitAnyLepton(ctx: DecayContext, s: number, charge: number, flavour: number): void {
  if (flavour === 2) decayTau(ctx, s, charge);
  else emitLepton(ctx, s, flavour === 1, charge);
}

/** W → ℓν (ℓ = e, μ, τ equally) or qq̄' (two jets), with ratio 1/3 : 2/3 as in the SM. */
export function decayW(ctx: DecayContext, w: number, charge: number): void {
  const { rng, fv, ev, detector } = ctx;
  if (rng.uniform() < 1 / 3) {
    const flavour = Math.min(2, Math.floor(3 * rng.uniform()));
    const [lep, nu] = fv.decay(rng, w, flavour === 2 ? MASS.tau : 0, 0);
    emitAnyLepton(ctx, lep, charge, flavour);
    detector.emit(ev, fv, nu, KIND_INVISIBLE, 0, rng);
  } else {
    const [q1, q2] = fv.decay(rng, w, 0, 0);
    detector.emit(ev, fv, q1, KIND_JET, 0, rng);
    detector.emit(ev, fv, q2, KIND_JET, 0, rng);
  }
}
