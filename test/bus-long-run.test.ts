/**
 * Long runs must not grow the stack: 10^5 cheap orbits through boundedMergeMap and through the
 * whole pipeline with synchronous scorers (issue: `run --rate lhc --orbits 11245` died with
 * "Maximum call stack size exceeded" when a queue of synchronous inners completed recursively).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Subject, from, lastValueFrom, toArray } from "rxjs";
import { buildPipeline, softwareScorer } from "../src/bus/index.js";
import { boundedMergeMap } from "../src/link/boundedMergeMap.js";
import { slowScorer, toyModel, toyOrbit } from "./helpers/busFixtures.js";

const N = 100_000;

/** Frames on the stack right now (full depth: the stack trace limit is lifted in this file). */
function stackDepth(): number {
  return (new Error().stack ?? "").split("\n").length;
}

let savedLimit: number;
beforeAll(() => {
  savedLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = Infinity;
});
afterAll(() => {
  Error.stackTraceLimit = savedLimit;
});

/** Frames a pipeline callback may sit under (the test runner's own frames included). */
const MAX_FRAMES = 200;

/** Min and max of the stack depth seen at each call, sampled every `every` calls. */
class DepthProbe {
  min = Infinity;
  max = 0;
  calls = 0;
  constructor(private readonly every = 97) {}
  sample(): void {
    if (this.calls++ % this.every !== 0) return;
    const d = stackDepth();
    this.min = Math.min(this.min, d);
    this.max = Math.max(this.max, d);
  }
}

describe("no stack growth with run length", () => {
  it("boundedMergeMap: 10^5 queued values whose inners complete synchronously run in a loop", async () => {
    const gate = new Subject<number>();
    const probe = new DepthProbe(1);
    const src = new Subject<number>();
    // Value 0 holds the only slot on an asynchronous inner, so 1..N queue up behind it; each of
    // them completes synchronously the moment it starts (the recursion that used to overflow).
    const out = lastValueFrom(
      src.pipe(
        boundedMergeMap((x: number) => {
          if (x % 1000 === 1) probe.sample();
          return x === 0 ? gate : [x];
        }, { concurrency: 1, queueLimit: Infinity }),
        toArray(),
      ),
    );
    for (let x = 0; x <= N; x++) src.next(x);
    src.complete();
    gate.next(0);
    gate.complete(); // releases the queue: N synchronous inners in a row
    const got = await out;
    expect(got.length).toBe(N + 1);
    expect(got[0]).toBe(0);
    expect(got[N]).toBe(N);
    expect(got.every((v, i) => v === i)).toBe(true); // order kept
    expect(probe.calls).toBe(N / 1000);
    // Flat: the deepest call is a few frames below the shallowest, not N frames.
    expect(probe.max - probe.min).toBeLessThan(20);
  }, 20_000); // the recursive version overflows the stack (or, with O(n) shifts, never finishes)

  it("boundedMergeMap keeps order and concurrency when a synchronous source meets synchronous inners", async () => {
    const got = await lastValueFrom(from(Array.from({ length: N }, (_, i) => i)).pipe(
      boundedMergeMap((x: number) => [x], { concurrency: 3, queueLimit: 0 }), toArray()));
    expect(got.length).toBe(N);
    expect(got.every((v, i) => v === i)).toBe(true);
  });

  function* cheapOrbits() {
    const pool = Array.from({ length: 64 }, (_, k) => toyOrbit(k, 1));
    for (let k = 0; k < N; k++) yield pool[k % 64];
  }

  it(`pipeline, pull mode: ${N} one-event orbits with synchronous scorers, every orbit booked, flat stack`, async () => {
    const probe = new DepthProbe();
    const { orbits$, tally } = buildPipeline({
      source: cheapOrbits(),
      model: toyModel,
      scorers: [softwareScorer(toyModel, { name: "a" }), softwareScorer(toyModel, { name: "b" })],
      window: 8,
      concurrency: 2,
      onWork: () => probe.sample(),
    });
    await lastValueFrom(orbits$, { defaultValue: null });
    expect(tally.orbits).toBe(N);
    expect(tally.droppedOrbits).toBe(0);
    expect(tally.eventsProcessed).toBe(N);
    expect(tally.comparator!.mismatchCount).toBe(0);
    // The depth varies by a re-entry or two (a credit returned inside a drain) but stays within
    // a fixed budget of frames (~100 here) instead of growing with the orbits queued.
    expect(probe.max).toBeLessThan(MAX_FRAMES);
  }, 120_000);

  it(`pipeline, link-rate mode: ${N} orbits, a slow board beside a synchronous scorer, drops queue behind it, flat stack`, async () => {
    const probe = new DepthProbe();
    const { orbits$, tally } = buildPipeline({
      source: cheapOrbits(),
      model: toyModel,
      // While the board holds both slots, the orbits that arrive to a full buffer (dropped, and
      // scored synchronously as failures) queue in the score stage by the thousand; the board's
      // reply then releases them all at once (what overflowed the stack in `run --rate lhc`).
      scorers: [softwareScorer(toyModel, { name: "software" }), slowScorer("board", toyModel, 1)],
      mode: "link-rate",
      orbitHz: 1e7,
      bufferOrbits: 256,
      window: 2, // = concurrency: no credited orbit waits between the dropped ones
      concurrency: 2,
      onWork: () => probe.sample(),
    });
    await lastValueFrom(orbits$, { defaultValue: null });
    expect(tally.orbits).toBe(N);
    const a = tally.accounting.summary();
    expect(a.events.in).toBe(N);
    expect(tally.droppedOrbits).toBeGreaterThan(N / 2);
    expect(tally.eventsProcessed + tally.droppedOrbits).toBe(N);
    expect(tally.comparator!.mismatchCount).toBe(0);
    expect(probe.calls).toBe(N);
    expect(probe.max).toBeLessThan(MAX_FRAMES);
  }, 120_000);
});
