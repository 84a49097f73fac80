/**
 * Object diff engine (src/compare/objects): a batch against itself is identical; one changed field
 * is reported as exactly that object and field with its link-word XOR; counts, one-sided BX,
 * (η, φ) matching, tolerances, ignore lists and coverage; the orbit pairing holds a bounded window
 * on long and disordered inputs.
 */
import { describe, expect, it } from "vitest";
import type { OrbitBatch } from "../src/events/batch.js";
import {
  ADC2021_COVERAGE, FULL_COVERAGE, ObjectDiffer, inEventOrder, makeRules, pairOrbitStreams, parseIgnore, parseTolerance, objectDiffJunit, formatObjectDiff,
  type DiffOptions,
} from "../src/compare/objects/index.js";
import { caloWord, muonWordF } from "../src/link/words.js";
import { randomBatch } from "./helpers/randomBatch.js";

const clone = (b: OrbitBatch): OrbitBatch => structuredClone(b);

function diffOne(a: OrbitBatch, b: OrbitBatch, opts: Partial<DiffOptions> = {}) {
  const d = new ObjectDiffer({ coverageA: FULL_COVERAGE, coverageB: FULL_COVERAGE, ...opts });
  d.compareOrbit(a, b);
  return d.result();
}

/** A batch with at least one muon and one jet BX (random batches may lack one). */
function busyBatch(seed: number): OrbitBatch {
  for (let s = seed; ; s += 1000) {
    const b = randomBatch(s, { maxBx: 30, muonFraction: 0.6 });
    if (b.muons.offset[b.nBx] > 2 && b.jets.offset[b.nBx] > 2) return b;
  }
}

/** Stored BX index holding object `j` of a block. */
const bxOf = (offset: Uint32Array, j: number) => {
  let i = 0;
  while (offset[i + 1] <= j) i++;
  return i;
};

