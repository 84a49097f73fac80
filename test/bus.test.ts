import { describe, expect, it } from "vitest";
import { from, lastValueFrom, of, toArray, delay, Subject } from "rxjs";
import {
  Demand, pullSource, runPipeline, softwareScorer, linkRateSource, type LinkCodec,
} from "../src/bus/index.js";
import { reasonCode, checkSummary } from "../src/compare/index.js";
import { allocateBatch, diffBatches, type OrbitBatch } from "../src/events/batch.js";
import { deframeAll, frameOrbit, mergeStreams } from "../src/link/index.js";
import { scoutingLink } from "../src/bus/scoutingLink.js";
import { boundedMergeMap } from "../src/link/boundedMergeMap.js";
import { ScoreRecorder } from "../src/bus/recorder.js";
import { generateOrbits } from "../src/trigger/index.js";
import { DEFAULT_GENERATOR, generatorSettings } from "../src/bus/sources.js";
import { generatorInputHash } from "../src/report/record.js";
import { slowScorer, toyModel, toyOrbit, toyOrbits } from "./helpers/busFixtures.js";

describe("pullSource", () => {
  it("emits only as credit is released, without growing the stack on a synchronous pipeline", async () => {
    let made = 0;
    let maxAhead = 0;
    let done = 0;
    function* items() {
      for (let i = 0; i < 20000; i++) {
        made++;
        maxAhead = Math.max(maxAhead, made - done);
        yield i;
      }
    }
    const demand = new Demand();
    const got: number[] = [];
    await new Promise<void>((resolve, reject) =>
      pullSource(items(), demand, { window: 3, yieldEvery: 1000 }).subscribe({
        next: (v) => { got.push(v); done++; demand.release(1); },
        error: reject,
        complete: resolve,
      }),
    );
    expect(got.length).toBe(20000);
    expect(got[19999]).toBe(19999);
    expect(maxAhead).toBeLessThanOrEqual(3);
  });

  it("stops at the window when nobody releases", async () => {
    const demand = new Demand();
    const got: number[] = [];
    const sub = pullSource([1, 2, 3, 4, 5, 6], demand, { window: 2 }).subscribe((v) => got.push(v));
    expect(got).toEqual([1, 2]);
    demand.release(3);
    expect(got).toEqual([1, 2, 3, 4, 5]);
    sub.unsubscribe();
  });
});

describe("boundedMergeMap", () => {
  it("handles synchronous inners and keeps order of completion", async () => {
    const out = await lastValueFrom(from([1, 2, 3, 4]).pipe(boundedMergeMap((x) => of(x * 10), { concurrency: 1, queueLimit: 0, onOverflow: (x: number) => -x }), toArray()));
    expect(out).toEqual([10, 20, 30, 40]);
  });

  it("sends what does not fit in concurrency + queue to onOverflow", async () => {
    const src = new Subject<number>();
    const p = lastValueFrom(src.pipe(boundedMergeMap((x) => of(x).pipe(delay(20)), { concurrency: 1, queueLimit: 1, onOverflow: (x: number) => -x }), toArray()));
    for (const x of [1, 2, 3, 4]) src.next(x);
    src.complete();
    expect(await p).toEqual([-3, -4, 1, 2]);
  });
});

describe("linkRateSource", () => {
  it("stamps scheduled times, hands orbits out on credit, drops arrivals to a full buffer", async () => {
    let t = 0;
    const clock = () => t;
    const batches = Array.from({ length: 10 }, (_, k) => toyOrbit(k, 1));
    const demand = new Demand();
    const seen: [number, number, boolean][] = [];
    let completed = false;
    const sub = linkRateSource(batches, demand, { orbitHz: 1000, bufferOrbits: 3, window: 1, clock }).subscribe({
      next: (w) => seen.push([w.seq, w.sentNs, w.dropped]),
      complete: () => (completed = true),
    });
    expect(seen).toEqual([[0, 0, false]]); // orbit 0 arrived at t0 and took the only credit
    t = 6.5e6; // 6.5 ms later: orbits 1..6 have arrived; the buffer holds 3 of them
    await new Promise((r) => setTimeout(r, 5));
    expect(seen).toEqual([[0, 0, false], [4, 4e6, true], [5, 5e6, true], [6, 6e6, true]]);
    demand.release(2); // the pipeline finished orbit 0 (and one more credit)
    expect(seen.slice(4)).toEqual([[1, 1e6, false], [2, 2e6, false]]);
    t = 20e6; // the rest arrives; 3 fits in the buffer with 7, 8 (9 overflows)
    await new Promise((r) => setTimeout(r, 5));
    expect(seen.slice(6)).toEqual([[9, 9e6, true]]);
    demand.release(10);
    expect(seen.slice(7).map((s) => s[0])).toEqual([3, 7, 8]);
    expect(completed).toBe(true);
    sub.unsubscribe();
  });
});

