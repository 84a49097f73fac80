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
    }, { rate: { kind: "lhc" }, queueLimit: 64 });
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

  it("offers the same schedule as an Observable", async () => {
    const out = await firstValueFrom(pacedObservable([1, 2, 3], { rate: { kind: "lhc" } }).pipe(toArray()));
    expect(out.map((s) => s.item)).toEqual([1, 2, 3]);
    expect(out[2].scheduledMs - out[0].scheduledMs).toBeCloseTo(2000 / ORBIT_HZ, 6);
  });
});