describe("ObjectDiffer", () => {
  it("reports a batch identical to itself, with every field compared", () => {
    for (let seed = 1; seed <= 20; seed++) {
      const b = randomBatch(seed);
      const r = diffOne(b, clone(b));
      expect(r.identical).toBe(true);
      expect(r.differences.total).toBe(0);
      expect(r.bx.paired).toBe(b.nBx);
      expect(r.kinds.jet!.fields.hwEt.compared).toBe(b.jets.offset[b.nBx]);
      expect(r.kinds.muon!.fields.tfMuonIndex.compared).toBe(b.muons.offset[b.nBx]);
      expect(r.kinds.sums!.fields.hwTowerCount.compared).toBe(b.nBx);
    }
  });

  it("reports one changed muon pT as exactly that object and field, with the f-word XOR", () => {
    const a = busyBatch(3);
    const b = clone(a);
    const j = a.muons.offset[a.nBx] - 1;
    const i = bxOf(a.muons.offset, j);
    b.muons.hwPt[j] = a.muons.hwPt[j] === 511 ? 500 : a.muons.hwPt[j] + 1;
    const r = diffOne(a, b);
    expect(r.identical).toBe(false);
    expect(r.differences).toEqual({ bx: 0, counts: 0, fields: 1, total: 1 });
    expect(r.kinds.muon!.fields.hwPt.mismatches).toBe(1);
    for (const [name, f] of Object.entries(r.kinds.muon!.fields)) if (name !== "hwPt") expect(f.mismatches, name).toBe(0);
    expect(r.first).toHaveLength(1);
    const d = r.first[0];
    expect(d).toMatchObject({ orbit: a.orbit, bx: a.bx[i], kind: "muon", type: "fields" });
    expect(d.a!.index).toBe(j - a.muons.offset[i]);
    expect(d.fields).toEqual([{ field: "hwPt", a: a.muons.hwPt[j], b: b.muons.hwPt[j], delta: b.muons.hwPt[j] - a.muons.hwPt[j], physicalDelta: expect.any(Number) }]);
    const m = a.muons;
    const fA = muonWordF(m.hwPhiAtVtx[j], m.hwPt[j], m.hwQual[j], m.hwEtaAtVtx[j]);
    const fB = muonWordF(m.hwPhiAtVtx[j], b.muons.hwPt[j], m.hwQual[j], m.hwEtaAtVtx[j]);
    expect(d.a!.words.f).toBe(`0x${fA.toString(16).padStart(8, "0")}`);
    expect(d.xor).toEqual({ f: `0x${((fA ^ fB) >>> 0).toString(16).padStart(8, "0")}`, s: "0x00000000", etaStation: "0x00000000" });
    expect(r.kinds.muon!.fields.hwPt.histogram).toEqual([[b.muons.hwPt[j] - a.muons.hwPt[j], 1]]);
    expect(formatObjectDiff(r)).toContain(`orbit ${a.orbit} bx ${a.bx[i]} muon #${d.a!.index}: hwPt`);
  });

  it("counts an object-count difference, and the extra object is listed", () => {
    const a = busyBatch(5);
    // Drop the last jet of the first BX that has jets.
    let i = 0;
    while (a.jets.offset[i + 1] === a.jets.offset[i]) i++;
    const b = clone(a);
    const drop = a.jets.offset[i + 1] - 1;
    for (const f of ["hwEt", "hwEta", "hwPhi", "hwIso"] as const) b.jets[f] = Int32Array.from([...a.jets[f]].filter((_, k) => k !== drop));
    b.jets.offset = Uint32Array.from(a.jets.offset, (o, k) => (k > i ? o - 1 : o));
    const r = diffOne(a, b);
    expect(r.differences).toEqual({ bx: 0, counts: 1, fields: 0, total: 1 });
    expect(r.kinds.jet!.countMismatchBx).toBe(1);
    expect(r.kinds.jet!.countHistogram).toEqual([[-1, 1]]);
    expect(r.kinds.jet!.unpairedA).toBe(1);
    const rec = r.first[0];
    expect(rec).toMatchObject({ type: "count", kind: "jet", bx: a.bx[i], counts: { a: a.jets.offset[i + 1] - a.jets.offset[i], b: a.jets.offset[i + 1] - a.jets.offset[i] - 1 } });
    expect(rec.unpairedA![0].fields.hwEt).toBe(a.jets.hwEt[drop]);
    expect(rec.unpairedA![0].words.word).toBe(`0x${caloWord("jet", a.jets.hwEt[drop], a.jets.hwEta[drop], a.jets.hwPhi[drop], a.jets.hwIso[drop]).toString(16).padStart(8, "0")}`);
  });

  it("pairs reordered objects by (η, φ) when asked, and not otherwise", () => {
    const a = busyBatch(7);
    const b = clone(a);
    // Reverse the jets of every BX in B.
    for (let i = 0; i < b.nBx; i++) {
      const s = b.jets.offset[i], e = b.jets.offset[i + 1];
      for (const f of ["hwEt", "hwEta", "hwPhi", "hwIso"] as const) b.jets[f].subarray(s, e).reverse();
    }
    const ordered = diffOne(a, b);
    expect(ordered.kinds.jet!.fields.hwEt.mismatches).toBeGreaterThan(0);
    // Random objects can share (η, φ): give each jet a distinct position so the best match is unique.
    for (const x of [a, b]) for (let j = 0; j < x.jets.hwEta.length; j++) x.jets.hwIso[j] = 0;
    const pos = new Map<string, number>();
    for (let j = 0; j < a.jets.hwEta.length; j++) pos.set(`${a.jets.hwEta[j]},${a.jets.hwPhi[j]}`, (pos.get(`${a.jets.hwEta[j]},${a.jets.hwPhi[j]}`) ?? 0) + 1);
    const unique = [...pos.values()].every((n) => n === 1);
    const matched = diffOne(a, b, { match: "eta-phi" });
    if (unique) expect(matched.identical).toBe(true);
    expect(matched.kinds.jet!.pairs).toBe(a.jets.offset[a.nBx]);
    expect(matched.kinds.jet!.fields.hwEt.mismatches).toBeLessThan(ordered.kinds.jet!.fields.hwEt.mismatches);
  });

  it("applies tolerances in physical units and in hardware counts, and the ignore list", () => {
    const a = busyBatch(9);
    const b = clone(a);
    const j = 0;
    b.jets.hwEt[j] = a.jets.hwEt[j] === 2047 ? 2046 : a.jets.hwEt[j] + 1; // 0.5 GeV
    b.jets.hwIso[j] = (a.jets.hwIso[j] + 1) % 4;
    expect(diffOne(a, b).differences.fields).toBe(1);
    const tolPt = diffOne(a, b, { rules: makeRules(parseTolerance("pt=0.5"), parseIgnore("hwIso")) });
    expect(tolPt.identical).toBe(true);
    expect(tolPt.kinds.jet!.fields.hwEt.withinTolerance).toBe(1);
    expect(tolPt.notCompared).toEqual(expect.arrayContaining([{ what: "jet.hwIso", reason: "ignored" }]));
    expect(diffOne(a, b, { rules: makeRules(parseTolerance("pt=0.4"), parseIgnore("hwIso")) }).identical).toBe(false);
    // Field-name tolerance in counts, per kind; the most specific key wins.
    expect(diffOne(a, b, { rules: makeRules(parseTolerance("jet.hwEt=1,pt=0"), parseIgnore("jet.hwIso")) }).identical).toBe(true);
    expect(diffOne(a, b, { rules: makeRules(parseTolerance("jet.hwEt=0,pt=5"), parseIgnore("jet.hwIso")) }).identical).toBe(false);
    expect(diffOne(a, b, { rules: makeRules({}, parseIgnore("jet")) }).identical).toBe(true);
  });

  it("wraps φ: hardware φ 0 and 143 of a calo object are one step apart", () => {
    const a = busyBatch(11);
    const b = clone(a);
    a.jets.hwPhi[0] = 0;
    b.jets.hwPhi[0] = 143;
    const r = diffOne(a, b);
    expect(r.kinds.jet!.fields.hwPhi.histogram).toEqual([[-1, 1]]);
    // In radians: with CMSSW's 0.0435 per count (scales.h), count 143 is 143·0.0435 − 2π = −0.063,
    // 0.063 from count 0 (the 144 counts do not span 2π exactly); 2π/144 geometry would give 0.0436.
    expect(diffOne(a, b, { rules: makeRules(parseTolerance("phi=0.07")) }).identical).toBe(true);
    expect(diffOne(a, b, { rules: makeRules(parseTolerance("phi=0.03")) }).identical).toBe(false);
  });

  it("rejects unknown tolerance and ignore keys", () => {
    expect(() => parseTolerance("ptt=1")).toThrow(/unknown field or quantity "ptt"/);
    expect(() => parseTolerance("muon.hwEt=1")).toThrow(/unknown field/);
    expect(() => parseTolerance("pt=-1")).toThrow(/≥ 0/);
    expect(() => parseTolerance("pt")).toThrow(/key=value/);
    expect(() => parseIgnore("gluon")).toThrow(/unknown/);
    expect(parseIgnore("tau,count,muon.hwQual")).toEqual(["tau", "count", "muon.hwQual"]);
  });

  it("compares only what both sides carry: ADC2021 caps and fields", () => {
    const a = busyBatch(13);
    const b = clone(a);
    for (let j = 0; j < b.jets.hwIso.length; j++) b.jets.hwIso[j] ^= 1; // ADC2021 holds no iso
    for (let j = 0; j < b.taus.hwEt.length; j++) b.taus.hwEt[j] = 1; // nor taus
    const r = diffOne(a, b, { coverageB: ADC2021_COVERAGE });
    expect(r.identical).toBe(true);
    expect(r.kinds.tau).toBeUndefined();
    expect(r.kinds.jet!.maxObjects).toBe(10);
    expect(r.notCompared).toEqual(expect.arrayContaining([{ what: "tau", reason: "only A carries tau" }, { what: "jet.hwIso", reason: "only A carries it" }]));
  });

  it("counts BX stored by one side only, and treats a stored empty BX like an absent one", () => {
    const a = busyBatch(15);
    const b = clone(a);
    // B loses its last BX; A gains an empty BX.
    const last = b.nBx - 1;
    b.nBx = last;
    b.bx = b.bx.subarray(0, last);
    for (const k of ["muons", "jets", "egammas", "taus"] as const) b[k].offset = b[k].offset.subarray(0, last + 1);
    const r = diffOne(a, b);
    const lastHasContent = a.muons.offset[last + 1] > a.muons.offset[last] || a.jets.offset[last + 1] > a.jets.offset[last] ||
      a.egammas.offset[last + 1] > a.egammas.offset[last] || a.taus.offset[last + 1] > a.taus.offset[last] ||
      Object.values(a.sums).some((col) => col[last] !== 0);
    expect(r.bx.onlyA + r.bx.emptyOnlyA).toBe(1);
    expect(r.bx.onlyA).toBe(lastHasContent ? 1 : 0);
    expect(r.identical).toBe(!lastHasContent);
  });

  it("writes JUnit with one failing testcase per differing field", () => {
    const a = busyBatch(17);
    const b = clone(a);
    b.egammas.hwEta[0] = a.egammas.hwEta.length ? (a.egammas.hwEta[0] === 127 ? 126 : a.egammas.hwEta[0] + 1) : 0;
    const xml = objectDiffJunit(diffOne(a, b));
    expect(xml).toMatch(/<testcase classname="scoutloop diff" name="muon.hwPt" time="0"><\/testcase>/);
    const failing = [...xml.matchAll(/<failure message="([^"]*)"/g)].map((m) => m[1]);
    if (a.egammas.hwEta.length) expect(failing).toEqual([expect.stringMatching(/^1 of \d+ differ \(exact bits\)$/)]);
  });
});

