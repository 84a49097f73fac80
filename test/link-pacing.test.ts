import { describe, expect, it } from "vitest";
import { firstValueFrom, toArray } from "rxjs";
import { ORBIT_HZ } from "../src/events/batch.js";
import { itemPeriodSeconds, paceInto, pacedObservable, parseRate } from "../src/link/index.js";

describe("link pacing", () => {
  it("parses rates", () => {
    expect(parseRate("lhc")).toEqual({ kind: "lhc" });
    expect(parseRate("10gbps")).toEqual({ kind: "gbps", gbps: 10 });
    expect(parseRate("2.5")).toEqual({ kind: "gbps", gbps: 2.5 });
    expect(() => parseRate("fast")).toThrow(/rate must be/);
    expect(() => parseRate("0gbps")).toThrow(/rate must be/);
    expect(itemPeriodSeconds({ kind: "lhc" }, 123)).toBeCloseTo(1 / ORBIT_HZ, 12);
    expect(itemPeriodSeconds({ kind: "gbps", gbps: 10 }, 1250)).toBeCloseTo(1e-6, 15);
  });

  it("schedules on exact times and delivers everything to a fast consumer", async () => {
    const items = Array.from({ length: 200 }, (_, i) => i);
    const got: number[] = [];
    const sched: number[] = [];
    const report = await paceInto(items, (s) => {
      got.push(s.item);
      sched.push(s.scheduledMs);
    }, { rate: { kind: "lhc" }, queueLimit: 200 }); // a buffer for all: a loaded host's stalls drop nothing
    expect(got).toEqual(items);
    expect(report.dropped).toBe(0);
    expect(report.offered).toBe(200);
    const period = 1000 / ORBIT_HZ;
    for (let i = 1; i < sched.length; i++) expect(sched[i] - sched[i - 1]).toBeCloseTo(period, 6);
    // 200 orbits at 11.2455 kHz take ≥ 17.7 ms: the pacer did wait.
    expect(report.elapsedMs).toBeGreaterThanOrEqual(199 * period - 0.5);
  });

  it("counts overflow as dropped orbits when the consumer lags", async () => {
    const items = Array.from({ length: 60 }, (_, i) => i);
    const delivered: number[] = [];
    const report = await paceInto(items, async (s) => {
      await new Promise((r) => setTimeout(r, 4)); // 4 ms per item vs 1 ms period
      delivered.push(s.item);
    }, { rate: { kind: "gbps", gbps: 8e-6 }, bytesOf: () => 1, queueLimit: 3 }); // 8 bits at 8 kb/s = 1 ms
    expect(report.offered).toBe(60);
    expect(report.delivered + report.dropped).toBe(60);
    expect(report.dropped).toBeGreaterThan(20);
    expect(report.maxQueue).toBeLessThanOrEqual(3);
    expect(delivered.length).toBe(report.delivered);
    expect(new Set([...delivered, ...report.firstDropped]).size).toBe(60);
    // Latency is measured from the scheduled time, so queueing shows up (≥ one service time).
    expect(report.latencyMs.max).toBeGreaterThanOrEqual(4);
  });

  /**
   * Independent model of a receive buffer of `limit` items: item k arrives at k·period and is
   * dropped iff the buffer holds `limit` items then; a consumer that needs `serviceMs` per item
   * takes the oldest waiting item whenever it is free (taking frees its slot).
   */
  function simulateDrops(n: number, periodMs: number, serviceMs: number, limit: number): { dropped: number[]; delivered: number } {
    const waiting: number[] = [];
    const dropped: number[] = [];
    let freeAt = 0; // when the consumer can take the next item
    let delivered = 0;
    for (let k = 0; k < n; k++) {
      const tk = k * periodMs;
      // Takes that happen before this arrival (a take at exactly tk happens first).
      while (waiting.length > 0 && freeAt <= tk) (waiting.shift(), delivered++, (freeAt += serviceMs));
      if (waiting.length === 0 && freeAt < tk) freeAt = tk; // idle consumer waits for the arrival
      if (waiting.length >= limit) dropped.push(k);
      else waiting.push(k);
    }
    return { dropped, delivered: delivered + waiting.length };
  }

  it("a slow consumer: every orbit not taken in time is dropped, exactly as a bounded buffer drops it", async () => {
    // A fake clock that only the consumer moves: 0.3 ms of work per orbit against 88.9 µs.
    let clock = 0;
    const n = 3000;
    const period = 1000 / ORBIT_HZ;
    const report = await paceInto(Array.from({ length: n }, (_, i) => i), () => {
      clock += 0.3;
    }, { rate: { kind: "lhc" }, queueLimit: 16, now: () => clock });
    const expected = simulateDrops(n, period, 0.3, 16);
    expect(report.offered).toBe(n);
    expect(report.dropped).toBe(expected.dropped.length);
    expect(report.firstDropped).toEqual(expected.dropped.slice(0, 100));
    expect(report.delivered).toBe(expected.delivered);
    expect(report.delivered + report.dropped).toBe(n);
    // About 88.9/300 of the orbits get through; the rest are counted, not hidden in a slower rate.
    expect(report.delivered / n).toBeGreaterThan(0.28);
    expect(report.delivered / n).toBeLessThan(0.32);
    // The offered rate is the link's, whatever the consumer does.
    expect(report.offeredHz).toBeGreaterThan(0.9 * ORBIT_HZ * (n * period) / (n * period + 16 * 0.3 + 1));
    expect(report.maxQueue).toBe(16);
  });

  it("a slow source: orbits the source hands over late count as dropped, latency from the schedule", async () => {
    let clock = 0;
    const n = 2000;
    function* slowSource() {
      for (let i = 0; i < n; i++) {
        clock += 0.2; // producing each orbit takes 0.2 ms against an 88.9 µs period
        yield i;
      }
    }
    const report = await paceInto(slowSource(), () => {}, { rate: { kind: "lhc" }, queueLimit: 8, now: () => clock });
    expect(report.offered).toBe(n);
    expect(report.delivered + report.dropped).toBe(n);
    expect(report.dropped / n).toBeGreaterThan(0.4); // at most ~0.2 ms / 88.9 µs ≈ 45 % can be on time
    expect(report.latencyMs.max).toBeGreaterThan(1000 / ORBIT_HZ); // late by more than a period
  });

  it("a consumer that keeps up loses nothing, even with a buffer of one (fake clock that moves as it is read)", async () => {
    let clock = 0;
    const now = () => (clock += 0.001);
    const report = await paceInto(Array.from({ length: 300 }, (_, i) => i), () => {
      clock += 0.05; // 50 µs of work per 88.9 µs orbit
    }, { rate: { kind: "lhc" }, queueLimit: 1, now });
    expect(report.dropped).toBe(0);
    expect(report.delivered).toBe(300);
    expect(report.latencyMs.max).toBeLessThan(0.06);
    expect(clock).toBeGreaterThan(299 * (1000 / ORBIT_HZ)); // idle gaps were waited through
  });

  it("offers the same schedule as an Observable", async () => {
    const out = await firstValueFrom(pacedObservable([1, 2, 3], { rate: { kind: "lhc" } }).pipe(toArray()));
    expect(out.map((s) => s.item)).toEqual([1, 2, 3]);
    expect(out[2].scheduledMs - out[0].scheduledMs).toBeCloseTo(2000 / ORBIT_HZ, 6);
  });
});
