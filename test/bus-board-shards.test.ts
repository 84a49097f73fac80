/**
 * boardShardsScorer on its own, with scripted boards: least-loaded dispatch within the per-board
 * bound, a board that stops answering taken out of the rotation, failover re-scoring its orbit
 * whole elsewhere (or, without failover, its failures kept on its books).
 */
import { describe, expect, it } from "vitest";
import { failedBatch, reasonCode, type ScoreBatch } from "../src/compare/results.js";
import { boardShardsScorer, type BoardShard } from "../src/bus/scorers/boardShards.js";
import type { OrbitScoreRequest } from "../src/bus/scorer.js";

function request(orbit: number, n = 4): OrbitScoreRequest {
  return { orbit, n, bx: Uint16Array.from({ length: n }, (_, i) => i + 1), features: new Float32Array(n * 57), inputs: new Int32Array(n * 57) };
}

/** A board answering after `ms` (all scored), or failing every event as `fail` from its `failFrom`-th orbit on. */
function scripted(name: string, opts: { ms?: number; fail?: string; failFrom?: number; goesDown?: boolean } = {}) {
  let inFlight = 0;
  let maxInFlight = 0;
  let calls = 0;
  let up = true;
  const shard: BoardShard = {
    name,
    usable: () => up,
    scorer: {
      name,
      async score(req): Promise<ScoreBatch> {
        const k = calls++;
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((r) => setTimeout(r, opts.ms ?? 5));
        inFlight--;
        if (opts.fail && k >= (opts.failFrom ?? 0)) {
          if (opts.goesDown) up = false;
          return failedBatch(name, req.orbit, req.bx, reasonCode(opts.fail));
        }
        return { scorer: name, orbit: req.orbit, n: req.n, bx: req.bx, status: new Uint8Array(req.n), value: new Float64Array(req.n).fill(k), raw: new Int32Array(req.n) };
      },
    },
  };
  return { shard, stats: () => ({ calls, maxInFlight }) };
}

describe("boardShardsScorer", () => {
  it("spreads orbits least-loaded, never more than perBoard in flight on one board; results say which board", async () => {
    const fast = scripted("fast", { ms: 2 });
    const slow = scripted("slow", { ms: 30 });
    const s = boardShardsScorer([fast.shard, slow.shard], { perBoard: 2 });
    const results = await Promise.all(Array.from({ length: 24 }, (_, k) => s.score(request(k))));
    expect(results.every((r) => r.scorer === "board" && r.status.every((x) => x === 0))).toBe(true);
    const by = (u: string) => results.filter((r) => r.unit === u).length;
    expect(by("fast") + by("slow")).toBe(24);
    expect(by("fast")).toBeGreaterThan(by("slow"));
    expect(fast.stats().maxInFlight).toBeLessThanOrEqual(2);
    expect(slow.stats().maxInFlight).toBeLessThanOrEqual(2);
    expect(s.counters().map((c) => c.sent)).toEqual([by("fast"), by("slow")]);
    expect(s.counters().every((c) => !c.lost)).toBe(true);
  });

  it("failover: a board that times out is taken out, its orbit re-scored whole on the other and counted for it", async () => {
    const dying = scripted("dying", { fail: "timeout", failFrom: 1 });
    const ok = scripted("ok");
    const s = boardShardsScorer([dying.shard, ok.shard], { perBoard: 1 });
    const results = [];
    for (let k = 0; k < 6; k++) results.push(await s.score(request(k)));
    expect(results.every((r) => r.status.every((x) => x === 0))).toBe(true);
    // Orbit 0 on "dying" (answered), orbit 1 there too (fails → re-scored on "ok"), then "ok" only.
    expect(results.map((r) => r.unit)).toEqual(["dying", "ok", "ok", "ok", "ok", "ok"]);
    expect(dying.stats().calls).toBe(2);
    const [d, o] = s.counters();
    expect(d).toMatchObject({ sent: 2, handedOver: 1, handedOverEvents: 4, lost: true });
    expect(o).toMatchObject({ sent: 5, handedOver: 0, lost: false });
  });

  it("without failover the failures stay, on the failing board; board errors from a live board do not take it out", async () => {
    const dying = scripted("dying", { fail: "disconnected", failFrom: 0, goesDown: true });
    const ok = scripted("ok");
    const s = boardShardsScorer([dying.shard, ok.shard], { perBoard: 1, failover: false });
    const first = await s.score(request(0));
    expect(first.unit).toBe("dying");
    expect(Array.from(first.status)).toEqual(new Array(4).fill(reasonCode("disconnected")));
    const rest = await Promise.all([1, 2, 3].map((k) => s.score(request(k))));
    expect(rest.map((r) => r.unit)).toEqual(["ok", "ok", "ok"]);
    expect(s.counters()[0].lost).toBe(true);

    const erring = scripted("erring", { fail: "board-error", failFrom: 0 });
    const t = boardShardsScorer([erring.shard, scripted("other").shard], { perBoard: 1 });
    await t.score(request(0));
    expect(t.counters()[0].lost).toBe(false);
  });

  it("every board down: the last answer stands with its reasons", async () => {
    const a = scripted("a", { fail: "timeout" });
    const b = scripted("b", { fail: "timeout" });
    const s = boardShardsScorer([a.shard, b.shard], { perBoard: 1 });
    const r = await s.score(request(0));
    expect(Array.from(r.status)).toEqual(new Array(4).fill(reasonCode("timeout")));
    const again = await s.score(request(1));
    expect(again.status.every((x) => x === reasonCode("timeout"))).toBe(true);
    expect(s.counters().every((c) => c.lost)).toBe(true);
  });
});
