import { writeMismatchTestbench } from "../src/compare/testbench.js";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  Comparator, LatencyHistogram, RunAccounting, checkSummary, failedBatch, junitXml, reasonCode, REASON,
  writeReport, type ScoreBatch, type RunSummary,
} from "../src/compare/index.js";
import { settleVerdict } from "../src/compare/verdict.js";

function batch(scorer: string, orbit: number, bx: number[], raw: number[], opts: Partial<ScoreBatch> = {}): ScoreBatch {
  const n = bx.length;
  return {
    scorer, orbit, n,
    bx: Uint16Array.from(bx),
    status: new Uint8Array(n),
    raw: Int32Array.from(raw),
    value: Float64Array.from(raw, (r) => r / 16),
    ...opts,
  };
}

describe("Comparator", () => {
  it("bit-exact: counts each mismatching event once, with per-field denominators", () => {
    const cmp = new Comparator();
    cmp.add(batch("sw", 7, [1, 2, 3, 4], [10, 20, 30, 40]), batch("hw", 7, [1, 2, 3, 4], [10, 21, 30, 44]));
    const s = cmp.summary();
    expect(s.paired).toBe(4);
    expect(s.mismatches).toBe(2);
    expect(s.matched).toBe(2);
    expect(s.fields.raw).toEqual({ compared: 4, mismatched: 2 });
    expect(s.fields.value).toEqual({ compared: 4, mismatched: 2 });
    // flags absent on both sides: not compared, denominator 0
    expect(s.fields.flags).toEqual({ compared: 0, mismatched: 0 });
    expect(s.firstMismatches.map((m) => m.bx)).toEqual([2, 4]);
    expect(s.firstMismatches[0]).toMatchObject({ orbit: 7, fields: ["raw", "value"], a: { raw: 20, value: 1.25 }, b: { raw: 21 } });
    expect(s.firstMismatches[0].rawBits).toEqual({ a: "0x00000014", b: "0x00000015" });
    expect(s.firstMismatches[0].rawXor).toBe("0x00000001");
  });

  it("mismatches as an hls4ml testbench: inputs and predictions as floats and as raw words", () => {
    const cmp = new Comparator({ rawWidth: 18 });
    const inputs = { nFeatures: 3, data: Int32Array.of(32, -64, 0, 1, 2, 3) };
    cmp.add(batch("software", 1, [5, 6], [-3, 7]), batch("board", 1, [5, 6], [5, 7]), inputs);
    const dir = mkdtempSync(join(tmpdir(), "scoutloop-tb-"));
    try {
      const tb = writeMismatchTestbench(dir, cmp.summary().firstMismatches, { width: 18, int: 13 }, { width: 18, int: 14 });
      expect(tb).toMatchObject({ events: 1, withoutInputs: 0 });
      const read = (f: string) => readFileSync(join(dir, f), "utf8");
      expect(read("tb_input_features.dat")).toBe("1 -2 0\n"); // raw × 2^−5
      expect(read("tb_input_features.raw.dat")).toBe("32 -64 0\n");
      expect(read("tb_output_predictions.dat")).toBe("-0.1875\n"); // −3 × 2^−4
      expect(read("tb_output_predictions.raw.dat")).toBe("-3\n");
      expect(read("tb_other_predictions.raw.dat")).toBe("5\n");
      expect(read("tb_events.txt")).toBe("orbit 1 bx 5 software 0x3fffd board 0x00005 xor 0x3fff8\n");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("mismatching raw words in the score format's width (two's complement) with their XOR", () => {
    const cmp = new Comparator({ rawWidth: 18 });
    cmp.add(batch("sw", 1, [5], [-3]), batch("hw", 1, [5], [5]));
    const m = cmp.summary().firstMismatches[0];
    // −3 as an 18-bit word is 0x3fffd; 5 is 0x00005; they differ in 0x3fff8.
    expect(m.rawBits).toEqual({ a: "0x3fffd", b: "0x00005" });
    expect(m.rawXor).toBe("0x3fff8");
  });

  it("pairs by bx when the two sides come in a different order", () => {
    const cmp = new Comparator();
    cmp.add(batch("sw", 1, [5, 9, 12], [1, 2, 3]), batch("hw", 1, [12, 5, 9], [3, 1, 99]));
    const s = cmp.summary();
    expect(s.paired).toBe(3);
    expect(s.mismatches).toBe(1);
    expect(s.firstMismatches[0]).toMatchObject({ bx: 9, a: { raw: 2 }, b: { raw: 99 } });
  });

  it("counts failed events as unpaired and one-sided events as orphans", () => {
    const cmp = new Comparator();
    const hw = batch("hw", 3, [1, 2, 3], [1, 2, 3]);
    hw.status[1] = reasonCode("timeout");
    cmp.add(batch("sw", 3, [1, 2, 3, 4], [1, 2, 3, 4]), hw);
    const s = cmp.summary();
    expect(s).toMatchObject({ paired: 2, unpaired: 1, orphans: 1, mismatches: 0 });
    expect(() => cmp.add(batch("sw", 1, [1], [1]), batch("hw", 2, [1], [1]))).toThrow(/orbit 1 paired with orbit 2/);
  });

  it("tolerance mode: values within abs/rel agree, raw still exact unless ignored", () => {
    const a = batch("sw", 1, [1, 2, 3], [0, 0, 0], { raw: undefined, value: Float64Array.from([1.0, 100.0, 5.0]) });
    const b = batch("hw", 1, [1, 2, 3], [0, 0, 0], { raw: undefined, value: Float64Array.from([1.05, 100.9, 6.0]) });
    const tol = new Comparator({ mode: "tolerance", abs: 0.1, rel: 0.01 });
    tol.add(a, b);
    const s = tol.summary();
    // 1.0 vs 1.05: |d| 0.05 <= 0.1 + 0.0105 ok; 100 vs 100.9: 0.9 <= 0.1 + 1.009 ok; 5 vs 6: 1 > 0.16
    expect(s.mismatches).toBe(1);
    expect(s.firstMismatches[0].bx).toBe(3);
    expect(s.fields.raw.compared).toBe(0);
    const exact = new Comparator({ mode: "exact" });
    exact.add(a, b);
    expect(exact.summary().mismatches).toBe(3);
  });

  it("ignore list removes a field from comparison and denominators", () => {
    const flagsA = { flags: Uint8Array.from([0, 1]) };
    const flagsB = { flags: Uint8Array.from([1, 1]) };
    const cmp = new Comparator({ ignore: ["flags"] });
    cmp.add(batch("sw", 1, [1, 2], [5, 6], flagsA), batch("hw", 1, [1, 2], [5, 6], flagsB));
    expect(cmp.summary().mismatches).toBe(0);
    expect(cmp.summary().fields.flags.compared).toBe(0);
    const strict = new Comparator();
    strict.add(batch("sw", 1, [1, 2], [5, 6], flagsA), batch("hw", 1, [1, 2], [5, 6], flagsB));
    expect(strict.summary().fields.flags).toEqual({ compared: 2, mismatched: 1 });
    expect(() => new Comparator({ ignore: ["nope" as never] })).toThrow(/unknown compare field/);
  });

  it("keeps only the first K mismatches, with the event inputs", () => {
    const cmp = new Comparator({ keepFirst: 2 });
    const nf = 3;
    const inputs = { data: Int32Array.from({ length: 5 * nf }, (_, k) => k), nFeatures: nf };
    cmp.add(batch("sw", 1, [1, 2, 3, 4, 5], [0, 0, 0, 0, 0]), batch("hw", 1, [1, 2, 3, 4, 5], [0, 1, 1, 1, 1]), inputs);
    const s = cmp.summary();
    expect(s.mismatches).toBe(4);
    expect(s.firstMismatches).toHaveLength(2);
    expect(s.firstMismatches[0].inputs).toEqual([3, 4, 5]);
    expect(s.firstMismatches[1].inputs).toEqual([6, 7, 8]);
  });

  it("property: mismatches equal the number of differing raw values among events both scored", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: -5, max: 5 }), fc.integer({ min: -5, max: 5 }), fc.boolean()), { maxLength: 200 }),
        (rows) => {
          const bx = rows.map((_, i) => i + 1);
          const a = batch("a", 1, bx, rows.map((r) => r[0]));
          const b = batch("b", 1, bx, rows.map((r) => r[1]));
          rows.forEach((r, i) => { if (r[2]) b.status[i] = REASON.scorerError; });
          const cmp = new Comparator();
          cmp.add(a, b);
          const s = cmp.summary();
          const failed = rows.filter((r) => r[2]).length;
          const diff = rows.filter((r) => !r[2] && r[0] !== r[1]).length;
          return s.mismatches === diff && s.unpaired === failed && s.paired === rows.length - failed;
        },
      ),
    );
  });
});