describe("pairOrbitStreams", () => {
  /** Many small orbits, made lazily, counting how many were ever created. */
  function* orbits(n: number, opts: { skip?: (o: number) => boolean; created?: { n: number }; order?: (i: number) => number } = {}): Generator<OrbitBatch> {
    for (let i = 0; i < n; i++) {
      const o = opts.order ? opts.order(i) : i + 1;
      if (opts.skip?.(o)) continue;
      if (opts.created) opts.created.n++;
      yield randomBatch(o, { orbit: o, maxBx: 3 });
    }
  }

  it("holds at most the window on a long ordered input with gaps on either side, and accounts for every orbit", () => {
    const differ = new ObjectDiffer({ coverageA: FULL_COVERAGE, coverageB: FULL_COVERAGE });
    const n = 5000;
    const s = pairOrbitStreams(orbits(n, { skip: (o) => o % 97 === 0 }), orbits(n, { skip: (o) => o % 89 === 0 }), differ, { window: 64 });
    const r = differ.result();
    // ~100 one-sided orbits in all: more than the window, so the bound is exercised.
    expect(s.maxWaiting).toBeLessThanOrEqual(2 * 64 + 1);
    const onlyA = Math.floor(n / 89) - Math.floor(n / (89 * 97));
    const onlyB = Math.floor(n / 97) - Math.floor(n / (89 * 97));
    expect(r.orbits).toEqual({ paired: n - onlyA - onlyB - Math.floor(n / (89 * 97)), onlyA, onlyB });
  });

  it("keeps at most the window on disordered input, and still pairs what arrives within it", () => {
    const differ = new ObjectDiffer({ coverageA: FULL_COVERAGE, coverageB: FULL_COVERAGE });
    const n = 2000;
    // B delivers orbits in blocks of 8 reversed: inside a window of 16 every orbit still finds its partner.
    const reversedBlocks = (i: number) => Math.floor(i / 8) * 8 + (7 - (i % 8)) + 1;
    const s = pairOrbitStreams(orbits(n), orbits(n, { order: reversedBlocks }), differ, { window: 16 });
    expect(s.maxWaiting).toBeLessThanOrEqual(2 * 16 + 1);
    expect(s.outOfOrder.B).toBeGreaterThan(0);
    expect(differ.result().orbits).toEqual({ paired: n, onlyA: 0, onlyB: 0 });
    // With a window of 2 some orbits are given up on (counted, never lost silently).
    const tight = new ObjectDiffer({ coverageA: FULL_COVERAGE, coverageB: FULL_COVERAGE });
    const t = pairOrbitStreams(orbits(n), orbits(n, { order: reversedBlocks }), tight, { window: 2 });
    expect(t.maxWaiting).toBeLessThanOrEqual(2 * 2 + 1);
    const o = tight.result().orbits;
    expect(o.onlyA).toBeGreaterThan(0);
    expect(o.paired + o.onlyA).toBe(n);
    expect(o.paired + o.onlyB).toBe(n);
  });

  it("reads both inputs lazily (a consumer that stops early creates few orbits)", () => {
    const created = { n: 0 };
    const differ = new ObjectDiffer({ coverageA: FULL_COVERAGE, coverageB: FULL_COVERAGE });
    let reads = 0;
    const limited = (function* () {
      for (const b of orbits(1_000_000, { created })) {
        if (++reads > 50) return;
        yield b;
      }
    })();
    pairOrbitStreams(limited, orbits(50), differ);
    expect(created.n).toBeLessThanOrEqual(51);
    expect(differ.result().orbits.paired).toBe(50);
  });
});

