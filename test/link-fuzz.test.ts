/**
 * Fuzz: 10^5 mutated small orbits through both deframers. No throw, no hang (the test has a time
 * limit), every byte accounted for, the two cores agree, and accepted orbits keep increasing.
 */
import { describe, expect, it } from "vitest";
import { accountingError, buildStream, diffRuns, mutate, runChunked, type Mutation } from "./helpers/linkStreams.js";
import { prng } from "./helpers/randomBatch.js";

const STREAMS = 500;
const ORBITS_PER_STREAM = 100; // × 2 link streams = 10^5 framed orbits in all

function randomMutations(rnd: () => number): Mutation[] {
  const out: Mutation[] = [];
  const n = Math.floor(rnd() * 8);
  const nat = () => Math.floor(rnd() * 2 ** 30);
  for (let k = 0; k < n; k++) {
    const u = rnd();
    if (u < 0.5) out.push({ kind: "flip", at: nat(), bit: nat() });
    else if (u < 0.6) out.push({ kind: "duplicate", at: nat(), len: Math.floor(rnd() * 4000), to: nat() });
    else if (u < 0.75) out.push({ kind: "delete", at: nat(), len: Math.floor(rnd() * 1500) });
    else if (u < 0.95) out.push({ kind: "insert", at: nat(), bytes: Array.from({ length: Math.floor(rnd() * 40) }, () => nat() & 0xff) });
    else out.push({ kind: "truncate", at: nat() });
  }
  return out;
}

describe("deframer fuzz", () => {
  it(`survives ${2 * STREAMS * ORBITS_PER_STREAM} mutated orbits with exact byte accounting`, () => {
    const rnd = prng(20240601);
    let orbits = 0, accepted = 0, faultsSeen = 0, bytesIn = 0;
    for (let s = 0; s < STREAMS; s++) {
      const clean = buildStream(s + 1, ORBITS_PER_STREAM, { maxBx: 2, crc: rnd() < 0.3 });
      const bytes = mutate(clean, randomMutations(rnd));
      orbits += 2 * ORBITS_PER_STREAM;
      bytesIn += bytes.length;
      const cut = 1 + Math.floor(rnd() * 5000);
      const nat = runChunked(bytes, "native", [cut]);
      expect(accountingError(nat.d, bytes.length)).toBeNull();
      // Per stream, accepted orbit numbers strictly increase.
      const last = { muon: -1, calo: -1 };
      for (const o of nat.orbits) {
        expect(o.orbit).toBeGreaterThan(last[o.stream]);
        last[o.stream] = o.orbit;
      }
      accepted += nat.orbits.length;
      faultsSeen += Object.values(nat.d.stats.faults).reduce((a, f) => a + f.count, 0);
      // The TS reference on every 5th stream (it is the slow one).
      if (s % 5 === 0) {
        const ts = runChunked(bytes, "ts");
        expect(diffRuns(ts, nat)).toBeNull();
      }
    }
    expect(orbits).toBe(100_000);
    expect(faultsSeen).toBeGreaterThan(100); // the mutations really hit
    expect(accepted).toBeGreaterThan(orbits * 0.5); // and resync recovers most orbits
    expect(bytesIn).toBeGreaterThan(0);
  }, 120_000);
});
