/**
 * The four ADC2021 signal benchmarks, in spirit (Govorkova et al., Sci Data 9 (2022)): A → 4ℓ, LQ → bτ, h⁰ → ττ, h± → τν. Benchmark masses are those of the
 * ADC2021 samples as recalled (A 50 GeV, LQ 80 GeV, h⁰ 60 GeV, h± 60 GeV — not re-checked against
 * the paper); `signalMass` overrides them.
 */
import { MASS, decayTau, emitLepton, produce, type DecayContext } from "./decays.js";
import { KIND_INVISIBLE, KIND_JET } from "./physics.js";

export type SignalName = "Ato4l" | "LQ_btau" | "h0_tautau" | "hplus_taunu";

/** The signals; a BX carrying signal k has truth label `SIGNALS.indexOf(k) + 1`. */
export const SIGNALS: readonly SignalName[] = ["Ato4l", "LQ_btau", "h0_tautau", "hplus_taunu"];

export const SIGNAL_MASS_GEV: Readonly<Record<SignalName, number>> = {
  Ato4l: 50,
  LQ_btau: 80,
  h0_tautau: 60,
  hplus_taunu: 60,
};

/** Smallest parent mass each decay allows (with a margin so phase space is not degenerate). */
export const SIGNAL_MIN_MASS_GEV: Readonly<Record<SignalName, number>> = {
  Ato4l: 4,
  LQ_btau: MASS.b + MASS.tau + 1,
  h0_tautau: 2 * MASS.tau + 1,
  hplus_taunu: MASS.tau + 1,
};
export const SIGNAL_MAX_MASS_GEV = 5000;

/** Mean transverse momentum of the produced resonance (a soft recoil against initial-state radiation). */
const RESONANCE_MEAN_PT = 15;

export function signalLabel(name: SignalName): number {
  const i = SIGNALS.indexOf(name);
  if (i < 0) throw new RangeError(`unknown signal "${name}" (expected one of: ${SIGNALS.join(", ")})`);
  return i + 1;
}

/** Generate the decay products of one signal event into `ctx.ev`; returns the resonance's slot. */
export function generateSignal(ctx: DecayContext, name: SignalName, mass: number): number {
  switch (name) {
    case "Ato4l": return aTo4l(ctx, mass);
    case "LQ_btau": return lqToBTau(ctx, mass);
    case "h0_tautau": return h0ToTauTau(ctx, mass);
    case "hplus_taunu": return hPlusToTauNu(ctx, mass);
    default: throw new RangeError(`unknown signal "${String(name)}"`);
  }
}

/**
 * A → Z*Z* → 4ℓ: two off-shell "Z" of masses m1 ∈ [0.3, 0.6]·M and m2 ∈ [0.1·M, 0.95·(M − m1)],
 * each → ℓ⁺ℓ⁻ with ℓ = e or μ (50/50, per pair). Leptons are massless at these energies.
 */
function aTo4l(ctx: DecayContext, mass: number): number {
  const { rng, fv } = ctx;
  const a = produce(ctx, mass, RESONANCE_MEAN_PT);
  const m1 = mass * rng.range(0.3, 0.6);
  const m2 = rng.range(0.1 * mass, 0.95 * (mass - m1));
  const [z1, z2] = fv.decay(rng, a, m1, m2);
  for (const z of [z1, z2]) {
    const muon = rng.uniform() < 0.5;
    const [l1, l2] = fv.decay(rng, z, 0, 0);
    emitLepton(ctx, l1, muon, +1);
    emitLepton(ctx, l2, muon, -1);
  }
  return a;
}

/** LQ → b τ: a b jet and a τ (which decays). Charge of the τ: −1 (LQ charge −1/3 + b̄ convention is immaterial here). */
function lqToBTau(ctx: DecayContext, mass: number): number {
  const { rng, fv, ev, detector } = ctx;
  const lq = produce(ctx, mass, RESONANCE_MEAN_PT);
  const [b, tau] = fv.decay(rng, lq, MASS.b, MASS.tau);
  detector.emit(ev, fv, b, KIND_JET, 0, rng);
  decayTau(ctx, tau, rng.uniform() < 0.5 ? +1 : -1);
  return lq;
}

/** h⁰ → τ⁺τ⁻, both τ decay. */
function h0ToTauTau(ctx: DecayContext, mass: number): number {
  const { rng, fv } = ctx;
  const h = produce(ctx, mass, RESONANCE_MEAN_PT);
  const [t1, t2] = fv.decay(rng, h, MASS.tau, MASS.tau);
  decayTau(ctx, t1, +1);
  decayTau(ctx, t2, -1);
  return h;
}

/** h± → τ± ν: the ν is invisible, the τ decays. */
function hPlusToTauNu(ctx: DecayContext, mass: number): number {
  const { rng, fv, ev, detector } = ctx;
  const h = produce(ctx, mass, RESONANCE_MEAN_PT);
  const charge = rng.uniform() < 0.5 ? +1 : -1;
  const [tau, nu] = fv.decay(rng, h, MASS.tau, 0);
  decayTau(ctx, tau, charge);
  detector.emit(ev, fv, nu, KIND_INVISIBLE, 0, rng);
  return h;
}