describe("inEventOrder (diff --pair events)", () => {
  /** Every event of `b` as its own one-BX orbit, at a BX of its own choosing: same events, other places. */
  function* scattered(batches: OrbitBatch[]): Generator<OrbitBatch> {
    let orbit = 100;
    for (const b of batches) for (let i = 0; i < b.nBx; i++) {
      const one = structuredClone(b);
      // Keep only BX i: shift every block's offsets so BX i is the only stored one.
      const pick = <T extends { offset: Uint32Array }>(blk: T, fields: readonly string[]) => {
        const s = blk.offset[i], e = blk.offset[i + 1];
        const out = { ...blk, offset: Uint32Array.from([0, e - s]) } as T;
        for (const f of fields) (out as unknown as Record<string, Int32Array>)[f] = (blk as unknown as Record<string, Int32Array>)[f].slice(s, e);
        return out;
      };
      one.orbit = orbit++;
      one.nBx = 1;
      one.bx = Uint16Array.of(1 + ((i * 37) % 3564));
      one.muons = pick(b.muons, ["hwPt", "hwEtaAtVtx", "hwPhiAtVtx", "hwEta", "hwPhi", "hwQual", "hwCharge", "hwIso", "hwPtUnconstrained", "hwDXY", "tfMuonIndex"]);
      for (const k of ["jets", "egammas", "taus"] as const) one[k] = pick(b[k], ["hwEt", "hwEta", "hwPhi", "hwIso"]);
      for (const f of Object.keys(one.sums) as (keyof OrbitBatch["sums"])[]) one.sums[f] = b.sums[f].slice(i, i + 1);
      one.label = undefined;
      yield one;
    }
  }

  it("pairs the same events by their order whatever orbit/BX they sat in, and packs 3564 per orbit", () => {
    const batches = Array.from({ length: 4 }, (_, k) => randomBatch(40 + k, { orbit: k + 1, maxBx: 30 }));
    const events = batches.reduce((s, b) => s + b.nBx, 0);
    const a = [...inEventOrder(batches)];
    expect(a.reduce((s, b) => s + b.nBx, 0)).toBe(events);
    expect(Array.from(a[0].bx.subarray(0, 3))).toEqual([1, 2, 3]);
    const differ = new ObjectDiffer({ coverageA: FULL_COVERAGE, coverageB: FULL_COVERAGE });
    pairOrbitStreams(inEventOrder(batches), inEventOrder(scattered(batches)), differ);
    const r = differ.result();
    expect(r.identical).toBe(true);
    expect(r.bx.paired).toBe(events);
    // Without renumbering the scattered copy shares no (orbit, bx) with the original.
    const plain = new ObjectDiffer({ coverageA: FULL_COVERAGE, coverageB: FULL_COVERAGE });
    pairOrbitStreams(batches, scattered(batches), plain);
    expect(plain.result().bx.paired).toBe(0);
    const big = [...inEventOrder([randomBatch(1, { maxBx: 3000 }), randomBatch(2, { maxBx: 3000 }), randomBatch(3, { maxBx: 3000 })])];
    for (const b of big.slice(0, -1)) expect(b.nBx).toBe(3564);
    expect(big.map((b) => b.orbit)).toEqual(big.map((_, k) => k + 1));
  });
});
