/**
 * Seeded, deterministic, orbit-structured event generator: filled bunches of an LHC filling
 * scheme, each with pile-up and either a background hard scatter or (at `injectFraction`) a
 * signal, passed through the L1 trigger emulation into one `OrbitBatch` per orbit.
 *
 * Determinism: each orbit draws from its own PRNG stream keyed by (seed, orbit number), so an
 * orbit's content does not depend on which orbits were generated before it — orbit k of a long
 * run is byte-identical to the same orbit generated alone (`firstOrbit: k`, `orbits: 1`).
 */
import type { OrbitBatch } from "../events/batch.js";
import { DEFAULT_PILEUP, addHardScatter, addPileup } from "./background.js";
import type { TriggerPreset } from "./config.js";
import type { DecayContext } from "./decays.js";
import { Detector } from "./detector.js";
import { TriggerEmulator } from "./emulator.js";
import { fillingScheme, filledBunches, type FillingSchemeOptions } from "./filling.js";
import { FourVectors } from "./kinematics.js";
import { PhysicsScratch } from "./physics.js";
import { Rng } from "./rng.js";
import {
  SIGNALS, SIGNAL_MASS_GEV, SIGNAL_MAX_MASS_GEV, SIGNAL_MIN_MASS_GEV, generateSignal, signalLabel,
  type SignalName,
} from "./signals.js";

export interface GeneratorOptions {
  seed: number;
  orbits: number;
  /** Number of the first orbit (default 1); orbit numbers are 31 bits on the link. */
  firstOrbit?: number;
  signal?: SignalName;
  /** Fraction 0..1 of filled BX that carry the signal (1 = signal only). Default 0.01 with a signal. */
  injectFraction?: number;
  /** Mean number of pile-up interactions per filled BX (default 60). */
  pileup?: number;
  preset?: TriggerPreset;
  /** GeV; overrides the benchmark mass of the signal. */
  signalMass?: number;
  /** Filling scheme (default: `DEFAULT_FILLING`, ~2500 filled bunches). */
  filling?: FillingSchemeOptions;
}

export const DEFAULT_INJECT_FRACTION = 0.01;
export const MAX_ORBIT_NUMBER = 0x7fffffff;
export const MAX_PILEUP = 1000;

interface ResolvedOptions {
  seed: number;
  orbits: number;
  firstOrbit: number;
  signal: SignalName | undefined;
  label: number;
  injectFraction: number;
  pileup: number;
  preset: TriggerPreset;
  signalMass: number;
  filling: FillingSchemeOptions;
}

/** Validate options up front so a bad value fails with one clear line before any work. */
export function resolveGeneratorOptions(opts: GeneratorOptions): ResolvedOptions {
  const { seed, orbits } = opts;
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
  if (!Number.isSafeInteger(orbits) || orbits < 0) throw new RangeError(`orbits must be a non-negative integer, got ${orbits}`);
  const firstOrbit = opts.firstOrbit ?? 1;
  if (!Number.isSafeInteger(firstOrbit) || firstOrbit < 0 || firstOrbit + Math.max(orbits, 1) - 1 > MAX_ORBIT_NUMBER)
    throw new RangeError(`orbit numbers must stay within 0..${MAX_ORBIT_NUMBER} (firstOrbit ${firstOrbit}, orbits ${orbits})`);
  const signal = opts.signal;
  if (signal !== undefined && !SIGNALS.includes(signal))
    throw new RangeError(`unknown signal "${signal}" (expected one of: ${SIGNALS.join(", ")})`);
  const injectFraction = opts.injectFraction ?? (signal ? DEFAULT_INJECT_FRACTION : 0);
  if (!(injectFraction >= 0 && injectFraction <= 1)) throw new RangeError(`injectFraction must be in 0..1, got ${injectFraction}`);
  if (injectFraction > 0 && !signal) throw new RangeError("injectFraction > 0 needs a signal to inject");
  const pileup = opts.pileup ?? DEFAULT_PILEUP;
  if (!(pileup >= 0 && pileup <= MAX_PILEUP)) throw new RangeError(`pileup must be in 0..${MAX_PILEUP}, got ${pileup}`);
  const preset = opts.preset ?? "l1";
  if (preset !== "l1" && preset !== "adc2021") throw new RangeError(`unknown preset "${preset}" (expected l1 or adc2021)`);
  let signalMass = 0;
  if (signal) {
    signalMass = opts.signalMass ?? SIGNAL_MASS_GEV[signal];
    const lo = SIGNAL_MIN_MASS_GEV[signal];
    if (!(signalMass >= lo && signalMass <= SIGNAL_MAX_MASS_GEV))
      throw new RangeError(`signalMass for ${signal} must be in ${lo.toFixed(2)}..${SIGNAL_MAX_MASS_GEV} GeV, got ${signalMass}`);
  } else if (opts.signalMass !== undefined) {
    throw new RangeError("signalMass needs a signal");
  }
  return {
    seed, orbits, firstOrbit, signal, label: signal ? signalLabel(signal) : 0, injectFraction, pileup, preset,
    signalMass, filling: opts.filling ?? {},
  };
}

/** Generate `orbits` consecutive orbits. Options are validated when the generator is created. */
export function generateOrbits(opts: GeneratorOptions): Generator<OrbitBatch> {
  const o = resolveGeneratorOptions(opts);
  return run(o, new OrbitGenerator(o));
}

function* run(o: ResolvedOptions, gen: OrbitGenerator): Generator<OrbitBatch> {
  for (let k = 0; k < o.orbits; k++) yield gen.orbit(o.firstOrbit + k);
}

/** Reusable state of the generator (scratch buffers, emulator); one orbit at a time. */
class OrbitGenerator {
  private readonly rng: Rng;
  private readonly ctx: DecayContext;
  private readonly emulator: TriggerEmulator;
  private readonly filled: Uint16Array;

  constructor(private readonly o: ResolvedOptions) {
    this.rng = new Rng(o.seed);
    this.ctx = { rng: this.rng, fv: new FourVectors(), ev: new PhysicsScratch(), detector: new Detector(true) };
    this.emulator = new TriggerEmulator(o.preset);
    this.filled = filledBunches(fillingScheme(o.filling));
  }

  orbit(orbit: number): OrbitBatch {
    const { rng, ctx, emulator, filled, o } = this;
    rng.reseed(o.seed, orbit);
    emulator.beginOrbit(orbit, true);
    for (let k = 0; k < filled.length; k++) {
      ctx.ev.clear();
      ctx.fv.reset();
      let label = 0;
      if (o.injectFraction > 0 && rng.uniform() < o.injectFraction) {
        generateSignal(ctx, o.signal as SignalName, o.signalMass);
        label = o.label;
      } else {
        addHardScatter(ctx);
      }
      addPileup(ctx, o.pileup);
      emulator.addBx(filled[k], ctx.ev, label);
    }
    return emulator.finishOrbit();
  }
}