/** Codec stand-in: "frames" by copying the BX list, "deframes" losing every BX divisible by 3. */
const lossyLink: LinkCodec = {
  frame: (b) => [new Uint8Array(new Uint16Array(b.bx).buffer)],
  deframe: (chunks) => ({ batch: null, faults: { "count-over-cap": chunks[0].length > 0 ? 1 : 0 } }),
};

function keepBx(b: OrbitBatch, keep: (bx: number) => boolean): OrbitBatch {
  const idx = [...b.bx].map((bx, i) => [bx, i]).filter(([bx]) => keep(bx)).map(([, i]) => i);
  const out = allocateBatch(b.orbit, { nBx: idx.length, muons: idx.length, jets: idx.length, egammas: 0, taus: 0 });
  idx.forEach((i, k) => {
    out.bx[k] = b.bx[i];
    out.jets.offset[k + 1] = k + 1; out.muons.offset[k + 1] = k + 1;
    out.jets.hwEt[k] = b.jets.hwEt[i]; out.jets.hwEta[k] = b.jets.hwEta[i]; out.jets.hwPhi[k] = b.jets.hwPhi[i];
    out.muons.hwPt[k] = b.muons.hwPt[i]; out.muons.hwEtaAtVtx[k] = b.muons.hwEtaAtVtx[i]; out.muons.hwPhiAtVtx[k] = b.muons.hwPhiAtVtx[i];
    out.sums.hwMissEt[k] = b.sums.hwMissEt[i];
  });
  return out;
}

