/**
 * Generator throughput: orbits/s and BX/s of `generateOrbits` (pile-up 60 and pile-up 0), against
 * a baseline measured in the same run — filling typed arrays with the same number of 32-bit values
 * as the generated orbit holds, from the same PRNG (the cost of merely producing the bytes).
 * Also prints the fraction of LHC real time (11.2455 kHz orbits) and the cores real time would need.
 */
import { ORBIT_HZ, type OrbitBatch } from "../src/events/batch.js";
import { Rng, generateOrbits, type GeneratorOptions } from "../src/trigger/index.js";
import { bestTime, formatRate, ratioLine } from "./_timing.js";

const ORBITS = 10;

/** Number of 32-bit values a batch holds (every field array plus offsets). */
function valueCount(b: OrbitBatch): number {
  let n = b.bx.length + (b.label?.length ?? 0);
  for (const block of [b.muons, b.jets, b.egammas, b.taus, b.sums])
    for (const arr of Object.values(block) as ArrayLike<number>[]) n += arr.length;
  return n;
}

function generate(opts: GeneratorOptions): OrbitBatch[] {
  return [...generateOrbits(opts)];
}

export async function run(): Promise<void> {
  const pu60: GeneratorOptions = { seed: 1, orbits: ORBITS, signal: "Ato4l", injectFraction: 0.01 };
  const pu0: GeneratorOptions = { ...pu60, pileup: 0 };
  const sample = generate(pu60);
  const bxPerOrbit = sample.reduce((s, b) => s + b.nBx, 0) / ORBITS;
  const valuesPerOrbit = sample.reduce((s, b) => s + valueCount(b), 0) / ORBITS;

  const rng = new Rng(1);
  const buffer = new Int32Array(Math.ceil(valuesPerOrbit));
  const tBaseline = bestTime(() => {
    for (let k = 0; k < ORBITS; k++) for (let i = 0; i < buffer.length; i++) buffer[i] = rng.nextU32();
  }) / ORBITS;
  const t60 = bestTime(() => void generate(pu60), 500) / ORBITS;
  const t0 = bestTime(() => void generate(pu0), 500) / ORBITS;

  const line = (label: string, t: number) => {
    console.log(ratioLine(label, formatRate(1 / t, " orbit/s"), tBaseline / t, "of the typed-array fill"));
    console.log(`${"".padEnd(40)} ${formatRate(bxPerOrbit / t, " BX/s").padStart(14)}   ${((1 / t / ORBIT_HZ) * 100).toFixed(2)} % of real time -> ${Math.ceil((t * ORBIT_HZ))} cores for real time`);
  };
  console.log(`orbit: ${bxPerOrbit.toFixed(0)} stored BX, ${valuesPerOrbit.toFixed(0)} 32-bit values`);
  console.log(ratioLine("baseline: typed-array fill (same values)", formatRate(1 / tBaseline, " orbit/s"), 1, ""));
  line("generateOrbits, pile-up 60", t60);
  line("generateOrbits, pile-up 0", t0);
}
