/**
 * SM-like background for one filled bunch crossing: pile-up minimum bias plus at most one harder
 * "hard scatter". Rates are in the spirit of LHC Run 3 at the L1 level, not fitted:
 *
 * - pile-up: each of the (Poisson-mean `pileup`) interactions yields L1 calo jets, e/γ and soft
 *   muons with small probabilities; the counts are drawn directly as Poisson(pileup × rate), which
 *   is the same distribution and costs O(objects) instead of O(interactions). Spectra are steeply
 *   falling power laws; at the default pile-up of 60 a filled BX carries ~6 soft jets, muons
 *   appear in ~3 % of BX (DESIGN §8: "muons appear in only a few per cent of BX").
 * - hard scatter, per filled BX: QCD dijet 1 %, W → ℓν/qq 1e-4, Z → ℓℓ 3e-5, tt̄ 1e-5. The
 *   electroweak and top rates are scaled far above the SM (W ≈ 1e-6 per BX at 2e34 cm⁻²s⁻¹) so
 *   that a few hundred orbits already contain some.
 */
import { MASS, WIDTH, breitWigner, decayW, emitAnyLepton, produce, type DecayContext } from "./decays.js";
import { KIND_EGAMMA, KIND_JET, KIND_MUON, KIND_TAU } from "./physics.js";

export const DEFAULT_PILEUP = 60;

/** Per pile-up interaction: mean numbers of L1 objects. */
const JETS_PER_INTERACTION = 0.1;
const EGAMMA_PER_INTERACTION = 0.01;
const MUONS_PER_INTERACTION = 0.0005;
/** Fraction of soft jets that calo layer 2 also reports as τ candidates (narrow deposits), and their ET share. */
const TAU_FROM_JET_FRACTION = 0.15;
const TAU_ET_SHARE = 0.7;

export const HARD_SCATTER_RATE = { dijet: 1e-2, W: 1e-4, Z: 3e-5, ttbar: 1e-5 } as const;

/** Soft pile-up objects. */
export function addPileup(ctx: DecayContext, pileup: number): void {
  const { rng, ev } = ctx;
  const nJets = rng.poisson(pileup * JETS_PER_INTERACTION);
  for (let k = 0; k < nJets; k++) {
    const pt = rng.powerLaw(4, 4.5);
    const eta = rng.range(-5, 5);
    const phi = rng.range(-Math.PI, Math.PI);
    ev.push(KIND_JET, pt, eta, phi, 0);
    if (rng.uniform() < TAU_FROM_JET_FRACTION) ev.push(KIND_TAU, TAU_ET_SHARE * pt, eta, phi, 0);
  }
  const nEg = rng.poisson(pileup * EGAMMA_PER_INTERACTION);
  for (let k = 0; k < nEg; k++) ev.push(KIND_EGAMMA, rng.powerLaw(2, 5), rng.range(-3, 3), rng.range(-Math.PI, Math.PI), 0);
  const nMu = rng.poisson(pileup * MUONS_PER_INTERACTION);
  for (let k = 0; k < nMu; k++)
    ev.push(KIND_MUON, rng.powerLaw(3, 4), rng.range(-2.5, 2.5), rng.range(-Math.PI, Math.PI), rng.uniform() < 0.5 ? 1 : -1);
}

/** At most one hard process in the BX. */
export function addHardScatter(ctx: DecayContext): void {
  let u = ctx.rng.uniform();
  if ((u -= HARD_SCATTER_RATE.ttbar) < 0) return ttbar(ctx);
  if ((u -= HARD_SCATTER_RATE.Z) < 0) return zToLeptons(ctx);
  if ((u -= HARD_SCATTER_RATE.W) < 0) return wBoson(ctx);
  if ((u -= HARD_SCATTER_RATE.dijet) < 0) return dijet(ctx);
}

/** QCD 2 → 2: two jets back to back in φ, pT-hat from a power law above 20 GeV, η independent. */
function dijet(ctx: DecayContext): void {
  const { rng, fv, ev, detector } = ctx;
  const pt = rng.powerLaw(20, 5);
  const phi = rng.range(-Math.PI, Math.PI);
  const j1 = fv.alloc();
  const j2 = fv.alloc();
  fv.setPtEtaPhiM(j1, pt, 2 * rng.normal(), phi, 0);
  fv.setPtEtaPhiM(j2, pt, 2 * rng.normal(), phi + Math.PI, 0);
  detector.emit(ev, fv, j1, KIND_JET, 0, rng);
  detector.emit(ev, fv, j2, KIND_JET, 0, rng);
}

function zToLeptons(ctx: DecayContext): void {
  const { rng, fv } = ctx;
  const z = produce(ctx, breitWigner(rng, MASS.Z, WIDTH.Z), 10);
  const flavour = Math.min(2, Math.floor(3 * rng.uniform()));
  const m = flavour === 2 ? MASS.tau : 0;
  const [l1, l2] = fv.decay(rng, z, m, m);
  emitAnyLepton(ctx, l1, +1, flavour);
  emitAnyLepton(ctx, l2, -1, flavour);
}

function wBoson(ctx: DecayContext): void {
  const w = produce(ctx, breitWigner(ctx.rng, MASS.W, WIDTH.W), 10);
  decayW(ctx, w, ctx.rng.uniform() < 0.5 ? 1 : -1);
}

/** tt̄: two tops back to back in φ (pT exponential, mean 60 GeV), each t → bW, W → ℓν or qq̄'. */
function ttbar(ctx: DecayContext): void {
  const { rng, fv, ev, detector } = ctx;
  const pt = rng.exponential(60);
  const phi = rng.range(-Math.PI, Math.PI);
  for (let k = 0; k < 2; k++) {
    const t = fv.alloc();
    fv.setPtRapidityPhiM(t, pt, 1.2 * rng.normal(), phi + k * Math.PI, MASS.top);
    const [b, w] = fv.decay(rng, t, MASS.b, breitWigner(rng, MASS.W, WIDTH.W));
    detector.emit(ev, fv, b, KIND_JET, 0, rng);
    decayW(ctx, w, k === 0 ? 1 : -1);
  }
}