describe("pipeline", () => {
  it("pull mode: a slow board throttles the source, zero drops, books balance, zero mismatches", async () => {
    let made = 0;
    const board = slowScorer("board", toyModel, 3);
    const s = await runPipeline({
      source: toyOrbits(30, 20, () => made++),
      model: toyModel,
      scorers: [softwareScorer(toyModel), board],
      mode: "pull",
      window: 4,
      concurrency: 2,
      onOrbit: (t) => expect(made - t.orbits).toBeLessThanOrEqual(4),
    });
    expect(s.problems).toEqual([]);
    expect(s.accounting.orbits).toEqual({ in: 30, dropped: 0, completed: 30 });
    expect(s.accounting.scorers.board).toEqual({ events: 600, scored: 600, failed: 0, failedByReason: {} });
    expect(s.comparison).toMatchObject({ paired: 600, mismatches: 0, unpaired: 0 });
    expect(s.comparison!.fields.raw).toEqual({ compared: 600, mismatched: 0 });
    expect(board.maxActive).toBeLessThanOrEqual(2);
    expect(s.latency.hostRtt!.count).toBe(30);
    expect(checkSummary(s).every((c) => c.ok)).toBe(true);
  });

  it("link-rate mode: the same slow board overflows the receive buffer into counted dropped orbits", async () => {
    const board = slowScorer("board", toyModel, 15);
    const s = await runPipeline({
      source: toyOrbits(40, 10),
      model: toyModel,
      scorers: [softwareScorer(toyModel), board],
      mode: "link-rate",
      orbitHz: 1000,
      concurrency: 1,
      window: 1,
      bufferOrbits: 2,
    });
    const acc = s.accounting;
    // drops (and the events they failed) fail the run
    expect(s.problems.map((p) => p.slice(0, p.indexOf(": ")))).toEqual(["no-failures:software", "no-failures:board", "no-dropped-orbits"]);
    expect(acc.orbits.in).toBe(40);
    expect(acc.orbits.dropped).toBeGreaterThan(10);
    // every event of a dropped orbit fails "dropped-orbit" for both scorers; the rest is scored
    expect(acc.scorers.board.failedByReason["dropped-orbit"]).toBe(acc.orbits.dropped * 10);
    expect(acc.scorers.software.failedByReason["dropped-orbit"]).toBe(acc.orbits.dropped * 10);
    expect(acc.scorers.board.scored).toBe((40 - acc.orbits.dropped) * 10);
    expect(s.comparison).toMatchObject({ mismatches: 0, unpaired: acc.orbits.dropped * 10 });
    // measured from the schedule: queued orbits wait behind 15 ms scoring
    expect(s.latency.orbit!.max).toBeGreaterThan(15e6);
  });

  it("link-rate mode with a stage that keeps up drops nothing", async () => {
    const s = await runPipeline({
      source: toyOrbits(40, 10),
      model: toyModel,
      scorers: [softwareScorer(toyModel), slowScorer("board", toyModel, 0)],
      mode: "link-rate",
      orbitHz: 2000,
    });
    expect(s.accounting.orbits).toEqual({ in: 40, dropped: 0, completed: 40 });
    expect(s.comparison!.paired).toBe(400);
    expect(s.throughput.orbitsPerSecond).toBeLessThan(2000 * 1.2);
  });

  it("finds exactly the corrupted events and accounts the failed ones", async () => {
    const corrupt = (orbit: number, bx: number) => (orbit * 3 + bx) % 23 === 0;
    const fail = (orbit: number, bx: number) => bx === 8 && orbit % 2 === 0;
    const orbits = [...toyOrbits(12, 20)];
    let wantMismatch = 0, wantFail = 0;
    for (const b of orbits) for (const bx of b.bx) {
      if (fail(b.orbit, bx)) wantFail++;
      else if (corrupt(b.orbit, bx)) wantMismatch++;
    }
    expect(wantMismatch).toBeGreaterThan(0);
    const s = await runPipeline({
      source: orbits, model: toyModel, mode: "pull",
      scorers: [softwareScorer(toyModel), slowScorer("board", toyModel, 1, { corrupt, fail })],
      compare: { keepFirst: 3 },
    });
    expect(s.comparison!.mismatches).toBe(wantMismatch);
    expect(s.comparison!.unpaired).toBe(wantFail);
    expect(s.accounting.scorers.board.failed).toBe(wantFail);
    expect(s.comparison!.firstMismatches).toHaveLength(3);
    const m = s.comparison!.firstMismatches[0];
    expect(corrupt(m.orbit, m.bx)).toBe(true);
    expect((m.a.raw! ^ m.b.raw!) >>> 0).toBe(8);
    expect(m.inputs).toHaveLength(57);
    expect(s.problems.map((p) => p.split(":")[0])).toEqual(["no-mismatches", "no-failures"]); // failed events fail a run too
    expect(s.problems[0]).toMatch(/^no-mismatches/);
  });

  it("a link that loses BX fails exactly those events as deframe-lost and counts link faults", async () => {
    const keep = (bx: number) => bx % 3 !== 0;
    const link: LinkCodec = {
      frame: (b) => [new Uint8Array(Uint32Array.of(b.orbit).buffer)],
      deframe: ([bytes]) => {
        const orbit = new Uint32Array(bytes.buffer, bytes.byteOffset, 1)[0];
        return { batch: keepBx(toyOrbit(orbit, 20), keep), faults: { "bx-lost": 1 } };
      },
    };
    const orbits = [...toyOrbits(5, 20)];
    const lost = orbits.reduce((n, b) => n + [...b.bx].filter((bx) => !keep(bx)).length, 0);
    const s = await runPipeline({ source: orbits, model: toyModel, link, scorers: [softwareScorer(toyModel), slowScorer("board", toyModel, 0)] });
    expect(s.accounting.scorers.board.failedByReason).toEqual({ "deframe-lost": lost });
    expect(s.comparison).toMatchObject({ paired: 100 - lost, unpaired: lost, mismatches: 0 });
    expect(s.linkFaults).toEqual({ "bx-lost": 5 });
    expect(s.problems.map((p) => p.slice(0, p.indexOf(": ")))).toEqual(["no-failures:software", "no-failures:board"]);
    expect(s.problems[1]).toBe(`no-failures:board: ${lost}/100 events failed (deframe-lost ${lost})`);
    // a link that loses whole orbits
    const s2 = await runPipeline({ source: toyOrbits(3, 4), model: toyModel, link: lossyLink, scorers: [softwareScorer(toyModel)] });
    expect(s2.accounting.scorers.software.failedByReason).toEqual({ "deframe-lost": 12 });
  });

  it("through the real scouting link (both streams), generated orbits arrive whole", async () => {
    const orbits = [...generateOrbits({ seed: 5, orbits: 2 })];
    const events = orbits.reduce((n, b) => n + b.nBx, 0);
    const s = await runPipeline({ source: orbits, model: toyModel, link: scoutingLink(), scorers: [softwareScorer(toyModel), slowScorer("board", toyModel, 0)] });
    expect(s.accounting.scorers.board).toMatchObject({ events, scored: events, failed: 0 });
    expect(s.linkFaults).toEqual({});
    expect(s.comparison).toMatchObject({ paired: events, mismatches: 0 });
  });

  it("a one-stream link hands over the deframed orbit as merging it with nothing would", () => {
    const orbit = [...generateOrbits({ seed: 6, orbits: 1 })][0];
    const muonHalf = deframeAll(frameOrbit(orbit, "muon")).orbits[0].batch!;
    const viaLink = scoutingLink({ streams: ["muon"] });
    const got = viaLink.deframe(viaLink.frame(orbit)).batch!;
    expect(got.nBx).toBeGreaterThan(10);
    expect(diffBatches(got, mergeStreams(muonHalf, null))).toBeNull();
    const both = scoutingLink();
    expect(diffBatches(both.deframe(both.frame(orbit)).batch!, orbit)).toBeNull();
  });

  it("the scouting link reports a skipped orbit as an orbit gap", async () => {
    const link = scoutingLink({ streams: ["muon"] });
    const [a, b, c] = [toyOrbit(10, 3), toyOrbit(11, 3), toyOrbit(12, 3)];
    expect(link.deframe(link.frame(a)).batch!.nBx).toBe(3);
    link.frame(b); // framed but never delivered
    const r = link.deframe(link.frame(c));
    expect(r.batch!.orbit).toBe(12);
    expect(r.faults).toEqual({ orbitGap: 1 });
  });

  it("a scorer that throws fails its events with scorer-error, the run continues", async () => {
    const broken = { name: "board", score: () => { throw new Error("boom"); } };
    const s = await runPipeline({ source: toyOrbits(3, 5), model: toyModel, scorers: [softwareScorer(toyModel), broken] });
    expect(s.accounting.scorers.board.failedByReason).toEqual({ "scorer-error": 15 });
    expect(s.accounting.scorers.software.scored).toBe(15);
    expect(s.problems).toEqual(["no-failures:board: 15/15 events failed (scorer-error 15)"]);
    expect(reasonCode("scorer-error")).toBeGreaterThan(0);
  });

  it("ScoreRecorder keeps scores by truth class and both scorers side by side, bounded", async () => {
    const orbits = [...toyOrbits(3, 10)].map((b) => ({ ...b, label: Uint8Array.from({ length: b.nBx }, (_, i) => (i % 5 === 0 ? 1 : 0)) }));
    const rec = new ScoreRecorder(25);
    await runPipeline({ source: orbits, model: toyModel, scorers: [softwareScorer(toyModel), slowScorer("board", toyModel, 0)], onWork: (w) => rec.book(w) });
    const r = rec.toRunRecord({ tool: "t", version: "0", seed: 1, model: null, boardHello: null, inputs: [], createdAt: "" });
    expect(r.scores.map((x) => [x.name, x.values.length])).toEqual([["background", 20], ["Ato4l", 5]]);
    expect(r.pairs!.aValues).toHaveLength(25);
    expect(r.pairs!.a).toBe("software");
    expect(r.latency!.hostRttNs).toHaveLength(3);
  });

  it("rejects duplicate scorer names and an empty scorer list", async () => {
    await expect(runPipeline({ source: [], model: toyModel, scorers: [] })).rejects.toThrow(/at least one scorer/);
    await expect(runPipeline({ source: [], model: toyModel, scorers: [softwareScorer(toyModel), softwareScorer(toyModel)] })).rejects.toThrow(/must differ/);
  });
});

describe("generated-run input hash", () => {
  it("covers the defaults the generator really runs with, so an implicit and an explicit default hash alike", () => {
    expect(generatorSettings({})).toEqual({ seed: DEFAULT_GENERATOR.seed, orbits: DEFAULT_GENERATOR.orbits });
    expect(generatorInputHash({ ...generatorSettings({}) })).toBe(generatorInputHash({ seed: 1, orbits: 20 }));
    expect(generatorInputHash({ ...generatorSettings({ orbits: 21 }) })).not.toBe(generatorInputHash({ ...generatorSettings({}) }));
  });
});