describe("LatencyHistogram", () => {
  const exactPercentile = (sorted: number[], p: number) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];

  it("percentiles agree with a sorted-array reference within HdrHistogram's 3-digit precision", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 50_000_000 }), { minLength: 1, maxLength: 3000 }), (values) => {
        const h = new LatencyHistogram("ns");
        h.recordAll(values);
        const sorted = [...values].sort((x, y) => x - y);
        const s = h.summary();
        const close = (got: number, want: number) => Math.abs(got - want) <= want * 1e-3 + 1;
        const ok =
          s.count === values.length &&
          s.min === sorted[0] &&
          close(s.max, sorted[sorted.length - 1]) &&
          close(s.p50, exactPercentile(sorted, 50)) &&
          close(s.p90, exactPercentile(sorted, 90)) &&
          close(s.p99, exactPercentile(sorted, 99)) &&
          close(s.p99_9, exactPercentile(sorted, 99.9));
        h.destroy();
        return ok;
      }),
      { numRuns: 60 },
    );
  });

  it("is empty-safe and skips NaN, clamps negatives", () => {
    const h = new LatencyHistogram("cycles");
    expect(h.summary()).toMatchObject({ count: 0, p50: 0, max: 0 });
    h.record(NaN);
    h.record(-5);
    h.record(100);
    expect(h.summary()).toMatchObject({ count: 2, min: 0, max: 100 });
  });
});

