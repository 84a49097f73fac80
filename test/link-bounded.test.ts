import { describe, expect, it } from "vitest";
import { TestScheduler } from "rxjs/testing";
import { delay, of } from "rxjs";
import { boundedMergeMap, type DropCounters } from "../src/link/index.js";

describe("boundedMergeMap", () => {
  it("drops values that find the bounded buffer full (marbles)", () => {
    const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
    scheduler.run(({ cold, expectObservable }) => {
      const counters: DropCounters = { dropped: 0, maxQueue: 0 };
      const source = cold("a-b-c-d-------|");
      const result = source.pipe(boundedMergeMap((x) => of(x.toUpperCase()).pipe(delay(3)), { queueLimit: 1, counters }));
      expectObservable(result).toBe("---A--B--C----|");
      scheduler.flush();
      expect(counters).toEqual({ dropped: 1, maxQueue: 1 });
    });
  });

  it("drops nothing when the stage keeps up, and respects concurrency", () => {
    const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
    scheduler.run(({ cold, expectObservable }) => {
      const counters: DropCounters = { dropped: 0, maxQueue: 0 };
      const source = cold("a-b-c-d|");
      const result = source.pipe(boundedMergeMap((x) => of(x).pipe(delay(3)), { queueLimit: 0, concurrency: 2, counters }));
      expectObservable(result).toBe("---a-b-c-(d|)");
      scheduler.flush();
      expect(counters.dropped).toBe(0);
    });
  });

  it("rejects bad options", () => {
    expect(() => boundedMergeMap(() => of(1), { queueLimit: -1 })).toThrow(/queueLimit/);
    expect(() => boundedMergeMap(() => of(1), { queueLimit: 1, concurrency: 0 })).toThrow(/concurrency/);
  });
});