function runSummary(acc: RunAccounting, cmp: Comparator | null): RunSummary {
  return {
    tool: "test", mode: "pull", scorers: acc.scorerNames.slice(),
    accounting: acc.summary(), comparison: cmp ? cmp.summary() : null,
    latency: { hostRtt: null, firmwareCycles: null, firmwareNs: null, orbit: null },
    throughput: { seconds: 1, orbitsPerSecond: 1, eventsPerSecond: 1, realTimeFraction: 1e-4 },
    linkFaults: {}, problems: acc.problems(),
  };
}

describe("RunAccounting and summary checks", () => {
  it("balances when every event of every orbit ends scored or failed, dropped orbits included", () => {
    const acc = new RunAccounting(["sw", "hw"]);
    const cmp = new Comparator();
    acc.orbitIn(3);
    const hw = batch("hw", 1, [1, 2, 3], [1, 2, 3]);
    hw.status[2] = reasonCode("timeout");
    const sw = batch("sw", 1, [1, 2, 3], [1, 2, 3]);
    acc.result(sw); acc.result(hw); cmp.add(sw, hw); acc.orbitCompleted();
    acc.orbitIn(2);
    acc.orbitDropped(2);
    const bx = Uint16Array.from([4, 5]);
    const d1 = failedBatch("sw", 2, bx, REASON.droppedOrbit), d2 = failedBatch("hw", 2, bx, REASON.droppedOrbit);
    acc.result(d1); acc.result(d2); cmp.add(d1, d2); acc.orbitCompleted();
    expect(acc.problems()).toEqual([]);
    const s = runSummary(acc, cmp);
    expect(s.accounting.scorers.hw).toEqual({ events: 5, scored: 2, failed: 3, failedByReason: { timeout: 1, "dropped-orbit": 2 } });
    const checks = Object.fromEntries(checkSummary(s).map((c) => [c.name, c.ok]));
    expect(checks).toEqual({ accounting: true, "no-mismatches": true, "no-failures:sw": false, "no-failures:hw": false, "no-dropped-orbits": false });
  });

  it("reports the books not balancing", () => {
    const acc = new RunAccounting(["sw"]);
    acc.orbitIn(4);
    acc.result(batch("sw", 1, [1, 2, 3], [0, 0, 0]));
    expect(acc.problems()).toEqual(["1 orbits entered but 0 completed", "sw: 4 events entered but 3 accounted"]);
    expect(checkSummary(runSummary(acc, null))[0]).toMatchObject({ name: "accounting", ok: false });
    expect(() => acc.result(batch("other", 1, [1], [0]))).toThrow(/unknown scorer/);
  });

  it("writes summary.json and a JUnit XML that an independent XML parser reads", () => {
    const acc = new RunAccounting(["sw", "hw"]);
    const cmp = new Comparator();
    acc.orbitIn(2);
    const sw = batch("sw", 9, [1, 2], [1, 2]), hw = batch("hw", 9, [1, 2], [1, 3]);
    acc.result(sw); acc.result(hw); cmp.add(sw, hw); acc.orbitCompleted();
    const dir = mkdtempSync(join(tmpdir(), "scoutloop-report-"));
    const s = runSummary(acc, cmp);
    const { summaryPath, junitPath } = writeReport(dir, s, "unit <&> suite");
    expect(JSON.parse(readFileSync(summaryPath, "utf8")).comparison.mismatches).toBe(1);
    expect(junitXml(s)).toContain("<failure");
    const parsed = execFileSync("/usr/bin/python3", ["-c", `
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suite = root.find("testsuite")
print(suite.get("name"), suite.get("tests"), suite.get("failures"), ",".join(c.get("name") for c in suite.findall("testcase") if c.find("failure") is not None))
`, junitPath]).toString().trim();
    expect(parsed).toBe("unit <&> suite 5 1 no-mismatches");
  });

  it("JUnit: failures the user declared are skipped with the declared sentence, undeclared ones stay failures", () => {
    // One mismatch (never declarable by --expect-failures), one failed board event and a dropped orbit (declared).
    const acc = new RunAccounting(["sw", "hw"]);
    const cmp = new Comparator();
    acc.orbitIn(3);
    const sw = batch("sw", 9, [1, 2, 3], [1, 2, 3]), hw = batch("hw", 9, [1, 2, 3], [1, 5, 3]);
    hw.status[2] = reasonCode("disconnected");
    acc.result(sw); acc.result(hw); cmp.add(sw, hw); acc.orbitCompleted();
    acc.orbitIn(1);
    acc.orbitDropped(1);
    const bx = Uint16Array.from([4]);
    const d1 = failedBatch("sw", 2, bx, REASON.droppedOrbit), d2 = failedBatch("hw", 2, bx, REASON.droppedOrbit);
    acc.result(d1); acc.result(d2); cmp.add(d1, d2); acc.orbitCompleted();
    const read = (s: RunSummary) => {
      const dir = mkdtempSync(join(tmpdir(), "scoutloop-junit-"));
      try {
        const { junitPath } = writeReport(dir, s);
        return execFileSync("/usr/bin/python3", ["-c", `
import sys, xml.etree.ElementTree as ET
suite = ET.parse(sys.argv[1]).getroot().find("testsuite")
print(suite.get("failures"), suite.get("skipped"))
for c in suite.findall("testcase"):
    f, k = c.find("failure"), c.find("skipped")
    print(c.get("name"), "failure" if f is not None else "skipped: " + k.get("message") if k is not None else "ok")
`, junitPath]).toString().trim().split("\n");
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    };
    const undeclared = { ...runSummary(acc, cmp) };
    const v0 = settleVerdict(undeclared);
    Object.assign(undeclared, { problems: v0.problems, declared: v0.declared });
    expect(read(undeclared)).toEqual([
      "4 0", "accounting ok", "no-mismatches failure", "no-failures:sw failure", "no-failures:hw failure", "no-dropped-orbits failure",
    ]);
    const declared = { ...runSummary(acc, cmp) };
    const v1 = settleVerdict(declared, { expectFailures: true });
    Object.assign(declared, { problems: v1.problems, declared: v1.declared });
    expect(read(declared)).toEqual([
      "1 3",
      "accounting ok",
      "no-mismatches failure",
      "no-failures:sw skipped: declared: no-failures:sw: 1/4 events failed (dropped-orbit 1) (expected)",
      "no-failures:hw skipped: declared: no-failures:hw: 2/4 events failed (disconnected 1, dropped-orbit 1) (expected)",
      "no-dropped-orbits skipped: declared: no-dropped-orbits: 1/2 orbits dropped (expected)",
    ]);
    // A summary never settled (problems from the pipeline, nothing declared) fails every failed check.
    expect(read(runSummary(acc, cmp))[0]).toBe("4 0");
  });
});
